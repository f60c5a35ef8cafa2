import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at, isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function FeatureGroupOfflineStoreKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::FeatureGroup') return NagRuleCompliance.NOT_APPLICABLE;
  const offline = renderedProperties(node).OfflineStoreConfig;
  if (offline === undefined) return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(at(offline, 'S3StorageConfig', 'KmsKeyId')) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const featureGroupOfflineStoreKms: SageMakerRule = {
  check: FeatureGroupOfflineStoreKms,
  info: 'The SageMaker feature group\'s offline store has no KMS key (OfflineStoreConfig.S3StorageConfig.KmsKeyId).',
  explanation: 'The offline store keeps the full history of every feature in S3; SageMaker writes it with this key whatever the bucket default is.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-28', 'PCI DSS 3.4'],
};
