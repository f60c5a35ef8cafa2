import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';
import { judgeContainerRegistries } from './private/container-registry';

function ModelContainersPrivateRegistry(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::Model') return NagRuleCompliance.NOT_APPLICABLE;
  const containers = renderedProperties(node).Containers;
  return Array.isArray(containers) && containers.length > 0 ? judgeContainerRegistries(containers) : NagRuleCompliance.NOT_APPLICABLE;
}

export const modelContainersPrivateRegistry: SageMakerRule = {
  check: ModelContainersPrivateRegistry,
  info: 'A container of the SageMaker (pipeline) model pulls its image from a registry that is neither a private ECR registry nor reached through the VPC (ImageConfig.RepositoryAccessMode Vpc).',
  explanation: 'An image pulled from a public registry is whatever that registry serves at deploy time. Security Hub SageMaker.19 also fails images in private ECR repositories (RepositoryAccessMode Platform), which this warning accepts: ECR is a private registry of your account.',
  level: NagMessageLevel.WARN,
  controls: ['Security Hub SageMaker.19 (ECR images accepted, see the finding)'],
};
