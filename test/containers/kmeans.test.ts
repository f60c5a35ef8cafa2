import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { KMEANS_HYPERPARAMETERS } from '../../containers/kmeans/hyperparameters';
import { loadKMeansPredictor } from '../../containers/kmeans/serve';
import { localLloyd } from '../../containers/kmeans/local-lloyd';
import { autoFactor, KMeansModel, trainKMeans } from '../../containers/kmeans/train';
import { loadKernels } from '../../containers/native';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { createServer } from '../../containers/runtime/serving';
import { runTraining } from '../../containers/runtime/training';
import { Algorithm } from '../../lib/core/algorithm';

const TRUE_CENTERS = [[0, 0], [10, 10], [-10, 10], [10, -10], [-10, -10]];

/** A temporary /opt/ml with hyperparameters and well-separated clusters in the train and test channels. */
function optMl(hyperparameters: Record<string, string>, rowsPerCluster = 200, corrupt = false): OptMl {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-'));
  const layout = new OptMl(root);
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify(hyperparameters));
  const rows = (n: number) => TRUE_CENTERS.flatMap(([cx, cy]) => Array.from({ length: n }, () =>
    `${(cx + (Math.random() - 0.5) * 2).toFixed(4)},${(cy + (Math.random() - 0.5) * 2).toFixed(4)}`));
  for (const [channel, n] of [['train', rowsPerCluster], ['test', 20]] as const) {
    fs.mkdirSync(layout.channel(channel), { recursive: true });
    const lines = rows(n);
    if (corrupt && channel === 'train') lines[2] = '1.0,abc';
    fs.writeFileSync(path.join(layout.channel(channel), `${channel}.csv`), lines.join('\n') + '\n');
  }
  return layout;
}

function model(layout: OptMl): KMeansModel {
  return JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8'));
}

const quiet = () => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
};
afterEach(() => jest.restoreAllMocks());

