/**
 * Local mode (containers/local.ts, as `sagemaker-local` runs it): progress while a multi-megabyte
 * channel loads and while epochs run, output under `./.sagemaker-local/<job>`, one message per
 * failure, nothing left in the temporary directory after success, failure or Ctrl-C, and a
 * message naming the port when no server listens.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const LOCAL = path.join(__dirname, '..', '..', 'containers', 'dist', 'local.js');

const sandboxes: string[] = [];
afterAll(() => sandboxes.forEach((directory) => fs.rmSync(directory, { recursive: true, force: true })));

/** A working directory and a private TMPDIR for one run. */
function sandbox(): { cwd: string; tmp: string; env: NodeJS.ProcessEnv } {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'local-mode-'));
  sandboxes.push(cwd);
  const tmp = path.join(cwd, 'tmp');
  fs.mkdirSync(tmp);
  return { cwd, tmp, env: { ...process.env, TMPDIR: tmp } };
}

/** About 20 MB of CSV: three clusters in four features (three 8 MiB pieces). */
function writeChannel(file: string, rows = 700_000): void {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const c = (i % 3) * 5;
    lines.push(`${(c + Math.sin(i)).toFixed(5)},${(c + Math.cos(i)).toFixed(5)},${(c - Math.sin(i * 7)).toFixed(5)},${(c + Math.cos(i * 3)).toFixed(5)}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('sagemaker-local train', () => {
  test('prints progress while loading a 20 MB channel and per epoch, writes under ./.sagemaker-local/<job>, leaves no temporary data', () => {
    // Given a 20 MB channel, and progress lines asked for at every piece read (SageMaker's default is every 10 s)
    const { cwd, tmp, env } = sandbox();
    writeChannel(path.join(cwd, 'train.csv'));
    expect(fs.statSync(path.join(cwd, 'train.csv')).size).toBeGreaterThan(16 * 1024 * 1024);
    // When it trains
    const run = spawnSync(process.execPath, [LOCAL, 'train', 'kmeans', '--train', 'train.csv', '--hp', 'k=3', '--hp', 'feature_dim=4', '--hp', 'epochs=2', '--job', 'demo'],
      { cwd, env: { ...env, SM_PROGRESS_INTERVAL_MS: '0' }, encoding: 'utf8' });
    // Then loading and training report progress
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const loading = run.stdout.split('\n').filter((line) => line.startsWith('loading channel train: '));
    expect(loading.length).toBeGreaterThanOrEqual(2);
    for (const line of loading) expect(line).toMatch(/^loading channel train: [\d.]+ MB of [\d.]+ MB \(\d+ %\) read, [\d,]+ rows, [\d.]+ MB\/s$/);
    expect(run.stdout).toMatch(/^loaded channel train: [\d.]+ MB, 700,000 rows in [\d.]+ s \([\d.]+ MB\/s\)$/m);
    expect(run.stdout).toMatch(/^training: epoch 1 of 2, about \d+ (s|min|h) left$/m);
    expect(run.stdout).toMatch(/^training: epoch 2 of 2, done$/m);
    // And the model is under ./.sagemaker-local/demo, the data was not copied, and the temporary tree is gone
    expect(fs.statSync(path.join(cwd, '.sagemaker-local', 'demo', 'model.tar.gz')).size).toBeGreaterThan(0);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('a failure is printed once, its reason kept in the output directory, and no temporary data is left', () => {
    // Given a ragged CSV
    const { cwd, tmp, env } = sandbox();
    fs.writeFileSync(path.join(cwd, 'ragged.csv'), '1,2\n3,4\n5\n');
    // When it trains into a directory the user names
    const run = spawnSync(process.execPath, [LOCAL, 'train', 'kmeans', '--train', 'ragged.csv', '--hp', 'k=2', '--hp', 'feature_dim=2', '--output-dir', 'out'], { cwd, env, encoding: 'utf8' });
    // Then it fails, naming the cause once
    expect(run.status).not.toBe(0);
    const output = `${run.stdout}${run.stderr}`;
    expect(output.match(/line 3: 1 columns, expected 2/g)).toHaveLength(1);
    expect(fs.readFileSync(path.join(cwd, 'out', 'failure'), 'utf8')).toContain('line 3: 1 columns, expected 2');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('Ctrl-C (SIGINT) during training stops it and leaves no temporary data', async () => {
    // Given a training of many epochs
    const { cwd, tmp, env } = sandbox();
    writeChannel(path.join(cwd, 'train.csv'), 200_000);
    const child = spawn(process.execPath, [LOCAL, 'train', 'kmeans', '--train', 'train.csv', '--hp', 'k=3', '--hp', 'feature_dim=4', '--hp', 'epochs=100000'], { cwd, env });
    let stdout = '';
    // When SIGINT arrives once the epochs have started
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/training: epoch 1 of 100000/.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (exitCode) => resolve(exitCode));
    });
    // Then it ends as Ctrl-C ends a program, and the temporary tree (with any checkpoint) is gone
    expect(code).toBe(130);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('sagemaker-local invoke', () => {
  test('with no server on the port, says so and how to start one', async () => {
    // Given a port nothing listens on
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const { cwd, env } = sandbox();
    fs.writeFileSync(path.join(cwd, 'records.csv'), '1,2\n');
    // When a record is sent there
    const run = spawnSync(process.execPath, [LOCAL, 'invoke', '--file', 'records.csv', '--port', String(port)], { cwd, env, encoding: 'utf8' });
    // Then the message names the port and the command that starts a server
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`sagemaker-local: no server on port ${port} (start one with: sagemaker-local serve <algorithm> --model <model.tar.gz> --port ${port})`);
    expect(run.stderr).not.toContain('fetch failed');
  });
});
