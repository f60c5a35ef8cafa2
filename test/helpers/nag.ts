import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { SageMakerChecks } from '../../lib/nag/sagemaker-checks';

/** One unacknowledged finding: rule id and the construct path it was found on. */
export interface Finding {
  readonly rule: string;
  readonly path: string;
}

/** The five packs every construct's defaults must pass. */
export function allPacks(): NagPack[] {
  return [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks(), new SageMakerChecks()];
}

/**
 * Synthesizes the stack (so aspects and lazy values settle) and runs all five nag packs over it,
 * returning every finding nobody acknowledged, as `rule @ path` pairs sorted for stable output.
 */
export function unacknowledgedFindings(stack: Stack, packs: NagPack[] = allPacks()): Finding[] {
  Template.fromStack(stack);
  const findings: Finding[] = [];
  for (const pack of packs) {
    for (const violation of pack.validateScope(stack).violations) {
      for (const resource of violation.violatingResources) {
        findings.push({ rule: violation.ruleName, path: resource.constructPath ?? '?' });
      }
    }
  }
  return findings.sort((a, b) => `${a.rule} ${a.path}`.localeCompare(`${b.rule} ${b.path}`));
}

/** A stack in its own app, env-agnostic as the reference app is. */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id);
}
