import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function EndpointConfigMultiInstance(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::EndpointConfig') return NagRuleCompliance.NOT_APPLICABLE;
  const instanceBacked = (renderedProperties(node).ProductionVariants ?? []).filter((v: any) => v.ServerlessConfig === undefined);
  if (instanceBacked.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
  const tooFew = instanceBacked.some((v: any) => {
    const count = typeof v.InitialInstanceCount === 'string' ? Number(v.InitialInstanceCount) : v.InitialInstanceCount;
    // A reference (parameter, condition) cannot be judged at synth; a missing count can.
    return count === undefined || (typeof count === 'number' && count < 2);
  });
  return tooFew ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}

export const endpointConfigMultiInstance: SageMakerRule = {
  check: EndpointConfigMultiInstance,
  info: 'A production variant of the SageMaker endpoint configuration starts with fewer than 2 instances.',
  explanation: 'SageMaker spreads a variant\'s instances across Availability Zones; with one instance an AZ outage or an instance failure takes the endpoint down.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-endpoint-config-prod-instance-count', 'Security Hub SageMaker.4'],
};
