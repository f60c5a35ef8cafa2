import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at, isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

/**
 * A model package holds the model's description, metrics and card: SecurityConfig.KmsKeyId
 * encrypts them with a customer-managed key; metrics it points to are judged by their bucket.
 */
function ModelPackageKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::ModelPackage') return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(at(renderedProperties(node), 'SecurityConfig', 'KmsKeyId')) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const modelPackageKms: SageMakerRule = {
  check: ModelPackageKms,
  info: 'The SageMaker model package (a registered model version) has no KMS key (SecurityConfig.KmsKeyId).',
  explanation: 'Without a customer-managed key, what the registry records about the model (its metrics, model card and description) is encrypted only with an AWS-owned key whose use cannot be audited or revoked.',
  level: NagMessageLevel.ERROR,
  controls: ['none (no AWS Config rule covers model packages)'],
};
