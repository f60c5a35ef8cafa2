import { LinearEpochConfig, LinearEpochKernel, LinearEvaluateKernel, linearSumsWidth, NativeDataset, nativeBinding } from '../../containers/native';
import { collectUntil } from '../helpers/gc';

const native = nativeBinding();
const cudaDevices = native.cudaCompiled && native.cudaDeviceCount ? native.cudaDeviceCount() : 0;

function randomRows(n: number, d: number): { x: Float32Array; y: Float32Array } {
  const x = Float32Array.from({ length: n * d }, () => Math.random() * 8 - 4);
  const y = Float32Array.from({ length: n }, (_, r) => (x[r * d] + 0.5 * x[r * d + 1] > 0 ? 1 : 0));
  return { x, y };
}

const CONFIG: LinearEpochConfig = {
  loss: 'logistic', optimizer: 'adam', batchSize: 100, l1: 0.001, wd: 0.01, useBias: true, learningRates: [0.01, 0.05, 0.1],
};

/** One epoch of three models from zero, on arrays or on a dataset; everything it changed. */
async function epochOf(kernel: LinearEpochKernel, x: Float32Array | NativeDataset, y: Float32Array | null, d: number) {
  const models = CONFIG.learningRates.length;
  const weights = new Float32Array(models * d), bias = new Float32Array(models), moments = new Float32Array(2 * models * d + 2 * models);
  const { losses, step } = await kernel(x, y, d, weights, bias, moments, 2, CONFIG);
  return { weights, bias, moments, losses, step };
}

/** Three models' weights and biases, not zero, for evaluating. */
function modelsOf(d: number, models: number): { weights: Float32Array; bias: Float32Array } {
  return {
    weights: Float32Array.from({ length: models * d }, (_, i) => Math.sin(i * 0.7) * 0.5),
    bias: Float32Array.from({ length: models }, (_, m) => 0.1 * m - 0.1),
  };
}

