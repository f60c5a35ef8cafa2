/**
 * The idle-shutdown scripts run for real under bash, against a fake Jupyter server on loopback
 * (its /api/kernels and /api/terminals) and a fake `aws` command that records its arguments.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { SecureNotebook } from '../../lib/workspaces/secure-notebook';
import { SecureStudioDomain } from '../../lib/workspaces/studio-domain';
import { newStack } from '../helpers/nag';

const CHECKER = path.join(__dirname, '..', '..', 'lib', 'workspaces', 'scripts', 'idle-shutdown.sh');

interface JupyterState { kernels: unknown[]; terminals: unknown[] | 'off' }

/** A Jupyter server's API as far as the script asks it, under a base URL like Studio's. */
async function fakeJupyter(state: JupyterState, base = '/jupyterlab/default'): Promise<{ url: string; close: () => Promise<void>; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = req.url === `${base}/api/kernels` ? state.kernels : req.url === `${base}/api/terminals` && state.terminals !== 'off' ? state.terminals : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body === undefined ? '{"message":"Not Found"}' : JSON.stringify(body, null, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${base}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A temporary directory with a fake `aws` on a PATH of its own and the app's metadata file. */
function sandbox(metadata: Record<string, string>): { dir: string; env: NodeJS.ProcessEnv; awsCalls: () => string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idle-shutdown-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  const calls = path.join(dir, 'aws-calls');
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), `#!/bin/bash\necho "$*" >> ${JSON.stringify(calls)}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'resource-metadata.json'), JSON.stringify(metadata, null, 2));
  return {
    dir,
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, RESOURCE_METADATA: path.join(dir, 'resource-metadata.json') },
    awsCalls: () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : []),
  };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace('Z', '000Z');
const kernel = (lastActivityMinutesAgo: number, state = 'idle') => ({ id: 'k1', name: 'python3', last_activity: minutesAgo(lastActivityMinutesAgo), execution_state: state, connections: 1 });
const STUDIO_METADATA = { AppType: 'JupyterLab', DomainId: 'd-abc123', UserProfileName: 'alice', SpaceName: 'alice-space', ResourceName: 'default', ResourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:app/d-abc123/alice-space/jupyterlab/default' };

describe('idle-shutdown.sh check (Studio)', () => {
  async function check(state: JupyterState, timeoutMinutes = 30) {
    const jupyter = await fakeJupyter(state);
    const box = sandbox(STUDIO_METADATA);
    try {
      const result = await run([CHECKER, 'check'], { ...box.env, IDLE_TIMEOUT_MINUTES: String(timeoutMinutes), WORKSPACE_KIND: 'studio', JUPYTER_URL: jupyter.url });
      return { ...result, awsCalls: box.awsCalls(), requests: jupyter.requests };
    } finally {
      await jupyter.close();
      fs.rmSync(box.dir, { recursive: true, force: true });
    }
  }

  test('idle past the timeout: deletes its own app through the AWS CLI', async () => {
    const result = await check({ kernels: [kernel(45)], terminals: [{ name: '1', last_activity: minutesAgo(50) }] });
    expect(result.code).toBe(0);
    expect(result.awsCalls).toEqual(['sagemaker delete-app --domain-id d-abc123 --space-name alice-space --app-type JupyterLab --app-name default']);
    expect(result.requests).toEqual(['/jupyterlab/default/api/kernels', '/jupyterlab/default/api/terminals']);
    expect(result.output).toMatch(/idle for 45 minutes \(limit 30\)/);
  });

  test('recent kernel activity: not idle, no call', async () => {
    const result = await check({ kernels: [kernel(45), { ...kernel(2), id: 'k2' }], terminals: [] });
    expect(result.code).toBe(3);
    expect(result.awsCalls).toEqual([]);
    expect(result.output).toMatch(/idle for 2 of 30 minutes/);
  });

  test('a busy kernel is never idle, however old its last message', async () => {
    const result = await check({ kernels: [kernel(600, 'busy')], terminals: [] });
    expect(result.code).toBe(3);
    expect(result.awsCalls).toEqual([]);
    expect(result.output).toMatch(/a kernel is busy/);
  });

  test('a terminal in use keeps the app up', async () => {
    const result = await check({ kernels: [kernel(120)], terminals: [{ name: '1', last_activity: minutesAgo(1) }] });
    expect(result.code).toBe(3);
    expect(result.awsCalls).toEqual([]);
  });

  test('terminals turned off on the server (404) count as none', async () => {
    const result = await check({ kernels: [kernel(40)], terminals: 'off' });
    expect(result.code).toBe(0);
    expect(result.awsCalls).toHaveLength(1);
  });

  test('a server that does not answer is not idle: no call', async () => {
    const box = sandbox(STUDIO_METADATA);
    const result = await run([CHECKER, 'check'], { ...box.env, IDLE_TIMEOUT_MINUTES: '5', JUPYTER_URL: 'http://127.0.0.1:9/jupyterlab/default' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/did not answer/);
    expect(box.awsCalls()).toEqual([]);
  });
});

describe('idle-shutdown.sh check (notebook instance)', () => {
  test('stops its own notebook instance', async () => {
    const jupyter = await fakeJupyter({ kernels: [kernel(90)], terminals: [] }, '');
    const box = sandbox({ ResourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/scratch', ResourceName: 'scratch' });
    try {
      const result = await run([CHECKER, 'check'], { ...box.env, IDLE_TIMEOUT_MINUTES: '60', WORKSPACE_KIND: 'notebook', JUPYTER_URL: jupyter.url });
      expect(result.code).toBe(0);
      expect(box.awsCalls()).toEqual(['sagemaker stop-notebook-instance --notebook-instance-name scratch']);
      expect(jupyter.requests).toEqual(['/api/kernels', '/api/terminals']);
    } finally {
      await jupyter.close();
    }
  });
});

describe('the lifecycle configurations the constructs render', () => {
  /** Decodes the stack's lifecycle script and runs it as SageMaker would, in the sandbox. */
  async function runRendered(script: string, state: JupyterState, metadata: Record<string, string>, base: string, watchStartedAt: string) {
    const jupyter = await fakeJupyter(state, base);
    const box = sandbox(metadata);
    const file = path.join(box.dir, 'on-start.sh');
    fs.writeFileSync(file, script);
    try {
      const started = await run([file], { ...box.env, JUPYTER_URL: jupyter.url, CHECK_INTERVAL_SECONDS: '1', WATCH_STARTED_AT: watchStartedAt });
      // The watch runs in the background: wait for its call (or give up after 10 s).
      for (let i = 0; i < 100 && box.awsCalls().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const log = fs.readFileSync(path.join(box.dir, '.sagemaker-idle-shutdown', 'idle-shutdown.log'), 'utf8');
      return { started, calls: box.awsCalls(), log, installed: fs.existsSync(path.join(box.dir, '.sagemaker-idle-shutdown', 'idle-shutdown.sh')) };
    } finally {
      await jupyter.close();
      fs.rmSync(box.dir, { recursive: true, force: true });
    }
  }

  test('Studio: the rendered script installs the checker, returns at once, and its watch deletes the idle app', async () => {
    const stack = newStack();
    new SecureStudioDomain(stack, 'Studio', { idleTimeout: require('aws-cdk-lib').Duration.minutes(15) });
    const config = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::StudioLifecycleConfig'))[0] as any;
    const script = Buffer.from(config.Properties.StudioLifecycleConfigContent, 'base64').toString();
    const result = await runRendered(script, { kernels: [kernel(20)], terminals: [] }, STUDIO_METADATA, '/jupyterlab/default', '0');
    expect(result.started.code).toBe(0);
    expect(result.started.output).toMatch(/idle shutdown after 15 minutes: watching/);
    expect(result.installed).toBe(true);
    expect(result.calls).toEqual(['sagemaker delete-app --domain-id d-abc123 --space-name alice-space --app-type JupyterLab --app-name default']);
    expect(result.log).toMatch(/idle for 20 minutes \(limit 15\)/);
  });

  test('Studio: the watch counts idleness from its own start (a fresh app is not shut down at once)', async () => {
    const stack = newStack();
    new SecureStudioDomain(stack, 'Studio');
    const config = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::StudioLifecycleConfig'))[0] as any;
    const script = Buffer.from(config.Properties.StudioLifecycleConfigContent, 'base64').toString();
    const now = String(Math.floor(Date.now() / 1000));
    const jupyter = await fakeJupyter({ kernels: [], terminals: [] });
    const box = sandbox(STUDIO_METADATA);
    fs.writeFileSync(path.join(box.dir, 'on-start.sh'), script);
    try {
      const env = { ...box.env, JUPYTER_URL: jupyter.url, CHECK_INTERVAL_SECONDS: '1', WATCH_STARTED_AT: now };
      await run([path.join(box.dir, 'on-start.sh')], env);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(box.awsCalls()).toEqual([]);
      expect(fs.readFileSync(path.join(box.dir, '.sagemaker-idle-shutdown', 'idle-shutdown.log'), 'utf8')).toMatch(/idle for 0 of 60 minutes/);
      // Started again (the app restarts its lifecycle script): the running watch is kept, not doubled.
      expect((await run([path.join(box.dir, 'on-start.sh')], env)).output).toMatch(/already watching/);
    } finally {
      await jupyter.close();
      // Stop the watch this test started (it would otherwise check every second until the timeout).
      const pidFile = path.join(box.dir, '.sagemaker-idle-shutdown', 'idle-shutdown.pid');
      if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()));
    }
  });

  test('notebook: the rendered on-start script stops the idle instance', async () => {
    const stack = newStack();
    new SecureNotebook(stack, 'Scratch', { idleTimeout: require('aws-cdk-lib').Duration.minutes(10) });
    const config = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'))[0] as any;
    const script = Buffer.from(config.Properties.OnStart[0].Content, 'base64').toString();
    const result = await runRendered(script, { kernels: [kernel(11)], terminals: [] }, { ResourceName: 'scratch' }, '', '0');
    expect(result.started.code).toBe(0);
    expect(result.calls).toEqual(['sagemaker stop-notebook-instance --notebook-instance-name scratch']);
  });

  test('the scripts fit in a lifecycle configuration and ship with the package', () => {
    const stack = newStack();
    new SecureNotebook(stack, 'Scratch');
    const config = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'))[0] as any;
    expect(config.Properties.OnStart[0].Content.length).toBeLessThanOrEqual(16384);
    const files: string[] = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).files;
    expect(files).toContain('lib/workspaces/scripts/*.sh');
  });
});
