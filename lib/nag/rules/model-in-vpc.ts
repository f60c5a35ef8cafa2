import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at, isSet, renderedProperties } from '../private/properties';
import { isModel, SageMakerRule } from '../private/rule';

function ModelInVpc(node: CfnResource): NagRuleResult {
  if (!isModel(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const vpc = renderedProperties(node).VpcConfig;
  return isSet(at(vpc, 'Subnets')) && isSet(at(vpc, 'SecurityGroupIds'))
    ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const modelInVpc: SageMakerRule = {
  check: ModelInVpc,
  info: 'The SageMaker model does not run in a VPC (VpcConfig with subnets and security groups).',
  explanation: 'Without a VPC config, model containers and their artifact downloads use SageMaker-managed networking that the account cannot restrict, log or inspect.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-model-in-vpc'],
};
