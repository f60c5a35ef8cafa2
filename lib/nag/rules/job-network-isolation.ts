import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { isTrue, judgeJobs, SageMakerRule } from '../private/rule';

function JobNetworkIsolation(node: CfnResource): NagRuleResult {
  return judgeJobs(node, 'networkIsolation', isTrue);
}

export const jobNetworkIsolation: SageMakerRule = {
  check: JobNetworkIsolation,
  info: 'A SageMaker training, tuning, processing or monitoring job does not enable network isolation.',
  explanation: 'Job containers run code and data the platform team did not write; network isolation stops them calling out of the job.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-data-quality-job-isolation', 'sagemaker-model-bias-job-isolation', 'sagemaker-model-explainability-job-network-isolation', 'sagemaker-model-quality-job-isolation', 'sagemaker-monitoring-schedule-isolation', 'NIST 800-53 SC-7 for training, tuning and processing jobs'],
};
