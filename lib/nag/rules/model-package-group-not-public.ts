import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

/** A principal that names everyone: `"*"` or `{ "AWS": "*" }` (alone or in a list). */
function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (principal && typeof principal === 'object') {
    return Object.values(principal as Record<string, unknown>).some((value) => value === '*' || (Array.isArray(value) && value.includes('*')));
  }
  return false;
}

/**
 * A model package group's resource policy may let named accounts read or deploy its versions;
 * an Allow to every principal publishes the registry (and, through CreateModel, the models).
 */
function ModelPackageGroupNotPublic(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::ModelPackageGroup') return NagRuleCompliance.NOT_APPLICABLE;
  let policy = renderedProperties(node).ModelPackageGroupPolicy;
  if (policy === undefined) return NagRuleCompliance.COMPLIANT;
  if (typeof policy === 'string') {
    try {
      policy = JSON.parse(policy);
    } catch {
      return NagRuleCompliance.NON_COMPLIANT; // a policy that cannot be read cannot be shown safe
    }
  }
  const statements: any[] = [policy?.Statement ?? []].flat();
  return statements.some((statement) => statement?.Effect === 'Allow' && (isEveryone(statement.Principal) || statement.NotPrincipal !== undefined))
    ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}

export const modelPackageGroupNotPublic: SageMakerRule = {
  check: ModelPackageGroupNotPublic,
  info: 'The SageMaker model package group\'s resource policy allows every principal ("*" or NotPrincipal).',
  explanation: 'A model registry readable by anyone exposes every version\'s image, artifact location and metrics, and lets any account create models from it; name the accounts instead.',
  level: NagMessageLevel.ERROR,
  controls: ['none (no AWS Config rule covers model package groups)'],
};
