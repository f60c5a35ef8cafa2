// Kernels.place: a channel's rows placed once where one backend's kernels read them. The CPU
// backend keeps the caller's arrays (no copy); the CUDA harness test backend
// (SAGEMAKER_NATIVE_TEST_CUDA_HARNESS=1) copies them once into a host dataset and runs the CUDA
// kernels' per-thread code on it, as the CUDA backend does with a dataset on the GPU.
import { LinearEpochConfig, LinearEpochKernel, loadKernels, nativeBinding, PlacedRows, placementLine, rowTraffic } from '../../containers/native';

const native = nativeBinding();
const HARNESS = 'SAGEMAKER_NATIVE_TEST_CUDA_HARNESS';

function randomRows(n: number, d: number, seed = 1): { x: Float32Array; y: Float32Array } {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const x = Float32Array.from({ length: n * d }, () => next() * 8 - 4);
  const y = Float32Array.from({ length: n }, (_, r) => (x[r * d] + 0.5 * x[r * d + 1] > 0 ? 1 : 0));
  return { x, y };
}

const CONFIG: LinearEpochConfig = {
  loss: 'logistic', optimizer: 'adam', batchSize: 64, l1: 0.001, wd: 0.01, useBias: true, learningRates: [0.01, 0.05, 0.1],
};

/** One epoch of three models from zero on the kernel given; the models and losses. */
async function epochOf<Rows>(kernel: LinearEpochKernel<Rows>, x: Rows, y: Float32Array | null, d: number) {
  const m = CONFIG.learningRates.length;
  const weights = new Float32Array(m * d), bias = new Float32Array(m), moments = new Float32Array(2 * m * d + 2 * m);
  const { losses, step } = await kernel(x, y, d, weights, bias, moments, 0, CONFIG);
  return { weights, bias, losses: Array.from(losses), step };
}

const quiet = { log: () => undefined };

describe('Kernels.place on the CPU backend: the caller\'s arrays, not copied', () => {
  test('placed rows and their views give the CPU kernels exactly what the arrays give, and copy nothing', async () => {
    // GIVEN the CPU kernels and 3,000 labelled rows
    const kernels = loadKernels({ backend: 'cpu', ...quiet });
    const d = 7, { x, y } = randomRows(3000, d);
    const centers = x.slice(0, 5 * d);
    const live = native.datasetsLive(), before = rowTraffic();
    // WHEN the rows are placed
    const placed = await kernels.place(x, d, y);
    // THEN nothing was copied: no dataset, no bytes, one placement counted
    expect({ n: placed.n, d: placed.d, place: placed.place, bytes: placed.bytes, hasLabels: placed.hasLabels })
      .toEqual({ n: 3000, d, place: 'arrays', bytes: 0, hasLabels: true });
    expect(native.datasetsLive()).toBe(live);
    expect(rowTraffic()).toEqual({ ...before, placements: before.placements + 1 });
    // AND every kernel on the placed rows (and on a view) gives what it gives on the arrays
    const view = placed.slice(1000, 999);
    expect(Array.from((await kernels.kmeansAssign(view, centers, d)).labels))
      .toEqual(Array.from((await kernels.kmeansAssign(x.subarray(1000 * d, 1999 * d), centers, d)).labels));
    expect(await epochOf<Float32Array | PlacedRows>(kernels.linearEpoch, placed, null, d)).toEqual(await epochOf(native.linearEpoch, x, y, d));
    expect(Array.from(await kernels.linearEvaluate(view, null, d, new Float32Array(3 * d).fill(0.1), new Float32Array(3), CONFIG)))
      .toEqual(Array.from(await kernels.linearEvaluate(x.subarray(1000 * d, 1999 * d), y.subarray(1000, 1999), d, new Float32Array(3 * d).fill(0.1), new Float32Array(3), CONFIG)));
    // AND the placement holds the arrays by reference: a change to them is what the kernels read
    const firstRow = x.slice(0, d);
    x.fill(9, 0, d);
    expect((await kernels.kmeansAssign(placed.slice(0, 1), Float32Array.from([...Array(d).fill(9), ...firstRow]), d)).labels[0]).toBe(0);
    // AND no kernel call had to copy rows
    expect(rowTraffic().unplacedCalls).toBe(before.unplacedCalls);
    placed.dispose();
  });

  test('disposed rows, labels given twice, and bad shapes are refused, naming the kernel', async () => {
    const kernels = loadKernels({ backend: 'cpu', ...quiet });
    const d = 3, { x, y } = randomRows(10, d);
    const placed = await kernels.place(x, d, y), unlabelled = await kernels.place(x, d);
    await expect(kernels.linearEpoch(placed, y, d, new Float32Array(3 * d), new Float32Array(3), new Float32Array(6 * d + 6), 0, CONFIG))
      .rejects.toThrow(/^linearEpoch \(CPU\) failed: linearEpoch: with placed rows, y must be null/);
    await expect(kernels.linearEvaluate(unlabelled, null, d, new Float32Array(3 * d), new Float32Array(3), CONFIG))
      .rejects.toThrow(/^linearEvaluate \(CPU\) failed: linearEvaluate: the rows were placed without labels/);
    expect(() => placed.slice(5, 6)).toThrow(/^slice\(first, rows\): whole numbers with first \+ rows <= 10 \(the rows here\)$/);
    const view = placed.slice(2, 3);
    placed.dispose();
    await expect(kernels.kmeansAssign(view, x.slice(0, d), d)).rejects.toThrow(/^kmeansAssign \(CPU\) failed: kmeansAssign: the placed rows were disposed$/);
    expect(() => placed.slice(0, 1)).toThrow(/^slice: the placed rows were disposed$/);
    // Disposing a view forgets only the view.
    const other = unlabelled.slice(0, 4);
    other.dispose();
    await expect(kernels.kmeansAssign(other, x.slice(0, d), d)).rejects.toThrow(/the placed rows were disposed/);
    expect((await kernels.kmeansAssign(unlabelled, x.slice(0, d), d)).labels).toHaveLength(10);
    unlabelled.dispose();
    await expect(kernels.place(new Float32Array(5), 2)).rejects.toThrow(/^place: x \(5 values\) must be whole rows of d = 2/);
    await expect(kernels.place(new Float32Array(4), 2, new Float32Array(3))).rejects.toThrow(/^place: y has 3 labels for 2 rows$/);
  });
});

