import { sumsOf, Predictor } from '../../containers/linear-learner/metrics';
import { LINEAR_SUMS, LinearEvaluateConfig, LinearEvaluateKernel, linearCountedClasses, linearSumsWidth, loadKernels, nativeBinding } from '../../containers/native';

interface Case {
  readonly name: string;
  readonly n: number;
  readonly d: number;
  readonly models: number;
  readonly config: LinearEvaluateConfig;
}

// Odd sizes: rows that are not whole chunks of a block, d and model counts that are not multiples
// of eight, n smaller than a block's rows, and enough rows for the CPU kernel to split them.
const CASES: Case[] = [
  { name: 'logistic, 5 models', n: 1037, d: 13, models: 5, config: { loss: 'logistic', useBias: true } },
  { name: 'hinge loss, 9 models', n: 777, d: 33, models: 9, config: { loss: 'hinge_loss', useBias: true } },
  { name: 'squared loss, no bias (the biases are ignored)', n: 500, d: 40, models: 3, config: { loss: 'squared_loss', useBias: false } },
  { name: 'absolute loss', n: 300, d: 7, models: 2, config: { loss: 'absolute_loss', useBias: true } },
  { name: 'softmax, 3 classes', n: 400, d: 6, models: 4, config: { loss: 'softmax_loss', classes: 3, useBias: true } },
  { name: 'softmax, 11 classes', n: 250, d: 17, models: 2, config: { loss: 'softmax_loss', classes: 11, useBias: true } },
  { name: 'weights too many to stage in shared memory (30 x 301)', n: 200, d: 300, models: 30, config: { loss: 'logistic', useBias: true } },
  { name: 'rows split between threads (20,011 rows)', n: 20011, d: 9, models: 8, config: { loss: 'logistic', useBias: true } },
  { name: 'three rows', n: 3, d: 5, models: 1, config: { loss: 'squared_loss', useBias: true } },
];

const predictorOf = (c: LinearEvaluateConfig): Predictor =>
  (c.loss === 'softmax_loss' ? 'multiclass_classifier' : c.loss === 'logistic' || c.loss === 'hinge_loss' ? 'binary_classifier' : 'regressor');

/** Fresh random rows, labels of the loss's kind, and models' weights and biases. */
function problem(c: Case) {
  const classes = c.config.classes ?? 1, columns = c.models * classes;
  const x = Float32Array.from({ length: c.n * c.d }, () => Math.random() * 4 - 2);
  const weights = Float32Array.from({ length: columns * c.d }, () => Math.random() - 0.5);
  const bias = Float32Array.from({ length: columns }, () => Math.random() - 0.5);
  const y = Float32Array.from({ length: c.n }, () => {
    if (classes > 1) return Math.floor(Math.random() * classes);
    return predictorOf(c.config) === 'binary_classifier' ? (Math.random() < 0.5 ? 0 : 1) : Math.random() * 6 - 3;
  });
  return { x, y, weights, bias };
}

/**
 * The float64 reference: each model's scores in float64, summed by `sumsOf`. Also how many rows
 * lie within float32 rounding of a decision (|score| < 1e-4, or a multiclass row's two largest
 * scores that close): the kernels score in float32, so those rows may be counted either way.
 */
function reference(c: Case, p: ReturnType<typeof problem>): { sums: Float64Array[]; ambiguous: number } {
  const classes = c.config.classes ?? 1;
  let ambiguous = 0;
  const sums = Array.from({ length: c.models }, (_, model) => {
    const scores = new Float32Array(c.n * classes);
    for (let row = 0; row < c.n; row++) {
      const own: number[] = [];
      for (let k = 0; k < classes; k++) {
        const column = model * classes + k;
        let score = c.config.useBias ? p.bias[column] : 0;
        for (let j = 0; j < c.d; j++) score += p.weights[column * c.d + j] * p.x[row * c.d + j];
        scores[row * classes + k] = score;
        own.push(score);
      }
      const sorted = [...own].sort((a, b) => b - a);
      if (classes === 1 ? Math.abs(sorted[0]) < 1e-4 : sorted[0] - sorted[1] < 1e-4) ambiguous++;
    }
    return sumsOf(scores, p.y, predictorOf(c.config), c.config.loss);
  });
  return { sums, ambiguous };
}

/** Losses and errors agree to float32 scoring's precision; counts exactly, but for ambiguous rows. */
async function expectReferenceSums(kernel: LinearEvaluateKernel, c: Case): Promise<void> {
  const p = problem(c);
  const expected = reference(c, p);
  const width = linearSumsWidth(c.config.loss, c.config.classes);
  const sums = await kernel(p.x, p.y, c.d, p.weights, p.bias, c.config);
  expect(sums).toHaveLength(c.models * width);
  const counted = linearCountedClasses(c.config.loss, c.config.classes);
  for (let model = 0; model < c.models; model++) {
    const got = sums.subarray(model * width, (model + 1) * width), want = expected.sums[model];
    for (const field of [LINEAR_SUMS.loss, LINEAR_SUMS.squared, LINEAR_SUMS.absolute]) {
      expect(Math.abs(got[field] - want[field])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[field])));
    }
    for (let field = LINEAR_SUMS.correct; field < width; field++) {
      expect(Math.abs(got[field] - want[field])).toBeLessThanOrEqual(expected.ambiguous);
    }
    // Every row is counted once under its true class, whatever was predicted.
    const actual = got.subarray(LINEAR_SUMS.counts + 2 * counted, LINEAR_SUMS.counts + 3 * counted);
    expect(actual.reduce((total, v) => total + v, 0)).toBe(counted ? c.n : 0);
  }
}

