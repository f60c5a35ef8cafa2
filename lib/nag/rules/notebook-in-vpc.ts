import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function NotebookInVpc(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(renderedProperties(node).SubnetId) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const notebookInVpc: SageMakerRule = {
  check: NotebookInVpc,
  info: 'The SageMaker notebook instance is not in a VPC (no SubnetId).',
  explanation: 'Outside a VPC the notebook reaches AWS and the internet through SageMaker\'s own network, where no security group, endpoint policy or flow log of yours applies.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-notebook-instance-inside-vpc', 'Security Hub SageMaker.2'],
};
