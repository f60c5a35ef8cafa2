import { CfnResource } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { SAGEMAKER_RULES } from './rules';
import { recordValidationPlugins } from '../review/private/validated-by';

/**
 * A cdk-nag rule pack for the SageMaker security settings that cdk-nag's own packs do not check:
 * models, endpoint configurations and endpoints, training / tuning / processing / monitoring /
 * transform jobs (as L1 resources, this library's deploy-time job resources, or Step Functions
 * tasks), feature groups and notebook instances.
 *
 * It works on any app: `Validations.of(app).addPlugins(new SageMakerChecks(app))`.
 * Finding ids are `SageMakerChecks-<RuleName>`. Given a scope, it also records on every stack which
 * rule packs synth runs over it, so an architecture review can say "clean under these packs"
 * rather than "not checked" (CDK's validation report leaves out the packs that passed).
 */
export class SageMakerChecks extends NagPack {
  public readonly name = 'SageMakerChecks';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'SageMakerChecks';
    if (scope) recordValidationPlugins(scope);
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of SAGEMAKER_RULES) {
      this.applyRule({ info: rule.info, explanation: rule.explanation, level: rule.level, node, rule: rule.check });
    }
  }
}
