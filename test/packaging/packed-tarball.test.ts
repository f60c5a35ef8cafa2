/**
 * The package as a user gets it: `npm pack`, the tarball installed into a new app beside its peer
 * dependencies, a stack synthesized from the installed library, and `sagemaker-local` run through
 * npx from that install (train, serve, invoke) on its prebuilt native addon.
 *
 * Offline and fast: the tarball is packed from this checkout's build (`npm run build` for lib/,
 * `npm run build:native` for containers/dist, as CI and `npm test` do beforehand; the package's
 * `prepack` runs both when publishing), and the peers are this project's own copies, linked with
 * `file:` dependencies, so npm needs neither the registry nor its cache.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PEERS = Object.keys(PACKAGE.peerDependencies);
const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--offline', '--loglevel=error'], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, server: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (server.exitCode !== null) throw new Error(`the server ended (exit ${server.exitCode})`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer on port ${port}`);
}

describe('the packed package', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-'));
  const app = path.join(work, 'app');
  let tarball = '';

  beforeAll(() => {
    // The build outputs the tarball is made of (a fresh clone's `npm test` has built containers/dist but not lib/).
    if (!['lib/index.js', '.jsii', 'containers/kmeans/spec.js'].every((file) => fs.existsSync(path.join(ROOT, file)))) {
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii'), ['--silence-warnings=reserved-word'], { cwd: ROOT, stdio: 'ignore' });
    }
    expect(fs.existsSync(path.join(ROOT, 'containers', 'dist', 'local.js'))).toBe(true);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, encoding: 'utf8' }));
    tarball = path.join(work, packed[0].filename);
    fs.mkdirSync(app);
    // Given an app that depends on the peers (this project's copies) and then installs the tarball
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'consumer-app', version: '1.0.0', private: true,
      dependencies: Object.fromEntries(PEERS.map((peer) => [peer, `file:${path.join(ROOT, 'node_modules', peer)}`])),
    }, null, 2));
    npm(['install'], app);
    npm(['install', tarball], app);
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('ships the bins, the native addon, the algorithm specs and the jsii assembly, and no build trees', () => {
    const files = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json', '--loglevel=error'], { cwd: ROOT, encoding: 'utf8' }))[0].files.map((f: { path: string }) => f.path);
    for (const file of ['lib/index.js', 'lib/review/cli.js', '.jsii', 'containers/dist/local.js', 'containers/dist/prebuilt.json', 'containers/kmeans/spec.js',
      'containers/dist/kmeans/sagemaker_native.node', 'containers/dist/linear-learner/sagemaker_native.node', 'containers/dist/kmeans/entrypoint', 'containers/Dockerfile']) {
      expect(files).toContain(file);
    }
    expect(files.filter((file: string) => /(^|\/)(node_modules|build|build-cuda)\//.test(file) && !file.startsWith('node_modules/@viz-js/'))).toEqual([]);
    expect(PACKAGE.scripts.prepack).toMatch(/npm run build\b.*build:native/);
  });

  test('the installed library synthesizes a stack', () => {
    // When a stack is made from the installed package
    fs.writeFileSync(path.join(app, 'synth.js'), `
      const { App, Stack } = require('aws-cdk-lib');
      const { SageMakerNetwork, SecureBucket, SageMakerExecutionRole, Algorithm } = require('sagemaker-secure-constructs');
      const app = new App({ outdir: 'cdk.out' });
      const stack = new Stack(app, 'Consumer');
      const network = new SageMakerNetwork(stack, 'Network');
      const data = new SecureBucket(stack, 'Data', { encryptionKey: network.encryptionKey });
      const role = new SageMakerExecutionRole(stack, 'Role');
      role.grantRead(data.bucket, 'train/');
      Algorithm.kmeans().bind(stack, role);
      app.synth();
    `);
    execFileSync(process.execPath, ['synth.js'], { cwd: app, encoding: 'utf8' });
    // Then its template has the library's resources, and the library came from the install
    const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'Consumer.template.json'), 'utf8'));
    const types = Object.values(template.Resources).map((r: any) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::EC2::VPC', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::IAM::Role']));
    expect(fs.realpathSync(path.join(app, 'node_modules', 'sagemaker-secure-constructs'))).toBe(path.join(app, 'node_modules', 'sagemaker-secure-constructs'));
  });

  test('npx sagemaker-local trains, serves and answers from the install', async () => {
    // Given the package's bin, linked by npm
    expect(fs.existsSync(path.join(app, 'node_modules', '.bin', 'sagemaker-local'))).toBe(true);
    const rows = Array.from({ length: 300 }, (_, i) => `${(i % 3) * 10 + Math.sin(i)},${(i % 3) * 10 + Math.cos(i)}`);
    fs.writeFileSync(path.join(app, 'train.csv'), `${rows.join('\n')}\n`);
    fs.writeFileSync(path.join(app, 'records.csv'), '0,0\n20,20\n');
    // When it trains (npx from the app directory, no registry)
    const train = spawnSync('npx', ['--offline', '--no-install', 'sagemaker-local', 'train', 'kmeans', '--train', 'train.csv', '--hp', 'k=3', '--hp', 'feature_dim=2', '--job', 'packed'],
      { cwd: app, encoding: 'utf8' });
    expect(train.stderr).not.toMatch(/error|failed/i);
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/^native kernels: CPU/m);
    const model = path.join(app, '.sagemaker-local', 'packed', 'model.tar.gz');
    expect(fs.existsSync(model)).toBe(true);
    // And serves the model, and a record is sent to it
    const port = await freePort();
    const server = spawn('npx', ['--offline', '--no-install', 'sagemaker-local', 'serve', 'kmeans', '--model', model, '--port', String(port)], { cwd: app, stdio: 'ignore', detached: true });
    try {
      await waitForPing(port, server);
      const invoke = spawnSync('npx', ['--offline', '--no-install', 'sagemaker-local', 'invoke', '--file', 'records.csv', '--port', String(port)], { cwd: app, encoding: 'utf8' });
      // Then each record gets its cluster
      expect(invoke.status).toBe(0);
      const { predictions } = JSON.parse(invoke.stdout);
      expect(predictions).toHaveLength(2);
      expect(predictions[0].closest_cluster).not.toBe(predictions[1].closest_cluster);
    } finally {
      // npx, sagemaker-local and the entrypoint's workers: the whole group.
      process.kill(-server.pid!, 'SIGTERM');
    }
  });

  test('on a platform without a prebuilt addon, sagemaker-local says so instead of crashing', () => {
    const run = spawnSync('npx', ['--offline', '--no-install', 'sagemaker-local', 'train', 'kmeans', '--train', 'train.csv', '--hp', 'k=3', '--hp', 'feature_dim=2'],
      { cwd: app, encoding: 'utf8', env: { ...process.env, SAGEMAKER_LOCAL_TEST_PLATFORM: 'plan9-mips' } });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(new RegExp(`^sagemaker-local: the native kernels in this package are prebuilt for ${process.platform}-${process.arch} only, and this machine is plan9-mips\\. `));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