describe('Linear Learner evaluation on the CPU: every model\'s metric sums in one pass', () => {
  test.each(CASES)('$name: the sums of float64 scores', async (c) => {
    await expectReferenceSums(nativeBinding().linearEvaluate, c);
  });

  test('bad input is refused with a reason before anything runs', async () => {
    const native = nativeBinding();
    const x = new Float32Array(6), weights = new Float32Array(3), bias = new Float32Array(1);
    await expect(native.linearEvaluate(x, new Float32Array(2), 3, weights, bias, { loss: 'cubic' as any, useBias: true })).rejects.toThrow(/linearEvaluate: unknown loss cubic/);
    await expect(native.linearEvaluate(x, Float32Array.from([0, 5]), 3, new Float32Array(9), new Float32Array(3), { loss: 'softmax_loss', classes: 3, useBias: true }))
      .rejects.toThrow(/linearEvaluate: a label is not a class index/);
    expect(() => native.linearEvaluate(x, new Float32Array(3), 3, weights, bias, { loss: 'logistic', useBias: true })).toThrow(/shapes do not fit/);
    expect(() => native.linearEvaluate(new Float64Array(6) as any, new Float32Array(2), 3, weights, bias, { loss: 'logistic', useBias: true }))
      .toThrow(/^linearEvaluate: x must be a Float32Array$/);
  });
});

// Every vector path this machine supports (the x86-64 baseline, AVX2, AVX-512), forced in turn.
describe.each(nativeBinding().cpuPaths)('Linear Learner evaluation on the CPU\'s %s path', (path) => {
  beforeAll(() => nativeBinding().setCpuPath(path as 'baseline' | 'avx2' | 'avx512'));
  afterAll(() => nativeBinding().setCpuPath('auto'));

  test.each(CASES)('$name: the sums of float64 scores', async (c) => {
    await expectReferenceSums(nativeBinding().linearEvaluate, c);
  });
});

describe('the CUDA Linear Learner evaluation\'s code, run block by block on the CPU', () => {
  // One block walks every chunk; three and seven blocks stride over chunks of rows.
  test.each(CASES.flatMap((c) => [1, 3, 7].map((grid) => ({ ...c, grid }))))('$name, $grid block(s)', async ({ grid, ...c }) => {
    await expectReferenceSums((x, y, d, w, b, config) => nativeBinding().linearEvaluateCudaHarness(x, y, d, w, b, config, grid), c);
  });

  test('sums too many for a block\'s shared memory are refused by the kernel (the loader evaluates those on the CPU)', async () => {
    // 40 models of 100 classes: 40 x 304 sums, more doubles than a block's 48 KiB hold.
    const c: Case = { name: 'wide', n: 3, d: 5, models: 40, config: { loss: 'softmax_loss', classes: 100, useBias: true } };
    const p = problem(c);
    await expect(nativeBinding().linearEvaluateCudaHarness(p.x, p.y, c.d, p.weights, p.bias, c.config, 1))
      .rejects.toThrow(/linearEvaluateCudaHarness: d, the weight columns and the classes are too many for one block's shared memory/);
  });

  test('a grid of no blocks is refused', () => {
    const native = nativeBinding();
    expect(() => native.linearEvaluateCudaHarness(new Float32Array(2), new Float32Array(1), 2, new Float32Array(2), new Float32Array(1), { loss: 'logistic', useBias: true }, 0))
      .toThrow(/gridBlocks must be a whole number of at least 1/);
  });
});

describe('the loader\'s Linear Learner evaluation', () => {
  test('forced to the CPU, it is the CPU kernel with its name on errors', async () => {
    const kernels = loadKernels({ backend: 'cpu', log: () => undefined });
    await expectReferenceSums(kernels.linearEvaluate, CASES[0]);
    await expect(kernels.linearEvaluate(new Float32Array(2), new Float32Array(1), 2, new Float32Array(2), new Float32Array(1), { loss: 'cubic' as any, useBias: true }))
      .rejects.toThrow(/^linearEvaluate \(CPU\) failed: linearEvaluate: unknown loss cubic/);
  });
});

const cudaDevices = (() => {
  const native = nativeBinding();
  return native.cudaCompiled && native.cudaDeviceCount ? native.cudaDeviceCount() : 0;
})();
const onGpu = cudaDevices > 0 ? describe : describe.skip;

onGpu(`the Linear Learner evaluation on the GPU (${cudaDevices > 0 ? `${cudaDevices} device(s)` : 'skipped: no CUDA device here'})`, () => {
  test.each(CASES)('$name: the sums of float64 scores', async (c) => {
    await expectReferenceSums(nativeBinding().linearEvaluateCuda!, c);
  });

  test('many blocks, each striding over many chunks (n = 200,003, d = 64, 16 models)', async () => {
    await expectReferenceSums(nativeBinding().linearEvaluateCuda!, { name: 'large', n: 200003, d: 64, models: 16, config: { loss: 'logistic', useBias: true } });
  });

  test('the loader evaluates on CUDA when a device is usable, and on the CPU for sums too wide for a block', async () => {
    const kernels = loadKernels({ log: () => undefined });
    expect(kernels.backend).toBe('cuda');
    await expectReferenceSums(kernels.linearEvaluate, CASES[4]);
    // 40 models of 100 classes: 40 x 304 sums take more shared memory than a block has.
    await expectReferenceSums(kernels.linearEvaluate, { name: 'wide', n: 301, d: 5, models: 40, config: { loss: 'softmax_loss', classes: 100, useBias: true } });
  });
});
