import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function DomainInVpc(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::Domain') return NagRuleCompliance.NOT_APPLICABLE;
  // AppNetworkAccessType defaults to PublicInternetOnly when omitted.
  return renderedProperties(node).AppNetworkAccessType === 'VpcOnly' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const domainInVpc: SageMakerRule = {
  check: DomainInVpc,
  info: 'The SageMaker Studio domain\'s apps reach the internet directly (AppNetworkAccessType is not VpcOnly).',
  explanation: 'With PublicInternetOnly, Studio\'s apps send traffic through SageMaker\'s own network to the internet, around the VPC\'s security groups, endpoints and flow logs.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-domain-in-vpc'],
};