describe('K-Means container: training', () => {
  test('recovers well-separated clusters and prints the metric lines Algorithm.kmeans() parses', async () => {
    // GIVEN
    const layout = optMl({ k: '5', feature_dim: '2', init_method: 'kmeans++', eval_metrics: '["msd","ssd"]' });
    const lines: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    // WHEN
    expect(await runTraining(trainKMeans, layout)).toBe(0);
    // THEN every true center has a learned center within 0.3
    const learned = model(layout).centers;
    for (const [cx, cy] of TRUE_CENTERS) {
      expect(Math.min(...learned.map(([x, y]) => Math.hypot(x - cx, y - cy)))).toBeLessThan(0.3);
    }
    const metrics = Object.fromEntries(Algorithm.kmeans().metricDefinitions.map((m) => [m.name, lines.map((l) => new RegExp(m.regex).exec(l)?.[1]).find(Boolean)]));
    // Uniform noise of width 2 in two dimensions: mean squared distance 2 × 1/3.
    expect(Number(metrics['test:msd'])).toBeGreaterThan(0.5);
    expect(Number(metrics['test:msd'])).toBeLessThan(0.9);
    expect(Number(metrics['test:ssd'])).toBeCloseTo(Number(metrics['test:msd']) * 100, 3);
    expect(lines.some((l) => /^#throughput_metric: host=algo-1, train throughput=[\d.]+ records\/second$/.test(l))).toBe(true);
  });

  test('streams mini-batches into extra centers (with a half-life) and reduces them to k, as the built-in does', async () => {
    const lines: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(String(line)); });
    const layout = optMl({ k: '5', feature_dim: '2', mini_batch_size: '64', epochs: '3', extra_center_factor: '4', half_life_time_size: '500', local_lloyd_num_trials: '3' });
    expect(await runTraining(trainKMeans, layout)).toBe(0);
    expect(lines).toContain('K-Means: 1000 rows, feature_dim 2, k 5 (20 centers while streaming), 3 epochs of 16 mini-batches, init random');
    expect(lines.filter((l) => l.startsWith('#progress_metric: host=algo-1, epoch '))).toHaveLength(3);
    // Every true center has a learned center within 0.5 of it.
    const centers = model(layout).centers;
    for (const [x, y] of TRUE_CENTERS) expect(Math.min(...centers.map(([cx, cy]) => Math.hypot(cx - x, cy - y)))).toBeLessThan(0.5);
  });

  test('the local Lloyd step weighs each streaming center by the rows it absorbed and ignores empty ones', () => {
    // GIVEN two groups of points; in each, one heavy point and one light one; and a weightless outlier
    const points = Float32Array.from([0, 0, 1, 0, 10, 10, 11, 10, 100, 100]);
    const weights = Float64Array.from([3, 1, 1, 3, 0]);
    // WHEN reduced to two centers
    const centers = localLloyd(points, weights, 2, { k: 2, init: 'kmeans++', trials: 3, maxIterations: 50, tolerance: 0, random: seededRandom(1) });
    // THEN each center is its group's weighted mean, and the outlier pulled neither
    const sorted = [[centers[0], centers[1]], [centers[2], centers[3]]].sort((a, b) => a[0] - b[0]);
    expect(sorted[0][0]).toBeCloseTo(0.25, 6);
    expect(sorted[0][1]).toBeCloseTo(0, 6);
    expect(sorted[1][0]).toBeCloseTo(10.75, 6);
    expect(sorted[1][1]).toBeCloseTo(10, 6);
  });

  test('the container accepts exactly the hyperparameters Algorithm.kmeans() declares', () => {
    const reserved = /^_(tuning_objective_metric|enable_profiler|kvstore|num_kv_servers|num_gpus)$/;
    const declared = Algorithm.kmeans().hyperparameterNames!.filter((name) => !reserved.test(name)).sort();
    expect(declared).toEqual(Object.keys(KMEANS_HYPERPARAMETERS).sort());
  });

  test('a corrupt channel writes the reason to output/failure and exits non-zero', async () => {
    quiet();
    const layout = optMl({ k: '5', feature_dim: '2' }, 50, true);
    expect(await runTraining(trainKMeans, layout)).toBe(1);
    expect(fs.readFileSync(layout.failureFile, 'utf8')).toBe('CsvError: train.csv line 3, column 2: not a number');
  });

  test('bad hyperparameters are all reported in the failure file', async () => {
    quiet();
    const layout = optMl({ k: 'five', feature_dim: '2', init_method: 'greedy', learning_rate: '0.1' });
    expect(await runTraining(trainKMeans, layout)).toBe(1);
    const failure = fs.readFileSync(layout.failureFile, 'utf8');
    expect(failure).toMatch(/^HyperparameterError: Invalid hyperparameters: learning_rate: unknown/);
    expect(failure).toContain('k: "five" is not a whole number');
    expect(failure).toContain('init_method: "greedy" is not one of random, kmeans++');
  });

  test('SIGTERM mid-training saves a checkpoint; the restarted run ends with the same model', async () => {
    quiet();
    const hyperparameters = { k: '5', feature_dim: '2', init_method: 'random', epochs: '20', mini_batch_size: '100' };
    const uninterrupted = optMl(hyperparameters, 400);
    expect(await runTraining(trainKMeans, uninterrupted)).toBe(0);

    // The same data, interrupted as soon as training starts iterating.
    const interrupted = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-')));
    fs.cpSync(path.join(uninterrupted.root, 'input'), path.join(interrupted.root, 'input'), { recursive: true });
    const signal = setInterval(() => process.emit('SIGTERM' as any), 0);
    expect(await runTraining(trainKMeans, interrupted)).toBe(0);
    clearInterval(signal);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(interrupted.checkpointDir, 'kmeans-checkpoint.json'), 'utf8'));
    expect(checkpoint.state.epoch * 20 + checkpoint.state.batch).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(path.join(interrupted.modelDir, 'model.json'))).toBe(false);

    expect(await runTraining(trainKMeans, interrupted)).toBe(0);
    expect(model(interrupted)).toEqual(model(uninterrupted));
  });

  test('SIGTERM during the refinement on the rows saves the finished streaming pass; the restarted run repeats only the refinement and ends with the same model', async () => {
    const hyperparameters = { k: '5', feature_dim: '2', init_method: 'random', epochs: '3', mini_batch_size: '100' };
    const uninterrupted = optMl(hyperparameters, 400);
    quiet();
    expect(await runTraining(trainKMeans, uninterrupted)).toBe(0);

    // The stop arrives right after the last epoch's progress line, when only the reduction and
    // the refinement are left (they pass over the rows many times: a spot interruption can land there).
    const interrupted = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-')));
    fs.cpSync(path.join(uninterrupted.root, 'input'), path.join(interrupted.root, 'input'), { recursive: true });
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      const line = args.join(' ');
      lines.push(line);
      if (line.includes('#progress_metric: host=algo-1, epoch 3/3')) process.emit('SIGTERM' as any);
    });
    try {
      expect(await runTraining(trainKMeans, interrupted)).toBe(0);
      expect(lines).toContain('SIGTERM: saved a checkpoint after the streaming pass (the refinement on the rows is repeated on resuming)');
      expect(fs.existsSync(path.join(interrupted.modelDir, 'model.json'))).toBe(false);
      expect(JSON.parse(fs.readFileSync(path.join(interrupted.checkpointDir, 'kmeans-checkpoint.json'), 'utf8')).state).toMatchObject({ epoch: 3, batch: 0 });

      lines.length = 0;
      expect(await runTraining(trainKMeans, interrupted)).toBe(0);
      expect(lines).toContain('resumed from checkpoint after the streaming pass');
      expect(lines.some((line) => line.startsWith('#progress_metric'))).toBe(false);
    } finally {
      log.mockRestore();
    }
    expect(model(interrupted)).toEqual(model(uninterrupted));
  });

  test('the image\'s program (the bundled entrypoint, as the Dockerfile installs it) trains in a subprocess', () => {
    // containers/dist is what `npm test` builds first (npm run build:native), exactly as the image's build stage does.
    const layout = optMl({ k: '5', feature_dim: '2', init_method: 'kmeans++' }, 50);
    const result = spawnSync(path.join(__dirname, '../../containers/dist/kmeans/entrypoint'), ['train'], {
      encoding: 'utf8', env: { ...process.env, OPT_ML: layout.root },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/native kernels: CPU/);
    expect(result.stdout).toMatch(/#quality_metric: host=algo-1, test msd <loss>=\d/);
    expect(model(layout).centers).toHaveLength(5);
  });
});

