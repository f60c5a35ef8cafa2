/**
 * Device-resident training (#24): a K-Means and a Linear Learner job place each channel's rows
 * once where the kernels read them (Kernels.place) and train on views of them. On a GPU that is a
 * dataset in GPU memory; here the CUDA harness test backend (SAGEMAKER_NATIVE_TEST_CUDA_HARNESS=1)
 * runs the CUDA kernels' per-thread code on a dataset in host memory, so the GPU path's training
 * loop, its placements and their release run without a GPU. A job there must end with the CPU
 * backend's model, place each channel exactly once, give no kernel host arrays (rowTraffic's
 * unplacedCalls: a call that would copy its rows to the GPU), and leave no dataset alive, also
 * when it fails.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { KMeansModel, trainKMeans } from '../../containers/kmeans/train';
import { LinearLearnerModel, trainLinearLearner } from '../../containers/linear-learner/train';
import { nativeBinding, RowTraffic, rowTraffic } from '../../containers/native';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { runTraining } from '../../containers/runtime/training';

const HARNESS = 'SAGEMAKER_NATIVE_TEST_CUDA_HARNESS';
const native = nativeBinding();

/** A temporary /opt/ml with these hyperparameters and channels (CSV lines). */
function optMl(hyperparameters: Record<string, string>, channels: Record<string, string[]>): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-resident-')));
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify(hyperparameters));
  for (const [channel, lines] of Object.entries(channels)) {
    fs.mkdirSync(layout.channel(channel), { recursive: true });
    fs.writeFileSync(path.join(layout.channel(channel), `${channel}.csv`), lines.join('\n') + '\n');
  }
  return layout;
}

const CENTERS = [[0, 0, 0], [8, 8, 0], [-8, 8, 4], [8, -8, -4], [-8, -8, 8]];
/** Rows around five centers in three dimensions, seeded. */
function clusterRows(perCenter: number, seed: number): string[] {
  const random = seededRandom(seed);
  return CENTERS.flatMap((center) => Array.from({ length: perCenter }, () => center.map((c) => (c + (random() - 0.5) * 3).toFixed(4)).join(',')));
}

const FEATURES = 6;
/** `label,features…` rows of a regression y = w·x + 2 + noise, seeded. */
function regressionRows(n: number, seed: number): string[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: FEATURES }, () => gaussian());
    const y = x.reduce((sum, v, j) => sum + v * (j % 2 ? 1.5 : -0.5), 2) + 0.3 * gaussian();
    return [y, ...x].map((v) => v.toFixed(5)).join(',');
  });
}

interface Job { readonly code: number; readonly lines: string[]; readonly traffic: RowTraffic; readonly liveAfter: number; readonly liveBefore: number }

/** Runs one training job in this process, on the CUDA harness or the CPU; what it printed and placed. */
async function run(train: (layout: OptMl) => Promise<void>, layout: OptMl, backend: 'cuda-harness' | 'cpu' | 'cuda'): Promise<Job> {
  const lines: string[] = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(String(line)); });
  jest.spyOn(console, 'error').mockImplementation((line: string) => { lines.push(String(line)); });
  if (backend === 'cuda-harness') process.env[HARNESS] = '1';
  else process.env.SAGEMAKER_COMPUTE_BACKEND = backend;
  // Garbage collection first, so datasets some earlier job left behind are not freed during this one and hide a leak.
  await collectGarbage();
  const liveBefore = native.datasetsLive(), before = rowTraffic();
  try {
    const code = await runTraining(train, layout);
    const after = rowTraffic();
    return {
      code, lines, liveBefore, liveAfter: native.datasetsLive(),
      traffic: { placements: after.placements - before.placements, placedBytes: after.placedBytes - before.placedBytes, unplacedCalls: after.unplacedCalls - before.unplacedCalls },
    };
  } finally {
    delete process.env[HARNESS];
    delete process.env.SAGEMAKER_COMPUTE_BACKEND;
    jest.restoreAllMocks();
  }
}

/** Runs garbage collection, and lets native finalizers run (they may run a tick after it). */
async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const modelOf = <T>(layout: OptMl): T => JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8'));

/** Two layouts with the same hyperparameters and data: one job each. */
function twins(hyperparameters: Record<string, string>, channels: Record<string, string[]>): [OptMl, OptMl] {
  return [optMl(hyperparameters, channels), optMl(hyperparameters, channels)];
}

