/**
 * The configurations the README shows must be accepted: its TypeScript blocks run, in order, as
 * one program against this library, and the app synthesizes under the five rule packs the Quick
 * start adds. A validation that rejects a documented configuration, or a README example that has
 * drifted from the API, fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nag from 'cdk-nag';
import { Construct } from 'constructs';
import * as ts from 'typescript';
import * as library from '../../lib';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** What the README leaves to the reader: names its examples use without defining them. */
const READER_CONTEXT: Record<string, string> = {
  b: 'const b = data.bucket;',
  preprocessing: 'const preprocessing = Algorithm.preprocessing();',
  kmeansJob: 'const kmeansJob = job;',
  scoringApiRole: 'const scoringApiRole = new ManagedPolicyRole(stack, "ScoringApi", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });',
  ingestRole: 'const ingestRole = new ManagedPolicyRole(stack, "Ingest", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });',
  analystRole: 'const analystRole = new ManagedPolicyRole(stack, "Analyst", { assumedBy: new iam.AccountRootPrincipal() });',
  apiRole: 'const apiRole = new ManagedPolicyRole(stack, "Api", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });',
};

/** The README's construct examples (not the runtime SDK one) as one script, the reader's context added where first needed. */
function readmeProgram(): string {
  const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]).filter((block) => !block.includes("from '@aws-sdk/"));
  const defined = new Set<string>();
  const parts: string[] = [];
  for (const block of blocks) {
    for (const [name, definition] of Object.entries(READER_CONTEXT)) {
      if (!defined.has(name) && new RegExp(`\\b${name}\\b(?!\\s*[:=])`).test(block)) {
        parts.push(definition);
        defined.add(name);
      }
    }
    parts.push(block.split('\n').filter((line) => !line.startsWith('import ')).join('\n'));
  }
  return `${parts.join('\n')}\nreturn { app, stack };`;
}

describe('the README\'s configurations', () => {
  test('the README has examples of all five constructs', () => {
    const program = readmeProgram();
    for (const construct of ['SecureTrainingJob', 'TunedModel', 'MonitoredEndpoint', 'InferencePipeline', 'FeatureStore']) {
      expect(program).toContain(`new ${construct}(`);
    }
  });

  test('are all accepted, and the app they make passes the five rule packs', () => {
    const script = ts.transpileModule(readmeProgram(), { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    const scope: Record<string, unknown> = { ...cdk, ...nag, ...library, iam, Construct };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const run = new Function(...Object.keys(scope), script) as (...values: unknown[]) => { app: cdk.App; stack: cdk.Stack };
    const { app } = run(...Object.values(scope));
    // Validations.of(app).addPlugins(...) in the Quick start makes synthesis fail on any finding.
    expect(() => app.synth()).not.toThrow();
  });
});