describe('datasets: rows uploaded once, taken by the kernels in place of x', () => {
  test('a host dataset gives the K-Means kernels exactly what the same rows as an array give', async () => {
    const d = 11, { x } = randomRows(3001, d);
    const centers = x.slice(0, 7 * d);
    const data = await native.createDataset(x, d, null, 'host');
    expect({ n: data.n, d: data.d, place: data.place, bytes: data.bytes, hasLabels: data.hasLabels })
      .toEqual({ n: 3001, d, place: 'host', bytes: 3001 * d * 4, hasLabels: false });
    // The dataset holds a copy: changing the array afterwards changes nothing.
    const original = x.slice();
    x.fill(0);
    for (const kernel of [
      (rows: Float32Array | NativeDataset) => native.kmeansAssignCpu(rows, centers, d),
      (rows: Float32Array | NativeDataset) => native.kmeansAssignCudaHarness(rows, centers, d, 'tiled', 3),
    ]) {
      const fromArray = await kernel(original), fromDataset = await kernel(data);
      expect(Array.from(fromDataset.labels)).toEqual(Array.from(fromArray.labels));
      expect(Array.from(fromDataset.sums)).toEqual(Array.from(fromArray.sums));
      expect(fromDataset.inertia).toBe(fromArray.inertia);
    }
    data.dispose();
  });

  test('a host dataset with labels gives the Linear Learner epoch (CPU and the CUDA step\'s harness) exactly the array results', async () => {
    const d = 9, { x, y } = randomRows(1234, d);
    const data = await native.createDataset(x, d, y, 'host');
    expect(data.bytes).toBe((1234 * d + 1234) * 4);
    for (const kernel of [native.linearEpoch, native.linearEpochCudaHarness]) {
      const fromArrays = await epochOf(kernel, x, y, d), fromDataset = await epochOf(kernel, data, null, d);
      expect(fromDataset.step).toBe(fromArrays.step);
      expect(Array.from(fromDataset.weights)).toEqual(Array.from(fromArrays.weights));
      expect(Array.from(fromDataset.moments)).toEqual(Array.from(fromArrays.moments));
      expect(Array.from(fromDataset.losses)).toEqual(Array.from(fromArrays.losses));
      expect(Math.max(...Array.from(fromDataset.weights, Math.abs))).toBeGreaterThan(1e-3);
    }
    data.dispose();
  });

  test('a host dataset with labels (and a view of it) gives the evaluation (CPU and the CUDA kernel\'s harness) exactly the array sums', async () => {
    // GIVEN rows with labels as a dataset, and three models
    const d = 9, { x, y } = randomRows(2345, d);
    const { weights, bias } = modelsOf(d, 3);
    const data = await native.createDataset(x, d, y, 'host');
    const config = { loss: 'logistic', useBias: true } as const;
    const kernels: [string, LinearEvaluateKernel][] = [
      ['linearEvaluate', native.linearEvaluate],
      ['linearEvaluateCudaHarness', (rows, labels, dd, w, b, c) => native.linearEvaluateCudaHarness(rows, labels, dd, w, b, c, 3)],
    ];
    for (const [name, kernel] of kernels) {
      // WHEN the kernel evaluates the arrays, the dataset, and a view of rows 1000 … 1332
      const fromArrays = await kernel(x, y, d, weights, bias, config), fromDataset = await kernel(data, null, d, weights, bias, config);
      const fromView = await kernel(data.slice(1000, 333), null, d, weights, bias, config);
      const fromSubarrays = await kernel(x.subarray(1000 * d, 1333 * d), y.subarray(1000, 1333), d, weights, bias, config);
      // THEN the sums are the same to the bit, and they count every row
      expect({ name, sums: Array.from(fromDataset) }).toEqual({ name, sums: Array.from(fromArrays) });
      expect({ name, sums: Array.from(fromView) }).toEqual({ name, sums: Array.from(fromSubarrays) });
      const width = linearSumsWidth('logistic');
      expect(fromDataset[width + 4 + 2 * 2] + fromDataset[width + 4 + 2 * 2 + 1]).toBe(2345); // the second model's rows that are 0 and that are 1
    }
    // A dataset's labels are used: y must be null; a dataset without labels has nothing to evaluate against.
    expect(() => native.linearEvaluate(data, y, d, weights, bias, config)).toThrow(/^linearEvaluate: with a dataset, y must be null/);
    const unlabelled = await native.createDataset(x, d, null, 'host');
    expect(() => native.linearEvaluateCudaHarness(unlabelled, null, d, weights, bias, config, 1)).toThrow(/^linearEvaluateCudaHarness: the dataset has no labels/);
    expect(() => native.linearEvaluate(data, null, d + 1, new Float32Array(3 * (d + 1)), bias, config)).toThrow(/^linearEvaluate: the dataset has d = 9 features, not 10$/);
    // A softmax label that is not a class index is refused from the dataset's labels too.
    const classes = await native.createDataset(x.subarray(0, 2 * d), d, Float32Array.of(0, 7), 'host');
    await expect(native.linearEvaluateCudaHarness(classes, null, d, new Float32Array(3 * d), new Float32Array(3), { loss: 'softmax_loss', classes: 3, useBias: true }, 1))
      .rejects.toThrow(/linearEvaluateCudaHarness: a label is not a class index/);
    for (const held of [data, unlabelled, classes]) held.dispose();
    expect(() => native.linearEvaluate(data, null, d, weights, bias, config)).toThrow(/^linearEvaluate: the dataset was disposed$/);
  });

  test('the CUDA kernels\' shape rules are exported: which evaluations fit a block, and which K-Means kernel is chosen', () => {
    // Few columns fit a block; a softmax of 100 classes over 40 models does not (its sums alone overflow shared memory).
    expect(native.linearEvaluateCudaFits(10, 8, { loss: 'logistic', useBias: true })).toBe(true);
    expect(native.linearEvaluateCudaFits(5, 4000, { loss: 'softmax_loss', classes: 100, useBias: true })).toBe(false);
    expect(native.linearEvaluateCudaFits(5, 8, { loss: 'cubic' as any, useBias: true })).toBe(false);
    // Up to 64 centers that fit in shared memory stay resident; more are tiled.
    expect(native.kmeansAssignCudaKernel(5, 2)).toBe('resident');
    expect(native.kmeansAssignCudaKernel(64, 32)).toBe('resident');
    expect(native.kmeansAssignCudaKernel(65, 2)).toBe('tiled');
    expect(native.kmeansAssignCudaKernel(10, 12289)).toBe('tiled');
    expect(() => native.kmeansAssignCudaKernel(0, 2)).toThrow(/^kmeansAssignCudaKernel\(k, d\): whole numbers of at least 1$/);
  });

  test('dispose() frees the dataset at once; a kernel already running on it keeps it until it finishes', async () => {
    const d = 16, { x } = randomRows(200_000, d);
    const before = native.datasetsLive();
    const data = await native.createDataset(x, d, null, 'host');
    expect(native.datasetsLive()).toBe(before + 1);
    const running = native.kmeansAssignCpu(data, x.slice(0, 5 * d), d);
    data.dispose();
    data.dispose(); // a second call does nothing
    const result = await running;
    expect(result.labels.length).toBe(200_000);
    expect(native.datasetsLive()).toBe(before);
    expect(() => native.kmeansAssignCpu(data, x.slice(0, d), d)).toThrow(/^kmeansAssignCpu: the dataset was disposed$/);
    expect(() => native.linearEpoch(data, null, d, new Float32Array(d), new Float32Array(1), new Float32Array(2 * d + 2), 0, { ...CONFIG, learningRates: [0.1] }))
      .toThrow(/^linearEpoch: the dataset was disposed$/);
  });

  test('garbage collection frees a dataset that was never disposed', async () => {
    const before = native.datasetsLive();
    await (async () => {
      const data = await native.createDataset(new Float32Array(4096), 4, null, 'host');
      expect(data.n).toBe(1024);
    })();
    expect(native.datasetsLive()).toBe(before + 1);
    expect(await collectUntil(() => native.datasetsLive() === before)).toBe(true);
  });

  test('views (slice) of consecutive rows give the kernels what the same subarrays give; disposing the dataset ends them', async () => {
    const d = 7, { x, y } = randomRows(5000, d);
    const centers = x.slice(0, 5 * d);
    const before = native.datasetsLive();
    const data = await native.createDataset(x, d, y, 'host');
    const batch = data.slice(1200, 1000), inner = batch.slice(100, 333);
    expect({ n: batch.n, d: batch.d, bytes: batch.bytes }).toEqual({ n: 1000, d, bytes: 1000 * (d + 1) * 4 });
    for (const [view, first, rows] of [[batch, 1200, 1000], [inner, 1300, 333]] as const) {
      const fromArray = await native.kmeansAssignCpu(x.subarray(first * d, (first + rows) * d), centers, d);
      const fromView = await native.kmeansAssignCpu(view, centers, d);
      expect(Array.from(fromView.labels)).toEqual(Array.from(fromArray.labels));
      expect(Array.from(fromView.sums)).toEqual(Array.from(fromArray.sums));
      const epochArrays = await epochOf(native.linearEpoch, x.subarray(first * d, (first + rows) * d), y.subarray(first, first + rows), d);
      const epochView = await epochOf(native.linearEpoch, view, null, d);
      expect(Array.from(epochView.weights)).toEqual(Array.from(epochArrays.weights));
      expect(Array.from(epochView.losses)).toEqual(Array.from(epochArrays.losses));
    }
    expect(() => data.slice(4500, 501)).toThrow(/^slice\(first, rows\): whole numbers with first \+ rows <= 5000/);
    expect(() => batch.slice(0, 1001)).toThrow(/<= 1000 \(the rows here\)/);
    // A view does not keep the dataset: disposing it frees the rows and ends the views.
    data.dispose();
    expect(native.datasetsLive()).toBe(before);
    expect(() => native.kmeansAssignCpu(batch, centers, d)).toThrow(/^kmeansAssignCpu: the dataset was disposed$/);
    expect(() => inner.slice(0, 1)).toThrow(/^slice: the dataset was disposed$/);
  });

  test('bad rows and misuse are refused, naming the kernel and the problem', async () => {
    // The rows are checked once, when the dataset is made: no kernel takes NaN or infinite values;
    // a dataset refused is not counted as alive.
    const live = native.datasetsLive();
    await expect(native.createDataset(Float32Array.from([1, 2, 3, NaN, 5, 6]), 2, null, 'host')).rejects.toThrow(/^createDataset: x\[3\] is not finite$/);
    expect(native.datasetsLive()).toBe(live);
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const data = await native.createDataset(x, 2, null, 'host');
    expect(() => native.kmeansAssignCpu(data, Float32Array.from([0, 0, 0]), 3)).toThrow(/^kmeansAssignCpu: the dataset has d = 2 features, not 3$/);
    expect(() => native.linearEpoch(data, null, 2, new Float32Array(2), new Float32Array(1), new Float32Array(6), 0, { ...CONFIG, learningRates: [0.1] }))
      .toThrow(/^linearEpoch: the dataset has no labels/);
    expect(() => native.createDataset(new Float32Array(5), 2, null, 'host')).toThrow(/^createDataset: x \(5 values\) must be whole rows of d = 2/);
    expect(() => native.createDataset(new Float32Array(4), 2, new Float32Array(3), 'host')).toThrow(/^createDataset: y has 3 labels for 2 rows$/);
    expect(() => native.createDataset(new Float32Array(4), 2, null, 'disk' as any)).toThrow(/^createDataset: place must be 'host' or 'cuda', got 'disk'$/);
    expect(() => native.kmeansAssignCpu({ handle: {} } as any, Float32Array.from([0, 0]), 2)).toThrow(/kmeansAssignCpu\(x: Float32Array \| dataset/);
    if (!native.cudaCompiled) {
      await expect(native.createDataset(new Float32Array(4), 2, null, 'cuda')).rejects.toThrow(/^dataset: this build has no CUDA kernels/);
    }
    data.dispose();
  });
});

const onGpu = cudaDevices > 0 ? describe : describe.skip;

onGpu('datasets on the GPU (skipped: no CUDA device)', () => {
  test('K-Means on rows resident on the GPU: the same as from host rows', async () => {
    const d = 32, { x } = randomRows(50_000, d);
    const centers = x.slice(0, 16 * d);
    const data = await native.createDataset(x, d, null, 'cuda');
    const fromHost = await native.kmeansAssignCuda!(x, centers, d), resident = await native.kmeansAssignCuda!(data, centers, d);
    expect(Array.from(resident.labels)).toEqual(Array.from(fromHost.labels));
    expect(Array.from(resident.counts)).toEqual(Array.from(fromHost.counts));
    // A CPU kernel cannot read the GPU's memory: refused by name.
    await expect(native.kmeansAssignCpu(data, centers, d)).rejects.toThrow(/^kmeansAssignCpu: the dataset is on the GPU/);
    data.dispose();
  });

  test('the Linear Learner epoch (one CUDA graph) on rows resident on the GPU: the same as from host rows', async () => {
    const d = 21, { x, y } = randomRows(20_011, d);
    const data = await native.createDataset(x, d, y, 'cuda');
    const fromHost = await epochOf(native.linearEpochCuda!, x, y, d), resident = await epochOf(native.linearEpochCuda!, data, null, d);
    expect(Array.from(resident.weights)).toEqual(Array.from(fromHost.weights));
    expect(Array.from(resident.losses)).toEqual(Array.from(fromHost.losses));
    data.dispose();
  });

  test('the Linear Learner evaluation on rows resident on the GPU: the same sums as from host rows', async () => {
    const d = 21, { x, y } = randomRows(20_011, d);
    const { weights, bias } = modelsOf(d, 3);
    const config = { loss: 'logistic', useBias: true } as const;
    const data = await native.createDataset(x, d, y, 'cuda');
    const fromHost = await native.linearEvaluateCuda!(x, y, d, weights, bias, config), resident = await native.linearEvaluateCuda!(data, null, d, weights, bias, config);
    expect(Array.from(resident)).toEqual(Array.from(fromHost));
    const view = await native.linearEvaluateCuda!(data.slice(5000, 777), null, d, weights, bias, config);
    expect(Array.from(view)).toEqual(Array.from(await native.linearEvaluateCuda!(x.subarray(5000 * d, 5777 * d), y.subarray(5000, 5777), d, weights, bias, config)));
    await expect(native.linearEvaluate(data, null, d, weights, bias, config)).rejects.toThrow(/^linearEvaluate: the dataset is on the GPU/);
    data.dispose();
  });
});
