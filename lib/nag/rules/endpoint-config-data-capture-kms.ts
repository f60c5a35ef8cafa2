import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function EndpointConfigDataCaptureKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') return NagRuleCompliance.NOT_APPLICABLE;
  const capture = renderedProperties(node).DataCaptureConfig;
  if (capture === undefined || capture.EnableCapture === false || capture.EnableCapture === 'false') {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return isSet(capture.KmsKeyId) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const endpointConfigDataCaptureKms: SageMakerRule = {
  check: EndpointConfigDataCaptureKms,
  info: 'The SageMaker endpoint configuration captures data without a KMS key (DataCaptureConfig.KmsKeyId).',
  explanation: 'Captured requests and responses are production data; they must be encrypted with a customer-managed key like the data they came from.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-28 (no managed Config rule)'],
};
