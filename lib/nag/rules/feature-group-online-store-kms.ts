import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at, isSet, isTrue, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function FeatureGroupOnlineStoreKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::FeatureGroup') return NagRuleCompliance.NOT_APPLICABLE;
  const online = renderedProperties(node).OnlineStoreConfig;
  if (!isTrue(at(online, 'EnableOnlineStore'))) return NagRuleCompliance.NOT_APPLICABLE;
  return isSet(at(online, 'SecurityConfig', 'KmsKeyId')) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const featureGroupOnlineStoreKms: SageMakerRule = {
  check: FeatureGroupOnlineStoreKms,
  info: 'The SageMaker feature group\'s online store has no KMS key (OnlineStoreConfig.SecurityConfig.KmsKeyId).',
  explanation: 'The online store holds the latest feature values of every record, often personal data, served at low latency.',
  level: NagMessageLevel.ERROR,
  controls: ['NIST 800-53 SC-28', 'PCI DSS 3.4'],
};
