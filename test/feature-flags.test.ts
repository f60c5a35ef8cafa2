/**
 * cdk.json carries every feature flag aws-cdk-lib recommends for the version pinned, so `cdk synth`
 * prints no "feature flags are not configured" notice, and tests make apps with the same context.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CDK_JSON_CONTEXT, newApp } from './helpers/app';

const ROOT = path.join(__dirname, '..');

/**
 * Where the project sets a flag otherwise, on purpose: cross-stack references stay strong, so a
 * stack others read from (the network, its key and bucket) cannot be deleted while they do; the
 * recommended weak references would let it go first.
 */
const PROJECT_CHOICES: Record<string, unknown> = { '@aws-cdk/core:defaultCrossStackReferences': 'strong' };

describe('feature flags', () => {
  test('cdk.json sets each flag aws-cdk-lib recommends, to the recommended value (or the project\'s stated choice)', () => {
    const recommended: Record<string, unknown> = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'));
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    for (const [flag, value] of Object.entries(recommended)) expect([flag, CDK_JSON_CONTEXT[flag]]).toEqual([flag, flag in PROJECT_CHOICES ? PROJECT_CHOICES[flag] : value]);
  });

  test('the test helper\'s apps have cdk.json\'s context', () => {
    const app = newApp();
    for (const [key, value] of Object.entries(CDK_JSON_CONTEXT)) expect(app.node.tryGetContext(key)).toEqual(value);
  });

  test('`cdk synth` with cdk.json prints no feature-flag notice', () => {
    // Given a small app synthesized by the CLI from the repository root (so with cdk.json's context)
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flags-'));
    try {
      const app = "node -e \"const { App, Stack } = require('aws-cdk-lib'); const app = new App(); new Stack(app, 'Flags'); app.synth();\"";
      const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '-o', outdir, '--app', app], {
        cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      });
      // Then it succeeds without the notice
      expect(result.status).toBe(0);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/feature flags? (are|is) not configured/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
