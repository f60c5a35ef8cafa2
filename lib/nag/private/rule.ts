import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isTrue, isSet } from './properties';
import { JobSettings, jobSettingsOf, NOT_APPLICABLE } from './job-settings';
import { AUTOML_MODEL_RESOURCE_TYPE } from '../../core/private/resource-types';

/** One rule of the SageMakerChecks pack. */
export interface SageMakerRule {
  /** A pure function of one resource; its name is the rule id's suffix. */
  readonly check: (node: CfnResource) => NagRuleResult;
  /** Why the rule was triggered. */
  readonly info: string;
  /** Why the rule exists. */
  readonly explanation: string;
  readonly level: NagMessageLevel;
  /** AWS Config managed rules / Security Hub controls this corresponds to, for the README. */
  readonly controls: string[];
}

/**
 * Judges one setting across every SageMaker job a resource declares: not applicable when it
 * declares none with that setting, non-compliant when any of them fails.
 */
export function judgeJobs(node: CfnResource, setting: keyof JobSettings, ok: (value: unknown) => boolean): NagRuleResult {
  const relevant = jobSettingsOf(node).filter((job) => job[setting] !== NOT_APPLICABLE);
  if (relevant.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
  return relevant.every((job) => ok(job[setting])) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export { isTrue, isSet };

/**
 * A SageMaker model: the L1 resource, or the model an AutoML job's best candidate becomes (made
 * by the job handler with CreateModel's VpcConfig and EnableNetworkIsolation).
 */
export function isModel(node: CfnResource): boolean {
  return node.cfnResourceType === 'AWS::SageMaker::Model' || node.cfnResourceType === AUTOML_MODEL_RESOURCE_TYPE;
}
