import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

/**
 * Notebook platforms SageMaker still supports. The Amazon Linux 2 platforms (notebook-al2-v1, -v2,
 * -v3) reached end of support on 30 June 2025; an instance without PlatformIdentifier gets an old one.
 */
export const SUPPORTED_NOTEBOOK_PLATFORMS: readonly string[] = ['notebook-al2023-v1'];

function NotebookSupportedPlatform(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::NotebookInstance') return NagRuleCompliance.NOT_APPLICABLE;
  const platform = renderedProperties(node).PlatformIdentifier;
  return SUPPORTED_NOTEBOOK_PLATFORMS.includes(platform) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const notebookSupportedPlatform: SageMakerRule = {
  check: NotebookSupportedPlatform,
  info: `The SageMaker notebook instance does not run on a supported platform (PlatformIdentifier is not one of ${SUPPORTED_NOTEBOOK_PLATFORMS.join(', ')}).`,
  explanation: 'A platform past its end of support gets no more security updates to its operating system, Jupyter or libraries.',
  level: NagMessageLevel.ERROR,
  controls: ['AWS Config sagemaker-notebook-instance-platform-version', 'Security Hub SageMaker.8'],
};