describe('K-Means trains on rows placed once (the CUDA harness backend)', () => {
  const channels = { train: clusterRows(240, 11), test: clusterRows(30, 12) };
  const hyperparameters = { k: '5', feature_dim: '3', init_method: 'kmeans++', mini_batch_size: '100', epochs: '3', eval_metrics: '["msd"]', local_lloyd_num_trials: '3' };

  test('the model is the CPU backend\'s; train and test are placed once each, no kernel gets host arrays, nothing is left alive', async () => {
    // GIVEN the same job for the CPU and for the CUDA harness
    const [onCpu, onHarness] = twins(hyperparameters, channels);
    // WHEN both train
    const cpu = await run(trainKMeans, onCpu, 'cpu');
    const harness = await run(trainKMeans, onHarness, 'cuda-harness');
    // THEN both succeed with the same centers (to float32 rounding of different summation orders)
    expect([cpu.code, harness.code]).toEqual([0, 0]);
    expect(harness.lines).toContain('native kernels: CUDA harness (the CUDA kernels\' per-thread code on the CPU: SAGEMAKER_NATIVE_TEST_CUDA_HARNESS, a test backend)');
    const expected = modelOf<KMeansModel>(onCpu).centers, got = modelOf<KMeansModel>(onHarness).centers;
    expect(got).toHaveLength(5);
    got.forEach((center, c) => center.forEach((value, j) => expect(Math.abs(value - expected[c][j])).toBeLessThan(1e-4)));
    const msd = (job: Job) => Number(job.lines.map((line) => /test msd <loss>=([\d.e+-]+)/.exec(line)?.[1]).find(Boolean));
    expect(Math.abs(msd(harness) - msd(cpu))).toBeLessThan(1e-4 * msd(cpu));
    // AND on the harness each channel was copied exactly once (train 1,200 rows, test 150, of 3 floats), every kernel
    // call (mini-batches, k-means++, refinement, test inertia) read the placed rows, and the copies were freed
    expect(harness.traffic).toEqual({ placements: 2, placedBytes: (1200 + 150) * 3 * 4, unplacedCalls: 0 });
    expect(harness.lines.filter((line) => line.startsWith('rows placed: '))).toEqual([
      'rows placed: train, 1200 × 3, in a host dataset for the CUDA harness (14.1 KiB, copied once)',
      'rows placed: test, 150 × 3, in a host dataset for the CUDA harness (1.8 KiB, copied once)',
    ]);
    expect(harness.liveAfter).toBe(harness.liveBefore);
    // AND on the CPU the same two placements copied nothing
    expect(cpu.traffic).toEqual({ placements: 2, placedBytes: 0, unplacedCalls: 0 });
    expect(cpu.lines).toContain('rows placed: train, 1200 × 3, in host memory (the CPU kernels read the arrays in place: no copy)');
  });

  test('a job that fails after placing its rows frees them', async () => {
    // GIVEN a checkpoint that cannot be read (the job fails after the train channel is placed)
    const layout = optMl(hyperparameters, channels);
    fs.mkdirSync(layout.checkpointDir, { recursive: true });
    fs.writeFileSync(path.join(layout.checkpointDir, 'kmeans-checkpoint.json'), '{"configuration": ');
    // WHEN it trains on the harness
    const job = await run(trainKMeans, layout, 'cuda-harness');
    // THEN it fails, having placed the train channel, and no dataset is left alive
    expect(job.code).toBe(1);
    expect(job.traffic.placements).toBe(1);
    expect(job.liveAfter).toBe(job.liveBefore);
  });
});

