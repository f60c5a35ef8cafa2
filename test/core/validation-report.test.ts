/**
 * Invalid props are reported once per app: every failing construct in one error thrown at synth,
 * naming each construct's path, prop, value and what is allowed, and printed by `cdk synth`
 * without a stack trace.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, Stack, Stage } from 'aws-cdk-lib';
import { Algorithm } from '../../lib/core/algorithm';
import { SageMakerValidationError } from '../../lib/core/errors';
import { SageMakerExecutionRole } from '../../lib/core/roles';
import { SecureBucket } from '../../lib/core/storage';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newApp } from '../helpers/app';

const ROOT = path.join(__dirname, '..', '..');

function brokenApp(failFastValidation: boolean): { build: () => Stack } {
  return {
    build: () => {
      const stack = new Stack(newApp({ failFastValidation }), 'Broken');
      const data = new SecureBucket(stack, 'Data', { noncurrentVersionExpiration: Duration.hours(12) });
      new SecureTrainingJob(stack, 'Training', {
        algorithm: Algorithm.kmeans(),
        inputs: [TrainingInput.s3('train', data.bucket, 'train/')],
        hyperparameters: { k: '10', feature_dim: '4' },
        instanceCount: 0,
      });
      return stack;
    },
  };
}

describe('validation problems of an app', () => {
  test('two broken constructs: nothing throws while building, synth throws one error naming both', () => {
    // Given an app with the default validation (collected)
    let stack: Stack | undefined;
    // When two constructs with invalid props are made
    expect(() => { stack = brokenApp(false).build(); }).not.toThrow();
    // Then synth throws once, with both constructs, each prop, value and what is allowed
    let thrown: unknown;
    try {
      (stack!.node.root as unknown as { synth(): void }).synth();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SageMakerValidationError);
    const error = thrown as SageMakerValidationError;
    expect(error.message).toMatch(/^2 constructs have invalid props:/);
    expect(error.message).toContain("SecureBucket at 'Broken/Data' has invalid props:\n  - noncurrentVersionExpiration: got \"12 hours\"; allowed: a whole number of days");
    expect(error.message).toContain("SecureTrainingJob at 'Broken/Training' has invalid props:\n  - instanceCount: got 0; allowed: ");
    expect(error.problems).toHaveLength(2);
    // No stack trace: the message is all there is.
    expect(error.stack).not.toMatch(/\n\s+at /);
    // The problems are not enumerable, so Node.js does not print them a second time after the message.
    expect(Object.keys(error)).not.toContain('problems');
  });

  test('a region an image is not offered in joins the same report, naming the image and the stack', () => {
    // Given a stack in a region AWS's K-Means image is not in, and a broken bucket
    const stack = new Stack(newApp({ failFastValidation: false }), 'Mars', { env: { region: 'mars-north-1' } });
    new SecureBucket(stack, 'Data', { noncurrentVersionExpiration: Duration.hours(12) });
    Algorithm.builtIn('kmeans').bind(stack, new SageMakerExecutionRole(stack, 'Role'));
    // When the app is synthesized, Then one error names both
    expect(() => (stack.node.root as unknown as { synth(): void }).synth()).toThrow(
      /^2 constructs have invalid props:[\s\S]*SecureBucket at 'Mars\/Data'[\s\S]*Algorithm\.builtIn\('kmeans'\) in Mars has invalid props:\n  - region: got "mars-north-1"; allowed: af-south-1/);
  });

  test('with failFastValidation, the first broken construct throws where it is made', () => {
    expect(() => brokenApp(true).build()).toThrow(/SecureBucket at 'Broken\/Data' has invalid props/);
  });

  test('`cdk synth` prints both constructs once, without a stack trace, and fails', () => {
    // Given the same app as a program (test/fixtures/broken-app.ts) run by the CDK CLI
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'broken-app-'));
    try {
      // When it is synthesized
      const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--no-notices', '-o', outdir,
        '--app', 'npx ts-node --prefer-ts-exts --transpile-only -P tsconfig.dev.json test/fixtures/broken-app.ts'], {
        cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      });
      const output = `${result.stdout}${result.stderr}`;
      // Then it fails, reporting each construct exactly once and no stack frame
      expect(result.status).not.toBe(0);
      expect(output.match(/2 constructs have invalid props/g)).toHaveLength(1);
      expect(output.match(/SecureBucket at 'Broken\/Data' has invalid props/g)).toHaveLength(1);
      expect(output.match(/SecureTrainingJob at 'Broken\/Training' has invalid props/g)).toHaveLength(1);
      expect(output).toContain('noncurrentVersionExpiration: got "12 hours"');
      expect(output).toContain('instanceCount: got 0');
      expect(output).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(output).not.toContain('validation-report.ts');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('validation problems in a nested stage', () => {
  test('are thrown when that stage is synthesized', () => {
    // Given a broken construct in a stage of its own
    const app = newApp({ failFastValidation: false });
    const stage = new Stage(app, 'Prod');
    new SecureBucket(new Stack(stage, 'Data'), 'Bucket', { noncurrentVersionExpiration: Duration.hours(12) });
    // When the stage is synthesized, Then its report is thrown
    expect(() => stage.synth()).toThrow(/SecureBucket at 'Prod\/Data\/Bucket' has invalid props/);
  });
});
