import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';

/**
 * A validation plugin that is given each template with its `Fn::ImportValue`s replaced by
 * placeholder strings.
 *
 * Template-reading rule engines (cfn-guard's AWS Control Tower controls) accept a literal or a
 * reference to a resource of the same template, and report a value imported from another stack
 * (a KMS key, the network's subnets) as missing. An import is a resolved value at deploy time,
 * and the exporting stack is checked in its own right, so the placeholder stands for what
 * CloudFormation will pass. Everything else the plugin sees is unchanged; its findings name the
 * original templates.
 */
export class ResolvedImportsPlugin implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly inner: IPolicyValidationPlugin) {
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resolved-imports-'));
    try {
      const originals = new Map<string, string>();
      const templatePaths = context.templatePaths.map((original, i) => {
        // Same basename, so CDK still finds each finding's construct by template and logical id.
        const copy = path.join(dir, String(i), path.basename(original));
        fs.mkdirSync(path.dirname(copy), { recursive: true });
        fs.writeFileSync(copy, JSON.stringify(withImportsResolved(JSON.parse(fs.readFileSync(original, 'utf8')))));
        originals.set(path.resolve(copy), original);
        return copy;
      });
      const report = this.inner.validate({ ...context, templatePaths });
      for (const violation of report.violations) {
        for (const resource of violation.violatingResources) {
          const original = resource.templatePath ? originals.get(path.resolve(resource.templatePath)) : undefined;
          if (original) (resource as { templatePath: string }).templatePath = original;
        }
      }
      return report;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The template with every `{ "Fn::ImportValue": name }` replaced by `"imported:<name>"`. */
export function withImportsResolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withImportsResolved);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === 'Fn::ImportValue') {
    const name = entries[0][1];
    return `imported:${typeof name === 'string' ? name : JSON.stringify(name)}`;
  }
  return Object.fromEntries(entries.map(([key, v]) => [key, withImportsResolved(v)]));
}