describe('Linear Learner trains and evaluates on rows placed once (the CUDA harness backend)', () => {
  const channels = { train: regressionRows(900, 21), validation: regressionRows(200, 22), test: regressionRows(150, 23) };
  const hyperparameters = { predictor_type: 'regressor', feature_dim: String(FEATURES), epochs: '6', mini_batch_size: '50', num_models: '4' };

  test('the model is the CPU backend\'s; train, validation and test are placed once each, no kernel gets host arrays, nothing is left alive', async () => {
    // GIVEN the same job for the CPU and for the CUDA harness
    const [onCpu, onHarness] = twins(hyperparameters, channels);
    // WHEN both train
    const cpu = await run(trainLinearLearner, onCpu, 'cpu');
    const harness = await run(trainLinearLearner, onHarness, 'cuda-harness');
    // THEN both succeed with the same model (to float32 rounding of different summation orders)
    expect([cpu.code, harness.code]).toEqual([0, 0]);
    const expected = modelOf<LinearLearnerModel>(onCpu), got = modelOf<LinearLearnerModel>(onHarness);
    const norm = Math.hypot(...expected.weights);
    expect(norm).toBeGreaterThan(0.5); // a model learned (standardised features and label)
    got.weights.forEach((w, j) => expect(Math.abs(w - expected.weights[j])).toBeLessThan(1e-4 * norm));
    expect(Math.abs((got.bias as number) - (expected.bias as number))).toBeLessThan(1e-4 * norm);
    const selected = (job: Job) => job.lines.find((line) => line.startsWith('selected model '));
    expect(selected(harness)).toBe(selected(cpu));
    // AND on the harness each channel (rows and labels) was copied exactly once, every epoch's mini-batches and every
    // evaluation (each epoch's, the final train, validation and test metrics) read the placed rows, and the copies were freed
    expect(harness.traffic).toEqual({ placements: 3, placedBytes: (900 + 200 + 150) * (FEATURES + 1) * 4, unplacedCalls: 0 });
    expect(harness.lines.filter((line) => line.startsWith('rows placed: ')).map((line) => line.split(',')[0]))
      .toEqual(['rows placed: train', 'rows placed: validation', 'rows placed: test']);
    expect(harness.lines.filter((line) => /^#quality_metric: host=algo-1, epoch=\d+, validation/.test(line))).toHaveLength(6);
    expect(harness.liveAfter).toBe(harness.liveBefore);
    expect(cpu.traffic).toEqual({ placements: 3, placedBytes: 0, unplacedCalls: 0 });
  });

  test('a job that fails after placing its channels frees them all', async () => {
    // GIVEN a checkpoint that cannot be read (the job fails after its three channels are placed)
    const layout = optMl(hyperparameters, channels);
    fs.mkdirSync(layout.checkpointDir, { recursive: true });
    fs.writeFileSync(path.join(layout.checkpointDir, 'linear-learner-checkpoint.json'), '{"configuration": ');
    // WHEN it trains on the harness
    const job = await run(trainLinearLearner, layout, 'cuda-harness');
    // THEN it fails, having placed all three, and no dataset is left alive
    expect(job.code).toBe(1);
    expect(job.traffic.placements).toBe(3);
    expect(job.liveAfter).toBe(job.liveBefore);
  });
});

describe('the backend a training job runs on', () => {
  test('SAGEMAKER_COMPUTE_BACKEND chooses it when the _compute_backend hyperparameter is not given; the hyperparameter when it is', async () => {
    const channels = { train: clusterRows(40, 41) };
    // GIVEN the harness (what `auto` is here) and SAGEMAKER_COMPUTE_BACKEND=cpu (run's 'cpu')
    try {
      // WHEN a job leaves _compute_backend out, and another sets it to auto
      process.env[HARNESS] = '1';
      const unset = await run(trainKMeans, optMl({ k: '5', feature_dim: '3' }, channels), 'cpu');
      process.env[HARNESS] = '1';
      const given = await run(trainKMeans, optMl({ k: '5', feature_dim: '3', _compute_backend: 'auto' }, channels), 'cpu');
      // THEN the first runs on the CPU (the variable), the second on the harness (the hyperparameter)
      expect(unset.lines.find((line) => line.startsWith('native kernels: '))).toMatch(/^native kernels: CPU \(.*\) \(forced: cpu\)$/);
      expect(unset.traffic.placedBytes).toBe(0);
      expect(given.lines.find((line) => line.startsWith('native kernels: '))).toMatch(/^native kernels: CUDA harness/);
      expect(given.traffic.placedBytes).toBe(200 * 3 * 4);
    } finally {
      delete process.env[HARNESS];
    }
  });
});

const DIST = path.join(__dirname, '../../containers/dist');
const GLOO_BUILT = fs.existsSync(path.join(DIST, 'kmeans', 'sagemaker_collective.node'));
const withGloo = GLOO_BUILT ? describe : describe.skip;

withGloo('multi-host training on the CUDA harness (skipped: the collective addon is not built)', () => {
  /** Two hosts (the bundled entrypoint, each its own process and /opt/ml) training K-Means on their shards. */
  async function twoHosts(env: Record<string, string>): Promise<{ outputs: string[]; centers: number[][] }> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'resident-hosts-'));
    const names = ['algo-1', 'algo-2'], port = 20000 + Math.floor(Math.random() * 20000);
    const shards = [clusterRows(120, 31), clusterRows(80, 32)];
    const roots = names.map((name, i) => {
      const root = path.join(base, name);
      fs.mkdirSync(path.join(root, 'input', 'config'), { recursive: true });
      fs.mkdirSync(path.join(root, 'input', 'data', 'train'), { recursive: true });
      fs.writeFileSync(path.join(root, 'input', 'config', 'resourceconfig.json'), JSON.stringify({ current_host: name, hosts: names }));
      fs.writeFileSync(path.join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify({ k: '5', feature_dim: '3', mini_batch_size: '50', epochs: '2', _collective_port: String(port) }));
      fs.writeFileSync(path.join(root, 'input', 'data', 'train', 'train.csv'), shards[i].join('\n') + '\n');
      return root;
    });
    const outputs = await Promise.all(roots.map((root) => new Promise<string>((resolve) => {
      const child = spawn(path.join(DIST, 'kmeans', 'entrypoint'), ['train'], {
        env: { ...process.env, OPT_ML: root, COMPANION_HOST_ADDRESSES: JSON.stringify({ 'algo-1': '127.0.0.2', 'algo-2': '127.0.0.3' }), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => { output += chunk; });
      child.stderr.on('data', (chunk) => { output += chunk; });
      child.on('close', (code) => resolve(`${output}\nexit ${code}`));
    })));
    return { outputs, centers: JSON.parse(fs.readFileSync(path.join(roots[0], 'model', 'model.json'), 'utf8')).centers };
  }

  test('each host places its own shard once, and the hosts end with the CPU backend\'s model', async () => {
    // GIVEN two hosts with shards of 600 and 400 rows, WHEN they train on the CPU and on the harness
    const cpu = await twoHosts({ SAGEMAKER_COMPUTE_BACKEND: 'cpu' });
    const harness = await twoHosts({ SAGEMAKER_COMPUTE_BACKEND: 'auto', [HARNESS]: '1' });
    // THEN every host succeeded, each having placed its own shard once on the harness
    for (const output of [...cpu.outputs, ...harness.outputs]) expect(output).toMatch(/\nexit 0$/);
    expect(harness.outputs.map((output) => output.match(/^rows placed: .*$/gm))).toEqual([
      ['rows placed: train, 600 × 3, in a host dataset for the CUDA harness (7.0 KiB, copied once)'],
      ['rows placed: train, 400 × 3, in a host dataset for the CUDA harness (4.7 KiB, copied once)'],
    ]);
    // AND the model is the CPU backend's
    harness.centers.forEach((center, c) => center.forEach((value, j) => expect(Math.abs(value - cpu.centers[c][j])).toBeLessThan(1e-4)));
  });
});

const cudaDevices = native.cudaCompiled && native.cudaDeviceCount ? native.cudaDeviceCount() : 0;
const onGpu = cudaDevices > 0 ? describe : describe.skip;

onGpu('training on a GPU with its channels resident in GPU memory (skipped: no CUDA device)', () => {
  test('K-Means and the Linear Learner upload each channel once, train on it there, end with the CPU model, and free it', async () => {
    const kmeansChannels = { train: clusterRows(240, 11), test: clusterRows(30, 12) };
    const kmeans = { k: '5', feature_dim: '3', init_method: 'kmeans++', mini_batch_size: '100', epochs: '3', local_lloyd_num_trials: '3' };
    const [kOnCpu, kOnGpu] = twins(kmeans, kmeansChannels);
    const kCpu = await run(trainKMeans, kOnCpu, 'cpu'), kGpu = await run(trainKMeans, kOnGpu, 'cuda');
    expect([kCpu.code, kGpu.code]).toEqual([0, 0]);
    expect(kGpu.traffic).toEqual({ placements: 2, placedBytes: (1200 + 150) * 3 * 4, unplacedCalls: 0 });
    expect(kGpu.lines).toContain('rows placed: train, 1200 × 3, on the GPU (14.1 KiB, copied once)');
    expect(kGpu.liveAfter).toBe(kGpu.liveBefore);
    const centers = modelOf<KMeansModel>(kOnCpu).centers;
    modelOf<KMeansModel>(kOnGpu).centers.forEach((center, c) => center.forEach((value, j) => expect(Math.abs(value - centers[c][j])).toBeLessThan(1e-3)));

    const linearChannels = { train: regressionRows(900, 21), validation: regressionRows(200, 22), test: regressionRows(150, 23) };
    const linear = { predictor_type: 'regressor', feature_dim: String(FEATURES), epochs: '6', mini_batch_size: '50', num_models: '4' };
    const [lOnCpu, lOnGpu] = twins(linear, linearChannels);
    const lCpu = await run(trainLinearLearner, lOnCpu, 'cpu'), lGpu = await run(trainLinearLearner, lOnGpu, 'cuda');
    expect([lCpu.code, lGpu.code]).toEqual([0, 0]);
    expect(lGpu.traffic).toEqual({ placements: 3, placedBytes: (900 + 200 + 150) * (FEATURES + 1) * 4, unplacedCalls: 0 });
    expect(lGpu.liveAfter).toBe(lGpu.liveBefore);
    const expected = modelOf<LinearLearnerModel>(lOnCpu).weights, norm = Math.hypot(...expected);
    modelOf<LinearLearnerModel>(lOnGpu).weights.forEach((w, j) => expect(Math.abs(w - expected[j])).toBeLessThan(1e-3 * norm));
  });
});