describe('K-Means container: serving over HTTP', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-')));
    fs.mkdirSync(layout.modelDir, { recursive: true });
    fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify({ algorithm: 'kmeans', feature_dim: 2, k: 2, centers: [[0, 0], [10, 10]] }));
    server = createServer(loadKMeansPredictor(layout, loadKernels({ backend: 'cpu', log: () => undefined })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive sockets of the last requests
  }));

  const request = (method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, { method, body, headers }).then(async (response) => ({ status: response.status, type: response.headers.get('content-type'), text: await response.text() }));

  test('ping, execution parameters and every content type give the same predictions', async () => {
    expect((await request('GET', '/ping')).status).toBe(200);
    expect(JSON.parse((await request('GET', '/execution-parameters')).text)).toMatchObject({ BatchStrategy: 'MULTI_RECORD', MaxPayloadInMB: 6 });
    const csv = await request('POST', '/invocations', '3,4\n9,9\n', { 'content-type': 'text/csv' });
    expect(JSON.parse(csv.text)).toEqual({ predictions: [{ closest_cluster: 0, distance_to_cluster: 5 }, { closest_cluster: 1, distance_to_cluster: Math.SQRT2 }] });
    const json = await request('POST', '/invocations', JSON.stringify({ instances: [{ features: [3, 4] }, { features: [9, 9] }] }), { 'content-type': 'application/json' });
    expect(json.text).toBe(csv.text);
    const lines = await request('POST', '/invocations', '3,4\n9,9', { 'content-type': 'text/csv', 'accept': 'application/jsonlines' });
    expect(lines.text.split('\n').map((l) => JSON.parse(l))).toEqual(JSON.parse(csv.text).predictions);
    expect((await request('POST', '/invocations', '3,4', { 'content-type': 'text/csv', 'accept': 'text/csv' })).text).toBe('0,5');
    const jsonLines = await request('POST', '/invocations', '{"features":[3,4]}\n[9,9]\n', { 'content-type': 'application/jsonlines' });
    expect(jsonLines.text).toBe(csv.text);
  });

  test('bad payloads get a 4xx with a JSON reason, and the next valid request succeeds', async () => {
    const cases: Array<[string | Buffer, Record<string, string>, number, RegExp]> = [
      ['1,2,3', { 'content-type': 'text/csv' }, 400, /request line 1: 3 columns, expected 2 \(feature_dim is 2\)/],
      ['1,abc', { 'content-type': 'text/csv' }, 400, /not a number/],
      ['', { 'content-type': 'text/csv' }, 400, /empty request body/],
      ['{"instances": [[1, "x"]]}', { 'content-type': 'application/json' }, 400, /instance 0: expected 2 finite numbers/],
      ['{not json', { 'content-type': 'application/json' }, 400, /not valid JSON/],
      ['1,2', { 'content-type': 'application/x-parquet' }, 415, /Content-Type application\/x-parquet is not supported/],
      ['1,2', { 'content-type': 'text/csv', 'accept': 'image/png' }, 406, /Accept image\/png is not supported/],
      [Buffer.alloc(6 * 1024 * 1024 + 1, 49), { 'content-type': 'text/csv' }, 413, /payload over 6 MB/],
    ];
    for (const [body, headers, status, reason] of cases) {
      const answer = await request('POST', '/invocations', body, headers);
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.text).error).toMatch(reason);
      expect((await request('POST', '/invocations', '1,1', { 'content-type': 'text/csv' })).status).toBe(200);
    }
  });

  test('answers 1,000 concurrent requests', async () => {
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => request('POST', '/invocations', `${i % 11},${i % 7}`, { 'content-type': 'text/csv' })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });
});

