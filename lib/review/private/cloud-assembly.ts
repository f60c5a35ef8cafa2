import * as fs from 'node:fs';
import * as path from 'node:path';
import { SageMakerChecks } from '../../nag/sagemaker-checks';

/** One stack of a cloud assembly: its template and the metadata CDK recorded for it. */
export interface AssemblyStack {
  readonly name: string;
  readonly resources: Record<string, TemplateResource>;
  /** Construct path -> logical ID, for the resources CDK recorded. */
  readonly logicalIds: Record<string, string>;
  /** Acknowledged rules, each with the construct path it was acknowledged on (and below). */
  readonly acknowledgments: Acknowledgment[];
  /**
   * The rule packs synth ran over this stack, as `SageMakerChecks` recorded them; undefined when
   * nothing recorded it (no pack, or packs registered without `SageMakerChecks`).
   */
  readonly validatedBy?: string[];
  /** The stack's resources as synthesized, before cross-stack imports were resolved. */
  readonly rawResources: Record<string, TemplateResource>;
}

/** One acknowledgment: a rule id, the construct path it covers (and everything below), the reason. */
export interface Acknowledgment {
  readonly rule: string;
  readonly path: string;
  readonly reason: string;
}

/** One finding of a rule pack, from the validation report. */
export interface Finding {
  readonly rule: string;
  readonly description: string;
  readonly severity: string;
  /** Construct paths, with a leading `/` like the manifest's metadata. */
  readonly paths: string[];
}

/** One rule pack's entry in the validation report (CDK lists only packs with something to say). */
export interface PluginReport {
  readonly plugin: string;
  /** `success` or `failure`, CDK's `conclusion`. */
  readonly conclusion: string;
  readonly violations: Finding[];
  /** Findings an acknowledgment suppressed. */
  readonly suppressed: number;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

/** What the review reads: every stack (nested assemblies included) and the validation report. */
export interface CloudAssemblyContents {
  readonly stacks: AssemblyStack[];
  /** validation-report.json's plugin reports; undefined when the assembly has no report. */
  readonly validation?: PluginReport[];
}

/**
 * Reads a synthesized cloud assembly (a `cdk.out` directory) with nothing but the file system:
 * the manifest, each stack's template and its metadata file.
 */
export function readCloudAssembly(directory: string): CloudAssemblyContents {
  const stacks: AssemblyStack[] = [];
  const exports = new Map<string, unknown>();
  const visit = (dir: string) => {
    const manifestFile = path.join(dir, 'manifest.json');
    if (!fs.existsSync(manifestFile)) {
      throw new Error(`${dir} is not a cloud assembly: it has no manifest.json (run cdk synth first)`);
    }
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
      if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
        visit(path.join(dir, artifact.properties.directoryName));
      }
      if (artifact.type !== 'aws:cloudformation:stack') continue;
      const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8'));
      const stackName = artifact.displayName ?? name;
      for (const output of Object.values<any>(template.Outputs ?? {})) {
        if (typeof output.Export?.Name === 'string') exports.set(output.Export.Name, qualify(output.Value, stackName));
      }
      const metadata = readMetadata(dir, artifact);
      const logicalIds: Record<string, string> = {};
      const acknowledgments: Acknowledgment[] = [];
      let validatedBy: string[] | undefined;
      for (const [constructPath, entries] of Object.entries<any[]>(metadata)) {
        for (const entry of entries) {
          if (entry.type === 'aws:cdk:logicalId') logicalIds[constructPath] = entry.data;
          if (entry.type === SageMakerChecks.VALIDATED_BY_METADATA_KEY && Array.isArray(entry.data)) {
            validatedBy = [...new Set([...(validatedBy ?? []), ...entry.data.map(String)])].sort();
          }
          if (entry.type === 'aws:cdk:acknowledged-rules' && entry.data) {
            for (const [rule, reason] of Object.entries<string>(entry.data)) {
              acknowledgments.push({ rule: rule.replace(/^annotation::/i, ''), path: constructPath, reason });
            }
          }
        }
      }
      const resources = template.Resources ?? {};
      stacks.push({ name: stackName, resources, rawResources: JSON.parse(JSON.stringify(resources)), logicalIds, acknowledgments, validatedBy });
    }
  };
  visit(directory);
  stacks.sort((a, b) => a.name.localeCompare(b.name));
  resolveImports(stacks, exports);
  return { stacks, validation: readValidationReport(directory) };
}

/** `{ Ref: X }` -> `{ Ref: 'Stack/X' }`: a reference that names its stack. */
function qualify(value: any, stackName: string): unknown {
  if (value && typeof value.Ref === 'string') return { Ref: `${stackName}/${value.Ref}` };
  if (value && Array.isArray(value['Fn::GetAtt'])) return { 'Fn::GetAtt': [`${stackName}/${value['Fn::GetAtt'][0]}`, value['Fn::GetAtt'][1]] };
  return value;
}

/** Replaces cross-stack imports with stack-qualified references to what they export. */
function resolveImports(stacks: AssemblyStack[], exports: Map<string, unknown>): void {
  // An export's value may itself import (a re-export): follow the chain, at most a few links.
  const replace = (value: any, depth = 0): any => {
    if (Array.isArray(value)) return value.map((v) => replace(v, depth));
    if (value && typeof value === 'object') {
      const name = value['Fn::ImportValue'];
      if (typeof name === 'string' && exports.has(name)) return depth < 5 ? replace(exports.get(name), depth + 1) : exports.get(name);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, depth)]));
    }
    return value;
  };
  for (const stack of stacks) {
    for (const resource of Object.values(stack.resources)) {
      (resource as { Properties?: Record<string, any> }).Properties = replace(resource.Properties);
    }
  }
}

function readMetadata(dir: string, artifact: any): Record<string, any[]> {
  if (artifact.metadata) return artifact.metadata;
  const file = artifact.additionalMetadataFile ? path.join(dir, artifact.additionalMetadataFile) : undefined;
  return file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}

/**
 * CDK's validation report (`validation-report.json`, schema of aws-cdk-lib 2.2xx): `pluginReports[]`
 * with `pluginName`, `conclusion`, `violations[].violatingConstructs[].constructPath` and
 * `suppressedViolations`. The legacy report's `summary.pluginName` / `summary.status` are read too.
 */
function readValidationReport(dir: string): CloudAssemblyContents['validation'] {
  const file = path.join(dir, 'validation-report.json');
  if (!fs.existsSync(file)) return undefined;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  return (report.pluginReports ?? []).map((plugin: any): PluginReport => ({
    plugin: plugin.pluginName ?? plugin.summary?.pluginName ?? 'unknown',
    conclusion: plugin.conclusion ?? plugin.summary?.status ?? 'unknown',
    violations: (plugin.violations ?? []).map((violation: any): Finding => ({
      rule: String(violation.ruleName ?? 'unknown'),
      description: String(violation.description ?? ''),
      severity: String(violation.severity ?? 'error'),
      paths: [...new Set<string>((violation.violatingConstructs ?? violation.violatingResources ?? [])
        .map((c: any) => String(c.constructPath ?? c.resourceLogicalId ?? '?'))
        .map((p: string) => (p.startsWith('/') ? p : `/${p}`)))].sort(),
    })).sort((a: Finding, b: Finding) => a.rule.localeCompare(b.rule)),
    suppressed: (plugin.suppressedViolations ?? []).length,
  })).sort((a: PluginReport, b: PluginReport) => a.plugin.localeCompare(b.plugin));
}
