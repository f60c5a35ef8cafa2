import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { isSet, judgeJobs, SageMakerRule } from '../private/rule';

function JobOutputKms(node: CfnResource): NagRuleResult {
  return judgeJobs(node, 'outputKmsKeyId', isSet);
}

export const jobOutputKms: SageMakerRule = {
  check: JobOutputKms,
  info: 'A SageMaker job does not encrypt its output with a KMS key (output KmsKeyId).',
  explanation: 'Model artifacts, processing results, monitoring reports and transform output are written to S3; a job-level key keeps them encrypted whatever the bucket default is.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-28, PCI DSS 3.4 (no managed Config rule)'],
};
