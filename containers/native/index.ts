/**
 * The typed binding of the companion containers' native kernels, and the one loader that picks
 * the CUDA kernels when a device is usable, else the CPU kernels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One K-Means assignment pass: labels and distances per row, and the next Lloyd step's sums and counts. */
export interface KMeansAssignment {
  /** The closest center of each row. */
  readonly labels: Int32Array;
  /** The squared distance of each row to its center. */
  readonly distances: Float32Array;
  /** k × d: the sum of the rows assigned to each center (float64). */
  readonly sums: Float64Array;
  /** k: the number of rows assigned to each center. */
  readonly counts: Float64Array;
  /** The sum of the squared distances. */
  readonly inertia: number;
}

/**
 * Training rows (and labels) copied once, into host memory or onto the GPU, for kernels to take in
 * place of x (and y): a K-Means or Linear Learner job uploads its rows once instead of once per
 * iteration or epoch. `dispose()` frees them at once (a kernel already running on them keeps them
 * until it finishes); garbage collection frees a dataset never disposed. Rows that are NaN or
 * infinite are refused when it is made.
 */
export interface NativeDataset {
  readonly n: number;
  readonly d: number;
  readonly place: 'host' | 'cuda';
  /** Bytes held in its place (rows and labels). */
  readonly bytes: number;
  readonly hasLabels: boolean;
  dispose(): void;
  /** A view of rows first … first + rows − 1 (a mini-batch), taken by the kernels the same way; disposing the dataset ends its views. */
  slice(first: number, rows: number): NativeDataset;
}

/** Exactly what the addon exports (src/addon.cc, addon_kmeans.cc, addon_linear.cc, addon_dataset.cc). */
interface NativeBinding {
  /** Copies the rows (and labels) off the event loop; 'cuda' needs the CUDA build. */
  createDataset(x: Float32Array, d: number, y: Float32Array | null, place: 'host' | 'cuda'): Promise<NativeDataset>;
  /** Datasets not yet freed in this process. */
  datasetsLive(): number;
  /** A Float32Array of `length` zeros; from 2 MiB up, on memory advised as transparent huge pages (src/addon_rows.cc). */
  allocateRows(length: number): Float32Array;
  /** Bytes of the array on transparent huge pages (its mappings' AnonHugePages, at most its length; 0 where unreadable). */
  hugePageBytes(array: Float32Array): number;
  kmeansAssignCpu(x: Float32Array | NativeDataset, centers: Float32Array, d: number): Promise<KMeansAssignment>;
  /** One of the CUDA kernels' per-thread code run on the CPU, block by block (a persistent grid of `gridBlocks` for `resident`). */
  kmeansAssignCudaHarness(x: Float32Array | NativeDataset, centers: Float32Array, d: number, kernel: 'resident' | 'resident-registers' | 'resident-shared' | 'tiled' | 'tf32' | 'tf32-wmma', gridBlocks: number): Promise<KMeansAssignment>;
  /** The kernel kmeansAssignCuda chooses by shape for k centers of d features. */
  kmeansAssignCudaKernel(k: number, d: number): 'resident' | 'tiled';
  /** The CPU kernels' vector path in use at load: `avx512`, `avx2+fma` or `x86-64 baseline`. */
  readonly cpuFeatures: string;
  /** The vector paths this machine supports, narrowest first (`baseline`, `avx2`, `avx512`). */
  readonly cpuPaths: string[];
  /** Forces the CPU kernels' vector path (`auto`: the widest supported); returns the one now in use. For tests and benchmarks. */
  setCpuPath(path: 'auto' | 'baseline' | 'avx2' | 'avx512'): string;
  /** Threads the kernels' shared pool has started since load (kernel calls start none). */
  poolThreadsStarted(): number;
  readonly cudaCompiled: boolean;
  cudaDeviceCount?(): number;
  /** The fat binary's targets, e.g. `sm_75 sm_80 compute_120` (SASS as sm_NN, PTX as compute_NN). */
  readonly cudaArchitectures?: string;
  /** Every device's name and compute capability, and whether this binary's code loads on it. */
  cudaDevices?(): CudaDevice[];
  /** The GPU kernel chosen by shape, or the one named. */
  kmeansAssignCuda?(x: Float32Array | NativeDataset, centers: Float32Array, d: number, kernel?: 'resident' | 'resident-registers' | 'resident-shared' | 'tiled' | 'tf32' | 'tf32-wmma'): Promise<KMeansAssignment>;
  linearEpoch: LinearEpochKernel;
  /** The CUDA step's per-thread code run on the CPU, block by block. */
  linearEpochCudaHarness: LinearEpochKernel;
  /** The widest rows the TF32 K-Means kernel keeps in shared memory. */
  readonly kmeansTf32MaxFeatures: number;
  /** Whether the CUDA step takes d features and `columns` weight columns of `models` models. */
  linearEpochCudaFits(d: number, columns: number, models: number): boolean;
  linearEpochCuda?: LinearEpochKernel;
  linearScores(x: Float32Array, d: number, weights: Float32Array, bias: Float32Array, column: number): Float32Array;
  linearEvaluate: LinearEvaluateKernel;
  /** The CUDA evaluation's per-thread code run on the CPU, block by block, over a grid of `gridBlocks`. */
  linearEvaluateCudaHarness(x: Float32Array | NativeDataset, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
    config: LinearEvaluateConfig, gridBlocks: number): Promise<Float64Array>;
  /** Whether the CUDA evaluation (and its harness) takes d features and `columns` weight columns in one block. */
  linearEvaluateCudaFits(d: number, columns: number, config: LinearEvaluateConfig): boolean;
  linearEvaluateCuda?: LinearEvaluateKernel;
}

