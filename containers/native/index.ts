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
  kmeansAssignCpu(x: Float32Array | NativeDataset, centers: Float32Array, d: number): Promise<KMeansAssignment>;
  /** One of the CUDA kernels' per-thread code run on the CPU, block by block (a persistent grid of `gridBlocks` for `resident`). */
  kmeansAssignCudaHarness(x: Float32Array | NativeDataset, centers: Float32Array, d: number, kernel: 'resident' | 'resident-registers' | 'resident-shared' | 'tiled' | 'tf32' | 'tf32-wmma', gridBlocks: number): Promise<KMeansAssignment>;
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
  linearEvaluateCudaHarness(x: Float32Array, y: Float32Array, d: number, weights: Float32Array, bias: Float32Array,
    config: LinearEvaluateConfig, gridBlocks: number): Promise<Float64Array>;
  linearEvaluateCuda?: LinearEvaluateKernel;
}

/**
 * One Linear Learner epoch over the rows, updating the parameters and optimiser state in place; x
 * may be a dataset with labels (y then null).
 */
export type LinearEpochKernel = (x: Float32Array | NativeDataset, y: Float32Array | null, d: number, weights: Float32Array, bias: Float32Array,
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
 * laid out as `LINEAR_SUMS` says (src/linear_eval.h).
 */
export type LinearEvaluateKernel = (x: Float32Array, y: Float32Array, d: number, weights: Float32Array, bias: Float32Array,
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

  /** One pass over the rows; resolves to each model's mean training loss. */
  public async epoch(x: Float32Array, y: Float32Array, config: LinearEpochConfig): Promise<Float64Array> {
    try {
      if ((config.classes ?? 1) !== this.classes) throw new Error(`config.classes is ${config.classes ?? 1} but these models have ${this.classes}`);
      const epoch = this.kernels?.linearEpoch ?? nativeBinding().linearEpoch;
      const result = await epoch(x, y, this.d, this.weights, this.bias, this.moments, this.step, config);
      this.step = result.step;
      return result.losses;
    } catch (error) {
      throw new Error(`linearEpoch failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Every model's metric sums over labelled rows (`LINEAR_SUMS`), in one pass on the kernels given. */
  public async evaluate(x: Float32Array, y: Float32Array, config: LinearEvaluateConfig): Promise<Float64Array> {
    try {
      if ((config.classes ?? 1) !== this.classes) throw new Error(`config.classes is ${config.classes ?? 1} but these models have ${this.classes}`);
      const evaluate = this.kernels?.linearEvaluate ?? nativeBinding().linearEvaluate;
      return await evaluate(x, y, this.d, this.weights, this.bias, config);
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

/** The kernels of one backend. */
export interface Kernels {
  readonly backend: 'cpu' | 'cuda';
  /** A human description of the choice, e.g. `CPU (avx2+fma)`. */
  readonly description: string;
  kmeansAssign(x: Float32Array, centers: Float32Array, d: number): Promise<KMeansAssignment>;
  linearEpoch: LinearEpochKernel;
  linearEvaluate: LinearEvaluateKernel;
}

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
  const decision = chooseBackend(choice, choice === 'cpu' ? { compiled: false, architectures: '', devices: [] } : simulatedProbe(native) ?? addonProbe(native));
  const devices = decision.devices;
  const useCuda = decision.backend === 'cuda';
  const tf32 = choice === 'cuda-tf32';
  const assignCuda = (x: Float32Array, centers: Float32Array, d: number) =>
    tf32 && centers.length / d > 64 && d <= native.kmeansTf32MaxFeatures ? native.kmeansAssignCuda!(x, centers, d, 'tf32') : native.kmeansAssignCuda!(x, centers, d);
  // Shapes too wide for a CUDA block's shared memory (d + weight columns beyond about 12,000)
  // train on the CPU kernel rather than fail.
  const linearCuda: LinearEpochKernel = (x, y, d, weights, bias, moments, step, config) =>
    (native.linearEpochCudaFits(d, bias.length, config.learningRates.length) ? native.linearEpochCuda! : native.linearEpoch)(
      x, y, d, weights, bias, moments, step, config);
  const kernels: Kernels = useCuda
    ? {
      backend: 'cuda', description: `CUDA (${devices} device${devices === 1 ? '' : 's'}, ${decision.target}${tf32 ? ', TF32 products' : ''})`,
      kmeansAssign: wrap('kmeansAssign (CUDA)', assignCuda), linearEpoch: wrap('linearEpoch (CUDA)', linearCuda),
      linearEvaluate: wrap('linearEvaluate (CUDA)', native.linearEvaluateCuda!),
    }
    : {
      backend: 'cpu', description: `CPU (${native.cpuFeatures})${decision.fallback ? `: ${decision.fallback}` : ''}`,
      kmeansAssign: wrap('kmeansAssign (CPU)', native.kmeansAssignCpu), linearEpoch: wrap('linearEpoch (CPU)', native.linearEpoch),
      linearEvaluate: wrap('linearEvaluate (CPU)', native.linearEvaluate),
    };
  (options.log ?? ((message: string) => console.log(message)))(`native kernels: ${kernels.description}${choice === 'auto' ? '' : ` (forced: ${choice})`}`);
  return kernels;
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
