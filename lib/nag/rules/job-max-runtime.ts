import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { isSet, judgeJobs, SageMakerRule } from '../private/rule';

function JobMaxRuntime(node: CfnResource): NagRuleResult {
  return judgeJobs(node, 'maxRuntime', isSet);
}

export const jobMaxRuntime: SageMakerRule = {
  check: JobMaxRuntime,
  info: 'A SageMaker training, tuning, processing or compilation job has no maximum runtime (StoppingCondition.MaxRuntimeInSeconds), or an AutoML job none of its own (MaxAutoMLJobRuntimeInSeconds).',
  explanation: 'A stuck or runaway job keeps its instances (often GPUs) running and billing; an explicit bound stops it.',
  level: NagMessageLevel.ERROR,
  controls: ['Cost and availability control (no managed Config rule)'],
};
