import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function NotebookNoDirectInternetAccess(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') return NagRuleCompliance.NOT_APPLICABLE;
  // DirectInternetAccess defaults to Enabled when omitted.
  return renderedProperties(node).DirectInternetAccess === 'Disabled' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const notebookNoDirectInternetAccess: SageMakerRule = {
  check: NotebookNoDirectInternetAccess,
  info: 'The SageMaker notebook instance has direct internet access (DirectInternetAccess is not Disabled).',
  explanation: 'Direct internet access bypasses the VPC: its security groups, endpoints and flow logs no longer see what the notebook sends out, so data can leave without a trace.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-notebook-no-direct-internet-access', 'Security Hub SageMaker.1'],
};