describe('local mode (sagemaker-local)', () => {
  const local = path.join(__dirname, '../../containers/dist/local.js');

  test('trains from a CSV file into model.tar.gz, serves it, and answers an invocation', async () => {
    // GIVEN a CSV file of three clusters
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-'));
    const rows = Array.from({ length: 150 }, (_, i) => TRUE_CENTERS[i % 3]).map(([x, y]) => `${x + Math.random() - 0.5},${y + Math.random() - 0.5}`);
    fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n'));
    // WHEN
    const trained = spawnSync(process.execPath, [local, 'train', 'kmeans', '--train', path.join(dir, 'train.csv'), '--hp', 'k=3', '--hp', 'feature_dim=2', '--out', path.join(dir, 'model.tar.gz')], { encoding: 'utf8' });
    // THEN
    expect(trained.status).toBe(0);
    // extra_center_factor auto: about 10 streaming centers per center, at least 64 in all (66 here).
    expect(trained.stdout).toMatch(new RegExp(`saved model: ${3 * autoFactor(3, 150)} streaming centers reduced to 3 `));
    expect(spawnSync('tar', ['-tzf', path.join(dir, 'model.tar.gz')], { encoding: 'utf8' }).stdout).toContain('model.json');

    const port = String(20000 + Math.floor(Math.random() * 20000));
    const server = spawn(process.execPath, [local, 'serve', 'kmeans', '--model', path.join(dir, 'model.tar.gz'), '--port', port], { stdio: 'pipe' });
    try {
      await new Promise<void>((resolve, reject) => {
        // One worker per core, sharing the port.
        server.stdout.on('data', (chunk: Buffer) => /serving on port \d+ with \d+ workers/.test(chunk.toString()) && resolve());
        server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      fs.writeFileSync(path.join(dir, 'records.csv'), '10,10\n');
      const invoked = spawnSync(process.execPath, [local, 'invoke', '--file', path.join(dir, 'records.csv'), '--port', port], { encoding: 'utf8' });
      expect(invoked.status).toBe(0);
      expect(JSON.parse(invoked.stdout).predictions[0].distance_to_cluster).toBeLessThan(1);
    } finally {
      server.kill('SIGTERM');
    }
  });

  test('a failed training prints its reason once and keeps the failure file in the job\'s output', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-'));
    fs.writeFileSync(path.join(dir, 'train.csv'), '1,2\n3,4\n');
    const trained = spawnSync(process.execPath, [local, 'train', 'kmeans', '--train', path.join(dir, 'train.csv'), '--hp', 'k=3', '--hp', 'feature_dim=2', '--job', 'small'], { encoding: 'utf8', cwd: dir });
    expect(trained.status).toBe(1);
    expect(trained.stderr.match(/k \(3\) must be at most the number of training rows \(2\)/g)).toHaveLength(1);
    expect(trained.stderr).toContain('job small failed (exit 1); reason in .sagemaker-local/small/failure');
    expect(fs.readFileSync(path.join(dir, '.sagemaker-local', 'small', 'failure'), 'utf8')).toContain('k (3) must be at most the number of training rows (2)');
  });
});

describe('the pre-processing container', () => {
  test('declares exactly the hyperparameters Algorithm.preprocessing() does', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SCALER_HYPERPARAMETERS } = require('../../containers/preprocessing/hyperparameters');
    expect(Algorithm.preprocessing().hyperparameterNames!.sort()).toEqual(Object.keys(SCALER_HYPERPARAMETERS).sort());
  });
});

describe('Pipe mode', () => {
  test('K-Means reads the train_0 FIFO that SageMaker streams in Pipe mode', async () => {
    quiet();
    // GIVEN a channel delivered as a FIFO, written by another process
    const layout = optMl({ k: '5', feature_dim: '2', init_method: 'kmeans++' }, 100);
    const source = path.join(layout.channel('train'), 'train.csv');
    const csv = fs.readFileSync(source);
    fs.rmSync(layout.channel('train'), { recursive: true });
    fs.writeFileSync(layout.inputDataConfigFile, JSON.stringify({ train: { ContentType: 'text/csv', TrainingInputMode: 'Pipe' }, test: { ContentType: 'text/csv' } }));
    const fifo = `${layout.channel('train')}_0`;
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const staged = path.join(os.tmpdir(), `pipe-source-${process.pid}.csv`);
    fs.writeFileSync(staged, csv);
    const writer = spawn('sh', ['-c', `cat '${staged}' > '${fifo}'`]);
    const written = new Promise((resolve) => writer.on('exit', resolve));
    // WHEN
    expect(await runTraining(trainKMeans, layout)).toBe(0);
    expect(await written).toBe(0);
    // THEN
    const learned = model(layout).centers;
    for (const [cx, cy] of TRUE_CENTERS) expect(Math.min(...learned.map(([x, y]) => Math.hypot(x - cx, y - cy)))).toBeLessThan(0.3);
  });
});
