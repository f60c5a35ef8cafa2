import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnResource, IPolicyValidationContext, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { SageMakerChecks } from '../../lib/nag/sagemaker-checks';
import { newApp } from './app';
import { ResolvedImportsPlugin } from '../../lib/review/private/resolved-imports';

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
 * Synthesizes the stack (so aspects and lazy values settle) and runs all five nag packs and AWS
 * Control Tower's proactive controls (cfn-guard, as `npm run synth` does) over it, returning every
 * finding nobody acknowledged, as `rule @ path` pairs sorted for stable output. Control Tower
 * findings are named by control, e.g. `CT.S3.PR.3`.
 */
export function unacknowledgedFindings(stack: Stack, packs: NagPack[] = allPacks(), controlTower = true): Finding[] {
  const template = Template.fromStack(stack).toJSON();
  const findings: Finding[] = [];
  for (const pack of packs) {
    for (const violation of pack.validateScope(stack).violations) {
      for (const resource of violation.violatingResources) {
        findings.push({ rule: violation.ruleName, path: resource.constructPath ?? '?' });
      }
    }
  }
  if (controlTower) findings.push(...controlTowerFindings(stack, template));
  return findings.sort((a, b) => `${a.rule} ${a.path}`.localeCompare(`${b.rule} ${b.path}`));
}

/**
 * Runs the Control Tower controls over one stack's template the way synth does (imports from
 * other stacks resolved, see ResolvedImportsPlugin), and drops what is acknowledged on the
 * finding's construct or above it under the id CDK prints (`cdk-validator-cfnguard::<rule>`).
 */
export function controlTowerFindings(stack: Stack, template: unknown): Finding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  const file = path.join(dir, stack.templateFile);
  fs.writeFileSync(file, JSON.stringify(template));
  try {
    const plugin = new ResolvedImportsPlugin(new CfnGuardValidator());
    const report = plugin.validate({ templatePaths: [file] } as unknown as IPolicyValidationContext);
    const byLogicalId = new Map<string, CfnResource>();
    for (const construct of stack.node.findAll()) {
      if (CfnResource.isCfnResource(construct) && Stack.of(construct) === stack) {
        byLogicalId.set(stack.resolve(construct.logicalId), construct);
      }
    }
    const findings: Finding[] = [];
    for (const violation of report.violations) {
      const control = /^\[([^\]]+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
      for (const resource of violation.violatingResources) {
        const construct = resource.resourceLogicalId ? byLogicalId.get(resource.resourceLogicalId) : undefined;
        if (construct && isAcknowledged(construct, `${plugin.name}::${violation.ruleName}`)) continue;
        findings.push({ rule: control, path: construct?.node.path ?? resource.resourceLogicalId ?? '?' });
      }
    }
    return findings;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function isAcknowledged(construct: IConstruct, id: string): boolean {
  for (let current: IConstruct | undefined = construct; current; current = current.node.scope) {
    for (const entry of current.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data && id in entry.data) return true;
    }
  }
  return false;
}

/** A stack in its own app (cdk.json's feature flags, fail-fast validation), env-agnostic as the reference app is. */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(newApp(), id);
}
