import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { isSet, judgeJobs, SageMakerRule } from '../private/rule';

function JobVolumeKms(node: CfnResource): NagRuleResult {
  return judgeJobs(node, 'volumeKmsKeyId', isSet);
}

export const jobVolumeKms: SageMakerRule = {
  check: JobVolumeKms,
  info: 'A SageMaker job does not encrypt its ML storage volumes with a KMS key (VolumeKmsKeyId).',
  explanation: 'Training, processing, monitoring and transform volumes hold copies of the input data and checkpoints.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-28, PCI DSS 3.4 (no managed Config rule)'],
};
