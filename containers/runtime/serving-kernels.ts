/**
 * The kernels request-time inference runs on. Serving forks a worker per vCPU, and a request is
 * typically a few records: microseconds of compute, which a GPU only slows down (a copy each way,
 * a launch and a synchronisation) while every worker that touched CUDA holds a context of its own
 * (hundreds of MB of device memory each). So requests run on the CPU kernels, and the CUDA kernels
 * are loaded — in the worker that needs them, on first use — only for a request whose work
 * (records × clusters × features multiply-adds) reaches SAGEMAKER_SERVING_GPU_MIN_WORK.
 *
 * That threshold has no default: the crossover where the GPU starts to pay has not been measured
 * on a GPU instance yet (no session has had one since serving changed), so by default serving
 * never uses one.
 */
import { Kernels, KMeansAssignment, loadKernels } from '../native';

export const SERVING_GPU_MIN_WORK_VARIABLE = 'SAGEMAKER_SERVING_GPU_MIN_WORK';

export interface ServingKernelOptions {
  /** Where the kernels' choice is reported. @default console.log */
  readonly log?: (message: string) => void;
  /** The smallest work that runs on the GPU. @default - SAGEMAKER_SERVING_GPU_MIN_WORK, else never */
  readonly gpuMinWork?: number;
}

/** K-Means assignment for serving: the CPU kernels, the CUDA ones for requests of enough work. */
export interface ServingKernels {
  kmeansAssign(x: Float32Array, centers: Float32Array, d: number): Promise<KMeansAssignment>;
}

export function servingKernels(options: ServingKernelOptions = {}): ServingKernels {
  const log = options.log ?? ((message: string) => console.log(message));
  const gpuMinWork = options.gpuMinWork ?? minWorkFromEnvironment();
  const cpu = loadKernels({ backend: 'cpu', log: (message) => log(`${message} for requests${gpuMinWork === Infinity ? '' : ` under ${gpuMinWork} multiply-adds`}`) });
  let large: Kernels | undefined;
  return {
    kmeansAssign(x, centers, d) {
      const work = (x.length / d) * (centers.length / d) * d;
      if (work < gpuMinWork) return cpu.kmeansAssign(x, centers, d);
      // `auto`: CUDA where a device can run the kernels, else (said once in the log) the CPU.
      large ??= loadKernels({ backend: 'auto', log: (message) => log(`${message} for requests of ${gpuMinWork} multiply-adds or more`) });
      return large.kmeansAssign(x, centers, d);
    },
  };
}

function minWorkFromEnvironment(): number {
  const raw = process.env[SERVING_GPU_MIN_WORK_VARIABLE];
  if (raw === undefined || raw === '') return Infinity;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${SERVING_GPU_MIN_WORK_VARIABLE} is ${JSON.stringify(raw)}: use a number of multiply-adds (records × clusters × features) ≥ 0, or leave it unset to serve on the CPU only`);
  }
  return value;
}