/**
 * One Linear Learner epoch over the rows, updating the parameters and optimiser state in place; x
 * may be a dataset with labels (y then null), and for the kernels of `loadKernels` rows they placed
 * (`Kernels.place`, y then null).
 */
export type LinearEpochKernel<Rows = Float32Array | NativeDataset> = (x: Rows, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
  moments: Float32Array, step: number, config: LinearEpochConfig) => Promise<{ losses: Float64Array; step: number }>;

/** How one Linear Learner epoch trains its models. */
export interface LinearEpochConfig {
  /** softmax_loss with `classes` of at least 2; the others with one output per model. */
  readonly loss: 'logistic' | 'hinge_loss' | 'squared_loss' | 'absolute_loss' | 'softmax_loss';
  /** Outputs per model: 1 (default), or the number of classes for softmax_loss. */
  readonly classes?: number;
  /** RMSProp keeps a decaying mean of squared gradients (decay 0.9, MXNet's default). */
  readonly optimizer: 'sgd' | 'adam' | 'rmsprop';
  /** Adam's decay of the mean gradient (default 0.9). */
  readonly beta1?: number;
  /** Adam's decay of the mean squared gradient (default 0.999). */
  readonly beta2?: number;
  readonly batchSize: number;
  readonly l1: number;
  readonly wd: number;
  readonly useBias: boolean;
  /** One per model: the models differ by learning rate. */
  readonly learningRates: number[];
}

/** What evaluating models needs to know of their training. */
export type LinearEvaluateConfig = Pick<LinearEpochConfig, 'loss' | 'classes' | 'useBias'>;

/**
 * Every model's sums over labelled rows, from which its metrics follow: models × width doubles,
 * laid out as `LINEAR_SUMS` says (src/linear_eval.h). As for an epoch, x may be a dataset with
 * labels, or rows placed by `Kernels.place` (y then null).
 */
export type LinearEvaluateKernel<Rows = Float32Array | NativeDataset> = (x: Rows, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
  config: LinearEvaluateConfig) => Promise<Float64Array>;

/**
 * Where a model's sums are, `linearSumsWidth` of them: the training loss of every row, the
 * squared and absolute errors (regression), the rows predicted right (classifiers), then for each
 * counted class c (2 for a binary classifier, the classes for softmax_loss, none for regression)
 * the rows predicted c that are c (at `counts + c`), the rows predicted c (`counts + C + c`) and
 * the rows that are c (`counts + 2C + c`).
 */
export const LINEAR_SUMS = { loss: 0, squared: 1, absolute: 2, correct: 3, counts: 4 } as const;

/** Classes counted in the sums: 2 for a binary classifier, the classes of softmax_loss, 0 for regression. */
export function linearCountedClasses(loss: LinearEpochConfig['loss'], classes = 1): number {
  return loss === 'softmax_loss' ? classes : loss === 'logistic' || loss === 'hinge_loss' ? 2 : 0;
}

/** Doubles per model in the sums. */
export function linearSumsWidth(loss: LinearEpochConfig['loss'], classes = 1): number {
  return LINEAR_SUMS.counts + 3 * linearCountedClasses(loss, classes);
}

/** Everything `LinearModels` learns, as JSON-safe numbers (float32 values are exact as doubles). */
export interface LinearModelsState {
  readonly weights: number[];
  readonly bias: number[];
  readonly moments: number[];
  readonly step: number;
}

/**
 * Several linear models trained together, in place: a weight column of d and a bias per model and
 * class (`weights` (m · classes) × d, model k's columns k · classes …), Adam's moments, and the
 * step count. Epochs run on the kernels given (the loader's choice), else on the CPU.
 */
export class LinearModels {
  public readonly weights: Float32Array;
  public readonly bias: Float32Array;
  private readonly moments: Float32Array;
  private step = 0;

  constructor(public readonly models: number, public readonly d: number, public readonly classes = 1, private readonly kernels?: Kernels) {
    const columns = models * classes;
    this.weights = new Float32Array(columns * d);
    this.bias = new Float32Array(columns);
    this.moments = new Float32Array(2 * columns * d + 2 * columns);
  }