describe('Kernels.place on the CUDA harness (SAGEMAKER_NATIVE_TEST_CUDA_HARNESS=1): one copy, the CUDA kernels\' code', () => {
  beforeEach(() => { process.env[HARNESS] = '1'; });
  afterEach(() => { delete process.env[HARNESS]; });

  test('a non-cpu backend is the harness; the CPU backend stays the CPU; other values are refused', () => {
    const messages: string[] = [];
    const kernels = loadKernels({ log: (message) => messages.push(message) });
    expect(kernels.backend).toBe('cuda-harness');
    expect(messages).toEqual([expect.stringMatching(/^native kernels: CUDA harness \(the CUDA kernels' per-thread code on the CPU/)]);
    expect(loadKernels({ backend: 'cuda', ...quiet }).backend).toBe('cuda-harness');
    expect(loadKernels({ backend: 'cpu', ...quiet }).backend).toBe('cpu');
    process.env[HARNESS] = 'yes';
    expect(() => loadKernels(quiet)).toThrow(/^SAGEMAKER_NATIVE_TEST_CUDA_HARNESS is "yes": set it to 1/);
  });

  test('rows are copied once into a dataset; the kernels on it give the CUDA harness\'s results on the arrays; dispose frees it', async () => {
    // GIVEN the harness backend and 2,500 labelled rows
    const kernels = loadKernels(quiet);
    const d = 6, { x, y } = randomRows(2500, d, 7);
    const live = native.datasetsLive(), before = rowTraffic();
    // WHEN the rows are placed
    const placed = await kernels.place(x, d, y);
    // THEN one dataset holds their copy
    expect({ place: placed.place, bytes: placed.bytes }).toEqual({ place: 'host', bytes: 2500 * (d + 1) * 4 });
    expect(native.datasetsLive()).toBe(live + 1);
    expect(rowTraffic()).toEqual({ placements: before.placements + 1, placedBytes: before.placedBytes + 2500 * (d + 1) * 4, unplacedCalls: before.unplacedCalls });
    // AND K-Means on a view runs the kernel CUDA would choose (resident for 5 centers, tiled for 100)
    for (const k of [5, 100]) {
      const centers = x.slice(0, k * d);
      const expected = await native.kmeansAssignCudaHarness(x.subarray(500 * d, 2100 * d), centers, d, k === 5 ? 'resident' : 'tiled', 3);
      const got = await kernels.kmeansAssign(placed.slice(500, 1600), centers, d);
      expect(Array.from(got.labels)).toEqual(Array.from(expected.labels));
      expect(Array.from(got.sums)).toEqual(Array.from(expected.sums));
    }
    // AND the epoch and the evaluation are the CUDA step's and evaluation's harness on the same rows
    const trained = await epochOf<Float32Array | PlacedRows>(kernels.linearEpoch, placed, null, d);
    expect(trained).toEqual(await epochOf(native.linearEpochCudaHarness, x, y, d));
    const { weights, bias } = trained;
    expect(Array.from(await kernels.linearEvaluate(placed, null, d, weights, bias, CONFIG)))
      .toEqual(Array.from(await native.linearEvaluateCudaHarness(x, y, d, weights, bias, CONFIG, 3)));
    // AND none of those calls copied rows; a call given arrays does, and is counted
    expect(rowTraffic().unplacedCalls).toBe(before.unplacedCalls);
    await kernels.kmeansAssign(x, x.slice(0, d), d);
    expect(rowTraffic().unplacedCalls).toBe(before.unplacedCalls + 1);
    // AND dispose frees the copy at once; its views end with it
    const view = placed.slice(0, 10);
    placed.dispose();
    expect(native.datasetsLive()).toBe(live);
    await expect(kernels.kmeansAssign(view, x.slice(0, d), d)).rejects.toThrow(/^kmeansAssign \(CUDA harness\) failed: kmeansAssign: the placed rows were disposed$/);
  });

  test('models too wide for a CUDA block train and are evaluated on the CPU kernels, from the host arrays', async () => {
    // GIVEN a softmax of 100 classes over 40 models: its evaluation does not fit a block
    const kernels = loadKernels(quiet);
    const d = 5, n = 301, classes = 100, config = { loss: 'softmax_loss', classes, useBias: true } as const;
    const { x } = randomRows(n, d, 3);
    const y = Float32Array.from({ length: n }, (_, r) => r % classes);
    expect(native.linearEvaluateCudaFits(d, 40 * classes, config)).toBe(false);
    const placed = await kernels.place(x, d, y);
    const weights = Float32Array.from({ length: 40 * classes * d }, (_, i) => Math.cos(i)), bias = new Float32Array(40 * classes);
    // WHEN it is evaluated on the placed rows
    const sums = await kernels.linearEvaluate(placed, null, d, weights, bias, config);
    // THEN the CPU kernel's sums on the arrays
    expect(Array.from(sums)).toEqual(Array.from(await native.linearEvaluate(x, y, d, weights, bias, config)));
    placed.dispose();
  });

  test('rows left in host memory (as when the GPU\'s memory cannot hold them) are copied by each call, and counted', async () => {
    // GIVEN rows that were not copied: placed by the CPU kernels, as the CUDA backend leaves rows its GPU cannot hold
    const gpu = loadKernels(quiet), cpu = loadKernels({ backend: 'cpu', ...quiet });
    const d = 4, { x, y } = randomRows(700, d, 5);
    const inHost = await cpu.place(x, d, y);
    const before = rowTraffic();
    // WHEN the GPU kernels are given them
    const centers = x.slice(0, 3 * d);
    const assigned = await gpu.kmeansAssign(inHost.slice(100, 400), centers, d);
    const trained = await epochOf<Float32Array | PlacedRows>(gpu.linearEpoch, inHost, null, d);
    // THEN they train as on the arrays, each call copying its own rows (counted)
    expect(Array.from(assigned.labels)).toEqual(Array.from((await gpu.kmeansAssign(x.subarray(100 * d, 500 * d), centers, d)).labels));
    expect(trained).toEqual(await epochOf(native.linearEpochCudaHarness, x, y, d));
    expect(rowTraffic().unplacedCalls - before.unplacedCalls).toBe(3);
    inHost.dispose();
    // AND the job's log says why such rows stayed in host memory
    const line = placementLine('train', { n: 700, d, hasLabels: true, place: 'arrays', bytes: 0, notCopied: '0.0 MiB: dataset (CUDA): cudaMalloc(rows) failed: out of memory', slice: () => inHost, dispose: () => undefined });
    expect(line).toBe('rows placed: train, 700 × 4, in host memory (the GPU\'s memory could not hold them, 0.0 MiB: dataset (CUDA): cudaMalloc(rows) failed: out of memory: each kernel call copies its rows)');
  });

  test('rows that are not finite are refused when placed, as a dataset refuses them', async () => {
    const kernels = loadKernels(quiet);
    const live = native.datasetsLive();
    await expect(kernels.place(Float32Array.of(1, 2, Infinity, 4), 2)).rejects.toThrow(/^createDataset: x\[2\] is not finite$/);
    expect(native.datasetsLive()).toBe(live);
  });
});
