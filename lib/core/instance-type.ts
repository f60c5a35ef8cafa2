import { Token } from 'aws-cdk-lib';
import { SageMakerValidationError } from './errors';

/**
 * The NVIDIA GPU architecture (`sm_<major><minor>`) of every ML instance family with NVIDIA GPUs
 * that SageMaker lists. Families without one (CPU, Inferentia, Trainium, AMD's g4ad) are absent.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html
 * @see https://aws.amazon.com/sagemaker/pricing/
 */
const GPU_ARCHITECTURES: Record<string, string> = {
  'p2': 'sm_37', // K80
  'p3': 'sm_70', 'p3dn': 'sm_70', // V100
  'p4d': 'sm_80', 'p4de': 'sm_80', // A100
  'p5': 'sm_90', 'p5e': 'sm_90', 'p5en': 'sm_90', // H100, H200
  'p6-b200': 'sm_100', 'p6e-gb200': 'sm_100', // B200, GB200
  'p6-b300': 'sm_103', // B300
  'g4dn': 'sm_75', // T4
  'g5': 'sm_86', // A10G
  'g6': 'sm_89', 'gr6': 'sm_89', 'g6e': 'sm_89', // L4, L40S
  'g7e': 'sm_120', // RTX PRO 6000 Blackwell Server Edition
};

/**
 * The oldest architecture CUDA 13 (and so the companion images' CUDA kernels) runs on: Turing.
 * Maxwell, Pascal and Volta (p2, p3) are not supported by CUDA 13.
 */
const OLDEST_CUDA_ARCHITECTURE = 75;

/** `ml.<family>.<size>`, e.g. `ml.m5.xlarge`, `ml.p4d.24xlarge`, `ml.g6e.48xlarge`. */
const INSTANCE_TYPE_PATTERN = /^ml\.([a-z][a-z0-9-]*)\.(x?large|[0-9]+xlarge|medium|small|micro|nano|metal(?:-[0-9]+xl)?)$/;

/**
 * A SageMaker ML instance type (`ml.*`).
 *
 * Use the constants for common types or `InstanceType.of('ml.x.y')` for any other; the shape is
 * checked at synth.
 */
export class InstanceType {
  public static readonly ML_T3_MEDIUM = InstanceType.of('ml.t3.medium');
  public static readonly ML_M5_LARGE = InstanceType.of('ml.m5.large');
  public static readonly ML_M5_XLARGE = InstanceType.of('ml.m5.xlarge');
  public static readonly ML_M5_2XLARGE = InstanceType.of('ml.m5.2xlarge');
  public static readonly ML_M5_4XLARGE = InstanceType.of('ml.m5.4xlarge');
  public static readonly ML_C5_XLARGE = InstanceType.of('ml.c5.xlarge');
  public static readonly ML_C5_2XLARGE = InstanceType.of('ml.c5.2xlarge');
  public static readonly ML_C5_4XLARGE = InstanceType.of('ml.c5.4xlarge');
  public static readonly ML_R5_XLARGE = InstanceType.of('ml.r5.xlarge');
  public static readonly ML_G4DN_XLARGE = InstanceType.of('ml.g4dn.xlarge');
  public static readonly ML_G5_XLARGE = InstanceType.of('ml.g5.xlarge');
  public static readonly ML_G5_2XLARGE = InstanceType.of('ml.g5.2xlarge');
  public static readonly ML_G6_XLARGE = InstanceType.of('ml.g6.xlarge');
  public static readonly ML_P3_2XLARGE = InstanceType.of('ml.p3.2xlarge');
  public static readonly ML_P4D_24XLARGE = InstanceType.of('ml.p4d.24xlarge');
  public static readonly ML_P5_48XLARGE = InstanceType.of('ml.p5.48xlarge');

  /**
   * An instance type by name.
   *
   * @param name the SageMaker name, `ml.<family>.<size>`; an unresolved token is accepted unchecked
   * @throws SageMakerValidationError if the name is not of that shape
   */
  public static of(name: string): InstanceType {
    if (!Token.isUnresolved(name) && !INSTANCE_TYPE_PATTERN.test(name)) {
      throw new SageMakerValidationError('InstanceType.of()', [
        `instanceType: got ${JSON.stringify(name)}; allowed: a SageMaker ML instance type of the form ml.<family>.<size>, e.g. ml.m5.xlarge or ml.g5.2xlarge`,
      ]);
    }
    return new InstanceType(name);
  }

  private constructor(private readonly name: string) {}

  /** The instance family, e.g. `g5` for `ml.g5.xlarge`; undefined for a token. */
  public get family(): string | undefined {
    return Token.isUnresolved(this.name) ? undefined : this.name.split('.')[1];
  }

  /**
   * Whether the instance type has an NVIDIA GPU that CUDA 13, and so the companion images' CUDA
   * kernels, can use (compute capability 7.5 or newer): false for CPU, Inferentia and Trainium
   * families, for p2 (K80) and p3 / p3dn (V100), which CUDA 13 no longer supports, and when the
   * type is unknown at synth. `gpuArchitecture` names the GPU of those too.
   */
  public get hasGpu(): boolean {
    const architecture = this.gpuArchitecture;
    return architecture !== undefined && Number(architecture.slice(3)) >= OLDEST_CUDA_ARCHITECTURE;
  }

  /**
   * The architecture of the instance type's NVIDIA GPU as CUDA names it, e.g. `sm_86` for
   * `ml.g5.xlarge` (A10G) or `sm_70` for `ml.p3.2xlarge` (V100, which CUDA 13 no longer
   * supports); undefined without an NVIDIA GPU or when the type is unknown at synth.
   */
  public get gpuArchitecture(): string | undefined {
    const family = this.family;
    return family !== undefined && Object.prototype.hasOwnProperty.call(GPU_ARCHITECTURES, family) ? GPU_ARCHITECTURES[family] : undefined;
  }

  /** The SageMaker name, e.g. `ml.m5.xlarge`. */
  public toString(): string {
    return this.name;
  }
}
