import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function NotebookRootAccessDisabled(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') return NagRuleCompliance.NOT_APPLICABLE;
  // RootAccess defaults to Enabled when omitted.
  return renderedProperties(node).RootAccess === 'Disabled' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const notebookRootAccessDisabled: SageMakerRule = {
  check: NotebookRootAccessDisabled,
  info: 'The SageMaker notebook instance allows root access (RootAccess is not Disabled).',
  explanation: 'With root access a notebook user can change the instance\'s software and network configuration and read other users\' credentials.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-notebook-instance-root-access-check', 'Security Hub SageMaker.3'],
};
