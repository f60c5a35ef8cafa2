import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';
import { judgeContainerRegistries } from './private/container-registry';

function ModelPrimaryContainerPrivateRegistry(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::Model') return NagRuleCompliance.NOT_APPLICABLE;
  const primary = renderedProperties(node).PrimaryContainer;
  return primary ? judgeContainerRegistries([primary]) : NagRuleCompliance.NOT_APPLICABLE;
}

export const modelPrimaryContainerPrivateRegistry: SageMakerRule = {
  check: ModelPrimaryContainerPrivateRegistry,
  info: 'The SageMaker model\'s primary container pulls its image from a registry that is neither a private ECR registry nor reached through the VPC (ImageConfig.RepositoryAccessMode Vpc).',
  explanation: 'An image pulled from a public registry is whatever that registry serves at deploy time. Security Hub SageMaker.16 also fails images in private ECR repositories (RepositoryAccessMode Platform), which this warning accepts: ECR is a private registry of your account.',
  level: NagMessageLevel.WARN,
  controls: ['Security Hub SageMaker.16 (ECR images accepted, see the finding)'],
};
