import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { isTrue, judgeJobs, SageMakerRule } from '../private/rule';

function JobInterContainerEncryption(node: CfnResource): NagRuleResult {
  return judgeJobs(node, 'interContainerEncryption', isTrue);
}

export const jobInterContainerEncryption: SageMakerRule = {
  check: JobInterContainerEncryption,
  info: 'A SageMaker training, tuning, processing or monitoring job does not encrypt inter-container traffic.',
  explanation: 'Distributed jobs exchange gradients, model state and data between instances; without this setting that traffic crosses the network in clear text.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-data-quality-job-encrypt-in-transit', 'sagemaker-model-bias-job-encrypt-in-transit', 'sagemaker-model-explainability-job-encrypt-in-transit', 'sagemaker-model-quality-job-encrypt-in-transit', 'NIST 800-53 SC-8 for training, tuning and processing jobs'],
};
