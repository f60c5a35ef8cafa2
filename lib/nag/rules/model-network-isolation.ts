import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isTrue, renderedProperties } from '../private/properties';
import { isModel, SageMakerRule } from '../private/rule';

/** Network isolation is a model-wide setting, so it covers every container of a pipeline model. */
function ModelNetworkIsolation(node: CfnResource): NagRuleResult {
  if (!isModel(node)) return NagRuleCompliance.NOT_APPLICABLE;
  return isTrue(renderedProperties(node).EnableNetworkIsolation) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const modelNetworkIsolation: SageMakerRule = {
  check: ModelNetworkIsolation,
  info: 'The SageMaker model does not enable network isolation (EnableNetworkIsolation: true).',
  explanation: 'Without network isolation, any container of the model (every stage of a pipeline) can make outbound calls and exfiltrate the data it serves.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-model-isolation-enabled', 'Security Hub SageMaker.5'],
};
