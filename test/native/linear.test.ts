import { LinearEpochConfig, LinearEpochKernel, loadKernels, nativeBinding } from '../../containers/native';

interface Case {
  readonly name: string;
  readonly n: number;
  readonly d: number;
  readonly models: number;
  readonly config: Omit<LinearEpochConfig, 'learningRates'>;
}

// Odd sizes everywhere: partial last batches, batches that are not whole blocks of rows, d and
// model counts that are not multiples of a warp or of eight.
const CASES: Case[] = [
  { name: 'logistic, Adam, L1 and L2', n: 1037, d: 13, models: 5, config: { loss: 'logistic', optimizer: 'adam', batchSize: 100, l1: 0.001, wd: 0.01, useBias: true } },
  { name: 'squared loss, SGD, no bias', n: 500, d: 40, models: 3, config: { loss: 'squared_loss', optimizer: 'sgd', batchSize: 64, l1: 0, wd: 0, useBias: false } },
  { name: 'absolute loss, Adam', n: 300, d: 7, models: 2, config: { loss: 'absolute_loss', optimizer: 'adam', batchSize: 50, l1: 0, wd: 0.001, useBias: true } },
  { name: 'hinge loss, SGD', n: 777, d: 33, models: 9, config: { loss: 'hinge_loss', optimizer: 'sgd', batchSize: 128, l1: 0, wd: 0, useBias: true } },
  { name: 'softmax, 3 classes, Adam', n: 400, d: 6, models: 4, config: { loss: 'softmax_loss', classes: 3, optimizer: 'adam', batchSize: 100, l1: 0, wd: 0, useBias: true } },
  { name: 'logistic, RMSProp', n: 611, d: 21, models: 3, config: { loss: 'logistic', optimizer: 'rmsprop', batchSize: 70, l1: 0, wd: 0.001, useBias: true } },
  { name: 'squared loss, Adam with given betas', n: 333, d: 11, models: 2, config: { loss: 'squared_loss', optimizer: 'adam', beta1: 0.5, beta2: 0.9, batchSize: 40, l1: 0, wd: 0, useBias: true } },
  { name: 'weights too many to stage in shared memory (30 x 301)', n: 200, d: 300, models: 30, config: { loss: 'logistic', optimizer: 'sgd', batchSize: 64, l1: 0, wd: 0, useBias: true } },
  // One group on a machine of two or more cores: the CPU kernel splits each mini-batch's rows.
  { name: 'one block of eight models, mini-batches of 1,000 rows', n: 5003, d: 19, models: 8, config: { loss: 'logistic', optimizer: 'adam', batchSize: 1000, l1: 0.0005, wd: 0.001, useBias: true } },
  { name: 'softmax, one model of 4 classes, mini-batches of 600 rows', n: 1201, d: 7, models: 1, config: { loss: 'softmax_loss', classes: 4, optimizer: 'sgd', batchSize: 600, l1: 0, wd: 0, useBias: true } },
  { name: 'softmax, 11 classes, SGD', n: 250, d: 17, models: 2, config: { loss: 'softmax_loss', classes: 11, optimizer: 'sgd', batchSize: 33, l1: 0, wd: 0, useBias: true } },
];

/** Fresh random rows with labels the loss can learn. */
function problem({ n, d, config }: Case): { x: Float32Array; y: Float32Array } {
  const x = Float32Array.from({ length: n * d }, () => Math.random() * 4 - 2);
  const classes = config.classes ?? 1;
  const truth = Array.from({ length: Math.max(1, classes) * d }, () => Math.random() - 0.5);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const score = (c: number) => truth.slice(c * d, c * d + d).reduce((s, w, j) => s + w * x[r * d + j], 0);
    if (config.loss === 'softmax_loss') {
      const scores = Array.from({ length: classes }, (_, c) => score(c));
      y[r] = scores.indexOf(Math.max(...scores));
    } else if (config.loss === 'logistic' || config.loss === 'hinge_loss') {
      y[r] = score(0) > 0 ? 1 : 0;
    } else {
      y[r] = score(0) * 3 + 1 + (Math.random() - 0.5) * 0.2;
    }
  }
  return { x, y };
}

