import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function DomainKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::Domain') return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(renderedProperties(node).KmsKeyId) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const domainKms: SageMakerRule = {
  check: DomainKms,
  info: 'The SageMaker Studio domain has no KMS key (KmsKeyId) for its home EFS volume and spaces\' volumes.',
  explanation: 'Every user\'s home directory and every space\'s storage is encrypted only with an AWS-managed key whose use cannot be audited or revoked separately.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-28, PCI DSS 3.4 (no managed Config rule)'],
};