  /**
   * One pass over the rows (arrays, or rows with labels placed by the kernels given: y then null);
   * resolves to each model's mean training loss.
   */
  public async epoch(x: Float32Array | PlacedRows, y: Float32Array | null, config: LinearEpochConfig): Promise<Float64Array> {
    try {
      if ((config.classes ?? 1) !== this.classes) throw new Error(`config.classes is ${config.classes ?? 1} but these models have ${this.classes}`);
      const result = this.kernels
        ? await this.kernels.linearEpoch(x, y, this.d, this.weights, this.bias, this.moments, this.step, config)
        : await nativeBinding().linearEpoch(...labelledArrays('linearEpoch', x, y), this.d, this.weights, this.bias, this.moments, this.step, config);
      this.step = result.step;
      return result.losses;
    } catch (error) {
      throw new Error(`linearEpoch failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Every model's metric sums over labelled rows (`LINEAR_SUMS`; rows as for `epoch`), in one pass on the kernels given. */
  public async evaluate(x: Float32Array | PlacedRows, y: Float32Array | null, config: LinearEvaluateConfig): Promise<Float64Array> {
    try {
      if ((config.classes ?? 1) !== this.classes) throw new Error(`config.classes is ${config.classes ?? 1} but these models have ${this.classes}`);
      return this.kernels
        ? await this.kernels.linearEvaluate(x, y, this.d, this.weights, this.bias, config)
        : await nativeBinding().linearEvaluate(...labelledArrays('linearEvaluate', x, y), this.d, this.weights, this.bias, config);
    } catch (error) {
      throw new Error(`linearEvaluate failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Mini-batch updates made so far (what a learning-rate schedule counts). */
  public get steps(): number {
    return this.step;
  }

  /**
   * Sets one model back to zero weights, bias and optimiser state: a diverged model (NaN or
   * infinite) is reset and trained no further (learning rate 0), so NaN never reaches another
   * model's sums, a checkpoint, or the output.
   */
  public reset(model: number): void {
    const columns = this.models * this.classes, first = model * this.classes, d = this.d;
    this.weights.fill(0, first * d, (first + this.classes) * d);
    this.bias.fill(0, first, first + this.classes);
    // Adam's moments: m1 and v1 (columns × d each), then mb and vb (columns each).
    for (const offset of [0, columns * d]) this.moments.fill(0, offset + first * d, offset + (first + this.classes) * d);
    for (const offset of [2 * columns * d, 2 * columns * d + columns]) this.moments.fill(0, offset + first, offset + first + this.classes);
  }

  /** The models and the optimiser's state as plain numbers, for a checkpoint. */
  public state(): LinearModelsState {
    return { weights: Array.from(this.weights), bias: Array.from(this.bias), moments: Array.from(this.moments), step: this.step };
  }

  /** Continues from what `state()` returned (same number of models and features). */
  public restore(state: LinearModelsState): void {
    if (state.weights.length !== this.weights.length || state.bias.length !== this.bias.length || state.moments.length !== this.moments.length) {
      throw new Error(`the saved state is of other models: ${state.weights.length} weights and ${state.bias.length} biases, expected ${this.weights.length} and ${this.bias.length}`);
    }
    this.weights.set(state.weights);
    this.bias.set(state.bias);
    this.moments.set(state.moments);
    this.step = state.step;
  }

  /** The raw scores w·x + b of one model (of one of its classes). */
  public scores(x: Float32Array, model: number, cls = 0): Float32Array {
    return nativeBinding().linearScores(x, this.d, this.weights, this.bias, model * this.classes + cls);
  }
}

/**
 * The Float32Array a training channel's rows are gathered into: every epoch reads all of them, so
 * from 2 MiB up the addon gives them memory advised as transparent huge pages (on 4 KiB pages the
 * TLB misses cost a streamed Linear Learner batch about a fifth; NumPy does the same for its large
 * arrays). A plain Float32Array where the addon does not load (the kernels report that themselves).
 */
export function allocateRows(length: number): Float32Array {
  let native: NativeBinding;
  try {
    native = nativeBinding();
  } catch {
    return new Float32Array(length);
  }
  // A view made here, over the addon's buffer: the addon makes its arrays in the realm it was
  // loaded in, and under a test runner's sandbox `instanceof Float32Array` would not hold for them.
  return new Float32Array(native.allocateRows(length).buffer);
}

/**
 * Where the addon can be: named by SAGEMAKER_NATIVE_ADDON, next to a bundled program (as in the
 * images), or in this package's build folder (development and tests).
 */
const CANDIDATES = [
  ...(process.env.SAGEMAKER_NATIVE_ADDON ? [process.env.SAGEMAKER_NATIVE_ADDON] : []),
  path.join(__dirname, 'sagemaker_native.node'),
  path.join(__dirname, 'build', 'Release', 'sagemaker_native.node'),
];

/**
 * `cpu`, `cuda`, `auto` (CUDA when a device is usable), or `cuda-tf32`: CUDA with K-Means' nearest
 * center searched with TF32 tensor-core products where centers are many (more than 64; rows of at
 * most 368 features). Distances, sums and counts stay float32/float64; only near-ties may pick
 * another center. Compute capability 8.0 or newer.
 */
export type BackendChoice = 'auto' | 'cpu' | 'cuda' | 'cuda-tf32';

export interface LoadOptions {
  /**
   * Which kernels to use; the `_compute_backend` hyperparameter and the
   * `SAGEMAKER_COMPUTE_BACKEND` environment variable set it too.
   */
  readonly backend?: BackendChoice;
  /** Where the choice is reported (once). */
  readonly log?: (message: string) => void;
}

/**
 * A channel's rows (and labels) placed once per job where one backend's kernels read them
 * (`Kernels.place`): the kernels of that `Kernels` take it, or a view of consecutive rows
 * (`slice`, e.g. a mini-batch), in place of x (and y), so a training job copies its rows to the
 * GPU once rather than on every mini-batch, epoch or evaluation.
 *
 * Where they are, `place`: `arrays` on the CPU backend, which copies nothing (the caller's arrays,
 * kept by reference: CPU jobs can be large, and the CPU kernels read host memory anyway); `cuda`
 * on the CUDA backend, a dataset in GPU memory (`createDataset`); `host` on the CUDA harness test
 * backend, a dataset in host memory. Every placement also keeps a reference to the caller's arrays,
 * so shapes the CUDA kernels cannot take (too wide for a block) run on the CPU kernels from them;
 * the caller must not change the arrays while the rows are placed.
 *
 * `dispose()` frees the placement at once (a kernel already running on it keeps it until it
 * finishes) and ends its views; garbage collection frees one never disposed. Disposing a view
 * forgets only that view.
 */
export interface PlacedRows {
  readonly n: number;
  readonly d: number;
  readonly hasLabels: boolean;
  readonly place: 'arrays' | 'host' | 'cuda';
  /** Bytes copied for the placement (0 on the CPU backend, which copies nothing). */
  readonly bytes: number;
  /**
   * Why rows meant for the GPU stayed in the caller's arrays (`place` then `arrays`): the GPU's
   * memory could not hold them. Its kernels then copy each call's rows, as without placing.
   */
  readonly notCopied?: string;
  /** Bytes of rows left in host memory that sit on transparent huge pages (see allocateRows), when known. */
  readonly hugePageBytes?: number;
  /** A view of rows first … first + rows − 1. */
  slice(first: number, rows: number): PlacedRows;
  dispose(): void;
}

/** The kernels of one backend. */
export interface Kernels {
  /** `cuda-harness` is a test backend: the CUDA kernels' per-thread code on the CPU (SAGEMAKER_NATIVE_TEST_CUDA_HARNESS). */
  readonly backend: 'cpu' | 'cuda' | 'cuda-harness';
  /** A human description of the choice, e.g. `CPU (avx2+fma)`. */
  readonly description: string;
  /**
   * Places a channel's rows x (n × d, and labels y, n, for the Linear Learner) once, where these
   * kernels read them (see `PlacedRows`); a training job places each channel once and disposes it
   * when done. Rejects NaN or infinite rows on the GPU backends (as `createDataset` does).
   */
  place(x: Float32Array, d: number, y?: Float32Array): Promise<PlacedRows>;
  kmeansAssign(x: Float32Array | PlacedRows, centers: Float32Array, d: number): Promise<KMeansAssignment>;
  linearEpoch: LinearEpochKernel<Float32Array | PlacedRows>;
  linearEvaluate: LinearEvaluateKernel<Float32Array | PlacedRows>;
}

/**
 * What the kernels of this process were given, since load: channels placed (`Kernels.place`)
 * and the bytes copied to place them, and kernel calls on a GPU backend (CUDA, or its harness)
 * given host arrays, whose rows that call alone copied (a training loop on placed rows makes none).
 */
export interface RowTraffic {
  readonly placements: number;
  readonly placedBytes: number;
  readonly unplacedCalls: number;
}

const traffic = { placements: 0, placedBytes: 0, unplacedCalls: 0 };

/** A copy of the counts of `RowTraffic` so far. */
export function rowTraffic(): RowTraffic {
  return { ...traffic };
}

/**
 * The log line of a channel placed for a job, e.g. `rows placed: train, 50000 × 32, on the GPU
 * (6.3 MiB, copied once)`.
 */
export function placementLine(channel: string, rows: PlacedRows): string {
  const size = rows.bytes < 1024 * 1024 ? `${(rows.bytes / 1024).toFixed(1)} KiB` : `${(rows.bytes / 1024 / 1024).toFixed(1)} MiB`;
  const where = rows.place === 'cuda' ? `on the GPU (${size}, copied once)`
    : rows.place === 'host' ? `in a host dataset for the CUDA harness (${size}, copied once)`
      : rows.notCopied ? `in host memory (the GPU's memory could not hold them, ${rows.notCopied}: each kernel call copies its rows)`
        : 'in host memory (the CPU kernels read the arrays in place: no copy)';
  // Rows of at least a huge page (2 MiB) are the ones allocateRows advises: whether the host honoured it.
  const pages = rows.place === 'arrays' && rows.hugePageBytes !== undefined && rows.n * rows.d * 4 >= 2 * 1024 * 1024
    ? `; ${(rows.hugePageBytes / 1024 / 1024).toFixed(0)} MiB of them on huge pages` : '';
  return `rows placed: ${channel}, ${rows.n} × ${rows.d}, ${where}${pages}`;
}

/** What a placement shares with its views: whether the rows were disposed. */
interface PlacementRoot { disposed: boolean }

/** The implementation of PlacedRows: the caller's arrays (views of them), and the dataset holding the copy if any. */
class Placement implements PlacedRows {
  private disposed = false;

  constructor(private readonly x: Float32Array, private readonly y: Float32Array | undefined, public readonly d: number,
    private readonly dataset: NativeDataset | undefined, private readonly root: PlacementRoot, private readonly owner: boolean,
    public readonly notCopied?: string, public readonly hugePageBytes?: number) {}

  public get n(): number {
    return this.x.length / this.d;
  }

  public get hasLabels(): boolean {
    return this.y !== undefined;
  }

  public get place(): PlacedRows['place'] {
    return this.dataset?.place ?? 'arrays';
  }

  public get bytes(): number {
    return this.dataset?.bytes ?? 0;
  }

  public slice(first: number, rows: number): PlacedRows {
    this.check('slice');
    if (!Number.isInteger(first) || !Number.isInteger(rows) || first < 0 || rows < 0 || first + rows > this.n) {
      throw new RangeError(`slice(first, rows): whole numbers with first + rows <= ${this.n} (the rows here)`);
    }
    const d = this.d;
    return new Placement(this.x.subarray(first * d, (first + rows) * d), this.y?.subarray(first, first + rows), d,
      this.dataset?.slice(first, rows), this.root, false, this.notCopied);
  }

  public dispose(): void {
    this.disposed = true;
    if (this.owner) this.root.disposed = true;
    this.dataset?.dispose();
  }

  /** The caller's arrays (rows and labels) of these rows. */
  public arrays(kernel: string): { x: Float32Array; y: Float32Array | undefined } {
    this.check(kernel);
    return { x: this.x, y: this.y };
  }

  /** The dataset holding the copy, if the rows were copied. */
  public copy(kernel: string): NativeDataset | undefined {
    this.check(kernel);
    return this.dataset;
  }

  private check(kernel: string): void {
    if (this.disposed || this.root.disposed) throw new Error(`${kernel}: the placed rows were disposed`);
  }
}

/** Rows and labels as two arrays: placed rows' own (y then null), or the arrays given. */
function labelledArrays(kernel: string, x: Float32Array | PlacedRows, y: Float32Array | null): [Float32Array, Float32Array] {
  if (x instanceof Float32Array) {
    if (!y) throw new TypeError(`${kernel}: with x a Float32Array, y must be the labels (a Float32Array)`);
    return [x, y];
  }
  const rows = placement(kernel, x).arrays(kernel);
  if (y) throw new TypeError(`${kernel}: with placed rows, y must be null (their labels are used)`);
  if (!rows.y) throw new TypeError(`${kernel}: the rows were placed without labels (place(x, d, y))`);
  return [rows.x, rows.y];
}

function placement(kernel: string, rows: PlacedRows): Placement {
  if (!(rows instanceof Placement)) throw new TypeError(`${kernel}: x must be a Float32Array or rows placed by Kernels.place`);
  return rows;
}

/** Checks a placement's shapes as createDataset does (on the CPU backend nothing else checks them before a kernel runs). */
function checkPlacement(x: Float32Array, d: number, y: Float32Array | undefined): void {
  if (!(x instanceof Float32Array) || (y !== undefined && !(y instanceof Float32Array))) throw new TypeError('place(x: Float32Array, d: number, y?: Float32Array)');
  if (!Number.isInteger(d) || d < 1 || x.length % d !== 0) {
    throw new RangeError(`place: x (${x.length} values) must be whole rows of d = ${d} features (a whole number of at least 1)`);
  }
  if (y && y.length !== x.length / d) throw new RangeError(`place: y has ${y.length} labels for ${x.length / d} rows`);
}

/** Rows placed on the CPU backend: the caller's arrays, by reference. */
async function placeArrays(x: Float32Array, d: number, y?: Float32Array): Promise<PlacedRows> {
  checkPlacement(x, d, y);
  traffic.placements++;
  return new Placement(x, y, d, undefined, { disposed: false }, true, undefined, nativeBinding().hugePageBytes(x));
}

/**
 * Rows copied once into a dataset (`place`: the GPU, or host memory for the CUDA harness). Rows the
 * GPU's memory cannot hold stay in the caller's arrays (`notCopied` says so), and the kernels copy
 * each call's rows (a mini-batch, or the channel) as they would without placing: a job as large as
 * that still trains, as it did before rows were placed.
 */
async function placeDataset(native: NativeBinding, place: 'host' | 'cuda', x: Float32Array, d: number, y?: Float32Array): Promise<PlacedRows> {
  checkPlacement(x, d, y);
  let dataset: NativeDataset;
  try {
    dataset = await native.createDataset(x, d, y ?? null, place);
  } catch (error) {
    const message = (error as Error).message;
    if (place !== 'cuda' || !/cudaMalloc\(rows\) failed: out of memory/.test(message)) throw error;
    traffic.placements++;
    return new Placement(x, y, d, undefined, { disposed: false }, true, `${((x.length + (y?.length ?? 0)) * 4 / 1024 / 1024).toFixed(1)} MiB: ${message}`);
  }
  traffic.placements++;
  traffic.placedBytes += dataset.bytes;
  return new Placement(x, y, d, dataset, { disposed: false }, true);
}

/**
 * The kernels of a backend whose rows live apart from the host arrays (CUDA; the CUDA harness):
 * placed rows are given to the GPU kernels as their dataset; arrays are too, each call copying
 * them (counted: `rowTraffic().unplacedCalls`); shapes too wide for a CUDA block run on the CPU
 * kernels, from the host arrays.
 */
interface GpuKernels {
  readonly place: 'host' | 'cuda';
  readonly name: string;
  assign(x: Float32Array | NativeDataset, centers: Float32Array, d: number): Promise<KMeansAssignment>;
  epoch: LinearEpochKernel;
  evaluate: LinearEvaluateKernel;
}

function gpuKernels(native: NativeBinding, gpu: GpuKernels, backend: 'cuda' | 'cuda-harness', description: string): Kernels {
  // The rows a GPU kernel takes: placed rows' dataset, or the arrays (copied by this call).
  const onGpu = (kernel: string, x: Float32Array | PlacedRows, y: Float32Array | null): [Float32Array | NativeDataset, Float32Array | null] => {
    if (x instanceof Float32Array) {
      traffic.unplacedCalls++;
      return [x, y];
    }
    if (!(x instanceof Placement)) return [x as NativeDataset, y];  // a dataset given as it is: the kernel checks it
    if (y) throw new TypeError(`${kernel}: with placed rows, y must be null (their labels are used)`);
    const dataset = x.copy(kernel);
    if (dataset) return [dataset, null];
    // Rows not copied (the GPU's memory could not hold them, or placed by the CPU kernels): this call copies its own.
    traffic.unplacedCalls++;
    const arrays = x.arrays(kernel);
    return [arrays.x, arrays.y ?? null];
  };
  const name = (kernel: string) => `${kernel} (${gpu.name})`;
  return {
    backend, description,
    place: (x, d, y) => placeDataset(native, gpu.place, x, d, y),
    kmeansAssign: wrap(name('kmeansAssign'), (x: Float32Array | PlacedRows, centers: Float32Array, d: number) =>
      gpu.assign(onGpu('kmeansAssign', x, null)[0], centers, d)),
    // Shapes too wide for a CUDA block's shared memory (d + weight columns beyond about 12,000)
    // train and are evaluated on the CPU kernels rather than fail.
    linearEpoch: wrap(name('linearEpoch'), (x: Float32Array | PlacedRows, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
      moments: Float32Array, step: number, config: LinearEpochConfig) => native.linearEpochCudaFits(d, bias.length, config.learningRates.length)
      ? gpu.epoch(...onGpu('linearEpoch', x, y), d, weights, bias, moments, step, config)
      : native.linearEpoch(...labelledArrays('linearEpoch', x, y), d, weights, bias, moments, step, config)),
    linearEvaluate: wrap(name('linearEvaluate'), (x: Float32Array | PlacedRows, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
      config: LinearEvaluateConfig) => native.linearEvaluateCudaFits(d, bias.length, config)
      ? gpu.evaluate(...onGpu('linearEvaluate', x, y), d, weights, bias, config)
      : native.linearEvaluate(...labelledArrays('linearEvaluate', x, y), d, weights, bias, config)),
  };
}

/**
 * The test hook: with SAGEMAKER_NATIVE_TEST_CUDA_HARNESS=1, a backend other than `cpu` is the CUDA
 * harness: the CUDA kernels' per-thread code run on the CPU block by block (the kernel CUDA would
 * choose), on rows placed once in a host dataset, so training runs the GPU path's code and its
 * placements on a machine without a GPU. Slow (the blocks run one after another): tests only.
 */
const HARNESS_VARIABLE = 'SAGEMAKER_NATIVE_TEST_CUDA_HARNESS';
/** The harness's grid: several blocks, so the grid-stride walks are exercised. */
const HARNESS_GRID_BLOCKS = 3;

let binding: NativeBinding | undefined;

/** Loads the addon, or throws one error that lists where it looked and how to build it. */
export function nativeBinding(): NativeBinding {
  if (binding) return binding;
  const problems: string[] = [];
  for (const candidate of CANDIDATES) {
    if (!fs.existsSync(candidate)) {
      problems.push(`${candidate}: not built`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      binding = require(candidate) as NativeBinding;
      return binding;
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  // An addon built for another platform fails to load with the loader's own words (e.g. "invalid ELF header"): name both.
  const prebuilt = path.join(__dirname, '..', 'prebuilt.json');
  const built = fs.existsSync(prebuilt) ? JSON.parse(fs.readFileSync(prebuilt, 'utf8')) as { platform: string; arch: string } : undefined;
  const platform = built && `${built.platform}-${built.arch}` !== `${process.platform}-${process.arch}`
    ? `\nThe prebuilt addon is for ${built.platform}-${built.arch}; this machine is ${process.platform}-${process.arch}.` : '';
  throw new Error(`The native kernels could not be loaded:\n  ${problems.join('\n  ')}${platform}\nBuild them with 'npm run build:native' in a clone (needs g++; nvcc adds the CUDA kernels).`);
}

/** A CUDA device as the addon (or a test) describes it. */
export interface CudaDevice {
  readonly name: string;
  /** The compute capability, e.g. 8 and 6 for an A10G. */
  readonly major: number;
  readonly minor: number;
  /** Why the binary's code does not load on the device, in the CUDA runtime's words. */
  readonly problem?: string;
}

/** What the CUDA side offers: the fat binary's targets and the devices present. */
export interface CudaProbe {
  /** Whether the addon holds CUDA kernels at all. */
  readonly compiled: boolean;
  /** The fat binary's targets, `sm_NN` (SASS) and `compute_NN` (PTX), space separated. */
  readonly architectures: string;
  readonly devices: readonly CudaDevice[];
}

/**
 * Whether code compiled for `architectures` runs on a device of compute capability major.minor:
 * SASS for sm_XY runs on X.Z for Z ≥ Y (the same major), PTX for compute_XY is JIT-compiled for
 * any X.Y or newer. Says which target, or why none.
 */
export function cudaTargetFor(architectures: string, major: number, minor: number): { readonly target?: string; readonly reason?: string } {
  const capability = major * 10 + minor;
  const targets = architectures.split(/\s+/).filter(Boolean);
  const sass = targets.filter((t) => t.startsWith('sm_')).map((t) => Number(t.slice(3)))
    .filter((arch) => Math.floor(arch / 10) === major && arch % 10 <= minor).sort((a, b) => b - a)[0];
  if (sass !== undefined) return { target: `sm_${sass}` };
  const ptx = targets.filter((t) => t.startsWith('compute_')).map((t) => Number(t.slice(8)))
    .filter((arch) => arch <= capability).sort((a, b) => b - a)[0];
  if (ptx !== undefined) return { target: `compute_${ptx} (PTX, JIT-compiled)` };
  return { reason: `compute capability ${major}.${minor} is not among this build's CUDA targets (${targets.join(' ') || 'none'}): no SASS of its family and no PTX of it or older` };
}

/**
 * The test hook: SAGEMAKER_NATIVE_TEST_CUDA_DEVICES (`8.6` or `7.0,7.0`; `name@8.6` names one)
 * simulates the devices present, and SAGEMAKER_NATIVE_TEST_CUDA_ARCHITECTURES the binary's
 * targets (default: the addon's own). Only the choice is simulated: CUDA kernels run only on a GPU.
 */
function simulatedProbe(native: NativeBinding): CudaProbe | undefined {
  const devices = process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES;
  if (devices === undefined) return undefined;
  return {
    compiled: true,
    architectures: process.env.SAGEMAKER_NATIVE_TEST_CUDA_ARCHITECTURES ?? native.cudaArchitectures ?? '',
    devices: devices.split(',').filter(Boolean).map((entry) => {
      const [name, capability] = entry.includes('@') ? entry.split('@') : ['simulated device', entry];
      const [major, minor] = capability.split('.').map(Number);
      if (!Number.isInteger(major) || !Number.isInteger(minor)) throw new Error(`SAGEMAKER_NATIVE_TEST_CUDA_DEVICES: ${JSON.stringify(entry)} is not a compute capability like 8.6`);
      return { name, major, minor };
    }),
  };
}

/** What the addon says of CUDA here. */
function addonProbe(native: NativeBinding): CudaProbe {
  if (!native.cudaCompiled) return { compiled: false, architectures: '', devices: [] };
  const count = native.cudaDeviceCount ? native.cudaDeviceCount() : 0;
  return {
    compiled: true,
    architectures: native.cudaArchitectures ?? '',
    devices: count === 0 ? [] : native.cudaDevices ? native.cudaDevices() : Array.from({ length: count }, () => ({ name: 'CUDA device', major: 0, minor: 0, problem: 'the addon reports no compute capability' })),
  };
}

/** The backend chosen, and the line that says why when CUDA devices are present but unusable. */
export interface BackendDecision {
  readonly backend: 'cpu' | 'cuda';
  /** Devices the CUDA kernels run on. */
  readonly devices: number;
  /** The CUDA target each device runs, e.g. `sm_86` or `compute_120 (PTX, JIT-compiled)`. */
  readonly target?: string;
  /** Why CUDA devices present are not used. */
  readonly fallback?: string;
}

/**
 * Decides between the CPU and CUDA kernels: `cpu` always the CPU; `auto` CUDA when every device
 * can run the binary's code, else the CPU with a reason; `cuda`/`cuda-tf32` CUDA, or an error
 * naming the device and its compute capability when no device can run it.
 */
export function chooseBackend(choice: BackendChoice, probe: CudaProbe): BackendDecision {
  if (choice === 'cpu') return { backend: 'cpu', devices: 0 };
  const forced = choice !== 'auto';
  if (!probe.compiled) {
    if (forced) throw new Error(`The ${choice} backend was asked for, but the addon was built without CUDA (a CPU image, or no nvcc at build time)`);
    return { backend: 'cpu', devices: 0 };
  }
  if (probe.devices.length === 0) {
    if (forced) throw new Error(`The ${choice} backend was asked for, but no CUDA device is usable here`);
    return { backend: 'cpu', devices: 0 };
  }
  const problems: string[] = [];
  const targets = new Set<string>();
  for (const [index, device] of probe.devices.entries()) {
    const fit = cudaTargetFor(probe.architectures, device.major, device.minor);
    const reason = device.problem ?? fit.reason;
    if (reason) problems.push(`GPU ${index} (${device.name}, compute capability ${device.major}.${device.minor}): ${reason}`);
    else targets.add(fit.target!);
  }
  if (problems.length > 0) {
    if (forced) throw new Error(`The ${choice} backend was asked for, but the CUDA kernels cannot run on ${problems.join('; ')}. Use _compute_backend=cpu, or an instance whose GPU has compute capability 7.5 or newer (CUDA 13)`);
    return { backend: 'cpu', devices: 0, fallback: `the CUDA kernels cannot run on ${problems[0]}` };
  }
  if (choice === 'cuda-tf32' && probe.devices.some((device) => device.major < 8)) {
    throw new Error('The cuda-tf32 backend was asked for, but TF32 products need compute capability 8.0 or newer: ' +
      probe.devices.map((device) => `${device.name} is ${device.major}.${device.minor}`).join(', '));
  }
  return { backend: 'cuda', devices: probe.devices.length, target: [...targets].join(', ') };
}

/** Picks the kernels: forced by option or environment, else CUDA when a device can run them, else CPU. */
export function loadKernels(options: LoadOptions = {}): Kernels {
  const native = nativeBinding();
  const choice = (options.backend ?? process.env.SAGEMAKER_COMPUTE_BACKEND ?? 'auto') as BackendChoice;
  if (!['auto', 'cpu', 'cuda', 'cuda-tf32'].includes(choice)) {
    throw new Error(`Unknown compute backend ${JSON.stringify(choice)}: use auto, cpu, cuda or cuda-tf32`);
  }
  const harness = choice !== 'cpu' && process.env[HARNESS_VARIABLE] !== undefined;
  if (harness && process.env[HARNESS_VARIABLE] !== '1') throw new Error(`${HARNESS_VARIABLE} is ${JSON.stringify(process.env[HARNESS_VARIABLE])}: set it to 1 (a test backend) or leave it unset`);
  const decision: BackendDecision = harness ? { backend: 'cuda', devices: 0 }
    : chooseBackend(choice, choice === 'cpu' ? { compiled: false, architectures: '', devices: [] } : simulatedProbe(native) ?? addonProbe(native));
  const devices = decision.devices;
  const tf32 = choice === 'cuda-tf32';
  const tf32Fits = (centers: Float32Array, d: number) => tf32 && centers.length / d > 64 && d <= native.kmeansTf32MaxFeatures;
  const kernels: Kernels = harness
    ? gpuKernels(native, {
      place: 'host', name: 'CUDA harness',
      assign: (x, centers, d) => native.kmeansAssignCudaHarness(x, centers, d,
        tf32Fits(centers, d) ? 'tf32' : native.kmeansAssignCudaKernel(centers.length / d, d), HARNESS_GRID_BLOCKS),
      epoch: native.linearEpochCudaHarness,
      evaluate: (x, y, d, weights, bias, config) => native.linearEvaluateCudaHarness(x, y, d, weights, bias, config, HARNESS_GRID_BLOCKS),
    }, 'cuda-harness', `CUDA harness (the CUDA kernels' per-thread code on the CPU: ${HARNESS_VARIABLE}, a test backend)${tf32 ? ', TF32 products' : ''}`)
    : decision.backend === 'cuda'
      ? gpuKernels(native, {
        place: 'cuda', name: 'CUDA',
        assign: (x, centers, d) => tf32Fits(centers, d) ? native.kmeansAssignCuda!(x, centers, d, 'tf32') : native.kmeansAssignCuda!(x, centers, d),
        epoch: native.linearEpochCuda!,
        evaluate: native.linearEvaluateCuda!,
      }, 'cuda', `CUDA (${devices} device${devices === 1 ? '' : 's'}, ${decision.target}${tf32 ? ', TF32 products' : ''})`)
      : {
        backend: 'cpu', description: `CPU (${native.cpuFeatures})${decision.fallback ? `: ${decision.fallback}` : ''}`,
        place: placeArrays,
        kmeansAssign: wrap('kmeansAssign (CPU)', (x: Float32Array | PlacedRows, centers: Float32Array, d: number) =>
          native.kmeansAssignCpu(x instanceof Placement ? x.arrays('kmeansAssign').x : x as Float32Array | NativeDataset, centers, d)),
        linearEpoch: wrap('linearEpoch (CPU)', (x: Float32Array | PlacedRows, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
          moments: Float32Array, step: number, config: LinearEpochConfig) =>
          native.linearEpoch(...cpuRows('linearEpoch', x, y), d, weights, bias, moments, step, config)),
        linearEvaluate: wrap('linearEvaluate (CPU)', (x: Float32Array | PlacedRows, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
          config: LinearEvaluateConfig) => native.linearEvaluate(...cpuRows('linearEvaluate', x, y), d, weights, bias, config)),
      };
  (options.log ?? ((message: string) => console.log(message)))(`native kernels: ${kernels.description}${choice === 'auto' ? '' : ` (forced: ${choice})`}`);
  return kernels;
}

/** The rows the CPU kernels take: placed rows' arrays (y then null), else what was given (arrays, or a dataset in host memory). */
function cpuRows(kernel: string, x: Float32Array | PlacedRows, y: Float32Array | null): [Float32Array | NativeDataset, Float32Array | null] {
  return x instanceof Float32Array || !(x instanceof Placement) ? [x as Float32Array | NativeDataset, y] : labelledArrays(kernel, x, y);
}

/** Rejections from native code get a JavaScript stack and the kernel's name. */
function wrap<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      const wrapped = new Error(`${name} failed: ${(error as Error).message}`, { cause: error });
      wrapped.name = (error as Error).name ?? 'Error';
      throw wrapped;
    }
  };
}