/** One epoch of `kernel` from a common random start; returns everything it changed. */
async function runEpoch(kernel: LinearEpochKernel, c: Case, data: { x: Float32Array; y: Float32Array }, start: Float32Array) {
  const columns = c.models * (c.config.classes ?? 1);
  const weights = start.slice(0, columns * c.d), bias = c.config.useBias ? start.slice(columns * c.d, columns * c.d + columns) : new Float32Array(columns);
  const moments = new Float32Array(2 * columns * c.d + 2 * columns);
  const learningRates = Array.from({ length: c.models }, (_, m) => 0.02 * (m + 1));
  const { losses, step } = await kernel(data.x, data.y, c.d, weights, bias, moments, 3, { ...c.config, learningRates });
  return { weights, bias, moments, losses, step };
}

/**
 * Tolerances: the GPU kernel sums each gradient over its blocks of rows and then across blocks,
 * the CPU kernel row after row, both in float32, so after an epoch of a few to a few dozen steps
 * the parameters agree to about 1e-5; 1e-4 leaves room for Adam's normalisation of tiny gradients.
 */
async function expectSameAsCpu(kernel: LinearEpochKernel, c: Case): Promise<void> {
  const data = problem(c);
  const columns = c.models * (c.config.classes ?? 1);
  const start = Float32Array.from({ length: columns * (c.d + 1) }, () => Math.random() * 0.2 - 0.1);
  const cpu = await runEpoch(nativeBinding().linearEpoch, c, data, start);
  const other = await runEpoch(kernel, c, data, start);
  expect(other.step).toBe(cpu.step);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number) => {
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
    expect(worst).toBeLessThanOrEqual(tolerance);
  };
  close(other.weights, cpu.weights, 1e-4);
  close(other.bias, cpu.bias, 1e-4);
  close(other.moments, cpu.moments, 1e-4);
  close(other.losses, cpu.losses, 1e-5);
  // The epoch moved the models: a kernel that did nothing would fail above unless the CPU's did too.
  let moved = 0;
  for (let i = 0; i < cpu.weights.length; i++) moved = Math.max(moved, Math.abs(cpu.weights[i] - start[i]));
  expect(moved).toBeGreaterThan(1e-3);
}

describe('the CUDA Linear Learner step\'s code, run block by block on the CPU', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s: the same epoch as the CPU kernel', async (_name, c) => {
    await expectSameAsCpu(nativeBinding().linearEpochCudaHarness, c);
  });

  test('the loader can ask whether a shape fits the CUDA step (else it trains on the CPU)', () => {
    expect(nativeBinding().linearEpochCudaFits(128, 32, 32)).toBe(true);
    expect(nativeBinding().linearEpochCudaFits(13_000, 1, 1)).toBe(false);
    expect(nativeBinding().linearEpochCudaFits(6_000, 3_000, 3_000)).toBe(true);
    expect(nativeBinding().linearEpochCudaFits(6_000, 3_200, 3_200)).toBe(false);
  });

  test('shapes too large for a block\'s shared memory, and unknown losses, are refused with a reason', async () => {
    const d = 13_000, config = { loss: 'logistic' as const, optimizer: 'sgd' as const, batchSize: 10, l1: 0, wd: 0, useBias: true, learningRates: [0.1] };
    await expect(nativeBinding().linearEpochCudaHarness(new Float32Array(d), new Float32Array(1), d, new Float32Array(d), new Float32Array(1), new Float32Array(2 * d + 2), 0, config))
      .rejects.toThrow(/linearEpochCudaHarness: d \+ the weight columns are too many/);
    await expect(nativeBinding().linearEpochCudaHarness(new Float32Array(2), new Float32Array(1), 2, new Float32Array(2), new Float32Array(1), new Float32Array(6), 0, { ...config, loss: 'poisson' as any }))
      .rejects.toThrow(/linearEpochCudaHarness: unknown loss poisson/);
  });
});

