import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { at } from '../private/properties';
import { isSet, judgeJobs, SageMakerRule } from '../private/rule';

function JobInVpc(node: CfnResource): NagRuleResult {
  return judgeJobs(node, 'vpcConfig', (vpc) => isSet(at(vpc, 'Subnets')) && isSet(at(vpc, 'SecurityGroupIds')));
}

export const jobInVpc: SageMakerRule = {
  check: JobInVpc,
  info: 'A SageMaker training, tuning, processing, monitoring, compilation or AutoML job does not run in a VPC.',
  explanation: 'Outside a VPC, the job reads and writes S3 over SageMaker-managed networking; in a VPC its traffic is bound to the account\'s endpoints, security groups and flow logs.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-7, AC-4 (no managed Config rule)'],
};
