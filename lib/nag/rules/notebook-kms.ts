import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function NotebookKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(renderedProperties(node).KmsKeyId) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const notebookKms: SageMakerRule = {
  check: NotebookKms,
  info: 'The SageMaker notebook instance\'s ML storage volume has no KMS key (KmsKeyId).',
  explanation: 'The volume holds notebooks, data copied from S3 and credentials caches; without a customer-managed key its encryption cannot be audited or revoked.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-notebook-instance-kms-key-configured', 'Security Hub SageMaker.21'],
};