// Every vector path this machine supports (the x86-64 baseline, AVX2, AVX-512), forced in turn:
// the CPU epoch on that path against the CUDA step's code run on the CPU (an independent
// implementation of the same epoch).
describe.each(nativeBinding().cpuPaths)('the CPU Linear Learner epoch on the %s path', (path) => {
  beforeAll(() => nativeBinding().setCpuPath(path as 'baseline' | 'avx2' | 'avx512'));
  afterAll(() => nativeBinding().setCpuPath('auto'));

  test.each(CASES.map((c) => [c.name, c] as const))('%s: the same epoch as the CUDA step\'s code', async (_name, c) => {
    await expectSameAsCpu(nativeBinding().linearEpochCudaHarness, c);
  });
});

describe('the CPU Linear Learner epoch\'s checks (shared with the CUDA step)', () => {
  const base = { loss: 'logistic' as const, optimizer: 'sgd' as const, batchSize: 1, l1: 0, wd: 0, useBias: true, learningRates: [0.1] };
  const epoch = (config: LinearEpochConfig, y = Float32Array.from([1]), columns = 1) =>
    nativeBinding().linearEpoch(new Float32Array(2), y, 2, new Float32Array(2 * columns), new Float32Array(columns), new Float32Array(6 * columns), 0, config);

  test('an unknown optimizer, a learning rate count other than the models\', and a label that is not a class are refused by name', async () => {
    await expect(epoch({ ...base, optimizer: 'adagrad' as any })).rejects.toThrow(/^linearEpoch: unknown optimizer adagrad$/);
    await expect(epoch({ ...base, learningRates: [0.1, 0.2] })).rejects.toThrow(/^linearEpoch: one learning rate per model$/);
    await expect(epoch({ ...base, loss: 'softmax_loss', classes: 3 }, Float32Array.from([3]), 3)).rejects.toThrow(/^linearEpoch: a label is not a class index$/);
    await expect(epoch({ ...base, loss: 'softmax_loss' })).rejects.toThrow(/^linearEpoch: softmax_loss goes with 2 or more classes/);
  });
});

describe('the loader\'s Linear Learner kernel', () => {
  test('forced to the CPU, it is the CPU kernel with its name on errors', async () => {
    const kernels = loadKernels({ backend: 'cpu', log: () => undefined });
    await expectSameAsCpu(kernels.linearEpoch, CASES[0]);
    await expect(kernels.linearEpoch(new Float32Array(2), new Float32Array(1), 2, new Float32Array(2), new Float32Array(1), new Float32Array(6), 0,
      { loss: 'poisson' as any, optimizer: 'sgd', batchSize: 1, l1: 0, wd: 0, useBias: true, learningRates: [0.1] })).rejects.toThrow(/^linearEpoch \(CPU\) failed: .*unknown loss poisson/);
  });
});

const cudaDevices = (() => {
  const native = nativeBinding();
  return native.cudaCompiled && native.cudaDeviceCount ? native.cudaDeviceCount() : 0;
})();
const onGpu = cudaDevices > 0 ? describe : describe.skip;

onGpu(`the Linear Learner epoch on the GPU (${cudaDevices > 0 ? `${cudaDevices} device(s)` : 'skipped: no CUDA device here'})`, () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s: the same epoch as the CPU kernel', async (_name, c) => {
    await expectSameAsCpu(nativeBinding().linearEpochCuda!, c);
  });

  test('many blocks per batch and many batches (n = 200,003, d = 64, 16 models, batch 4,096)', async () => {
    await expectSameAsCpu(nativeBinding().linearEpochCuda!, {
      name: 'large', n: 200_003, d: 64, models: 16, config: { loss: 'logistic', optimizer: 'adam', batchSize: 4096, l1: 0, wd: 0.0001, useBias: true },
    });
  });

  test('the loader picks CUDA for Linear Learner when a device is usable, and the CPU for shapes too wide for it', async () => {
    const kernels = loadKernels({ log: () => undefined });
    expect(kernels.backend).toBe('cuda');
    await expectSameAsCpu(kernels.linearEpoch, CASES[0]);
    await expectSameAsCpu(kernels.linearEpoch, {
      name: 'wide', n: 40, d: 13_000, models: 1, config: { loss: 'logistic', optimizer: 'sgd', batchSize: 16, l1: 0, wd: 0, useBias: true },
    });
  });
});
