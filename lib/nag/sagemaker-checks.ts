import { CfnResource, IPolicyValidationPlugin, Stack, Stage } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { SAGEMAKER_RULES } from './rules';

/**
 * A cdk-nag rule pack for the SageMaker security settings that cdk-nag's own packs do not check:
 * models, endpoint configurations and endpoints, training / tuning / processing / monitoring /
 * transform jobs (as L1 resources, this library's deploy-time job resources, or Step Functions
 * tasks), feature groups and notebook instances.
 *
 * It works on any app: `Validations.of(app).addPlugins(new SageMakerChecks(app))`.
 * Finding ids are `SageMakerChecks-<RuleName>`. Given a scope, it also records on every stack which
 * rule packs synth runs over it (`VALIDATED_BY_METADATA_KEY`), so an architecture review can say
 * "clean under these packs" rather than "not checked".
 */
export class SageMakerChecks extends NagPack {
  /**
   * Construct metadata on each stack: the names of the validation plugins (rule packs) synth runs
   * over it, sorted, as a list of strings.
   *
   * CDK's validation report leaves out every plugin that passed, so an app clean under five packs
   * and an app with no pack at all give byte-identical cloud assemblies; the architecture review
   * reads this entry to tell them apart. It is stack metadata rather than a file of its own because
   * the manifest (or the stack's metadata file) is already part of every cloud assembly, travels
   * with it and is per stack (a nested stage has plugins of its own), and because it is written in
   * the construct-validation phase, after every plugin is registered and before the manifest is.
   */
  public static readonly VALIDATED_BY_METADATA_KEY = 'sagemaker-secure-constructs:validated-by';

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

const recorded = new WeakSet<IConstruct>();

/**
 * Records, on every stack under the scope's root, which validation plugins its stage and the
 * stages above it have registered (each stage's plugins run over its stacks, nested ones included).
 * Once per app.
 */
function recordValidationPlugins(scope: IConstruct): void {
  const root = scope.node.root;
  if (recorded.has(root)) return;
  recorded.add(root);
  root.node.addValidation({
    validate: () => {
      for (const stack of root.node.findAll().filter(Stack.isStack)) {
        const names = new Set<string>();
        for (let stage = Stage.of(stack); stage; stage = Stage.of(stage)) {
          for (const plugin of registeredPlugins(stage)) names.add(plugin.name);
        }
        stack.node.addMetadata(SageMakerChecks.VALIDATED_BY_METADATA_KEY, [...names].sort());
      }
      return [];
    },
  });
}

/**
 * The plugins `Validations.of(stage).addPlugins()` registered. CDK offers no getter for them that
 * does not print a deprecation warning (`policyValidationBeta1`), so this reads the field CDK's own
 * synthesis reads; test/review's "clean under" test fails if that ever changes.
 */
function registeredPlugins(stage: Stage): IPolicyValidationPlugin[] {
  return (stage as unknown as { _validationPlugins?: IPolicyValidationPlugin[] })._validationPlugins ?? [];
}
