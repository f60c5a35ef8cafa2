import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function EndpointConfigKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') return NagRuleCompliance.NOT_APPLICABLE;
  const props = renderedProperties(node);
  const instanceBacked = (props.ProductionVariants ?? []).some((v: any) => v.ServerlessConfig === undefined);
  // KMS on the ML storage volume is not supported for serverless variants.
  if (!instanceBacked) return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(props.KmsKeyId) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const endpointConfigKms: SageMakerRule = {
  check: EndpointConfigKms,
  info: 'The SageMaker endpoint configuration does not name a KMS key (KmsKeyId).',
  explanation: 'The ML storage volumes of the endpoint instances hold the model artifact and request data; a customer-managed key lets the account audit and revoke access to them.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-endpoint-configuration-kms-key-configured'],
};
