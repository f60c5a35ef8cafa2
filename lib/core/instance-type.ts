import { Token } from 'aws-cdk-lib';
import { SageMakerValidationError } from './errors';

/**
 * Instance families with NVIDIA GPUs, which the companion containers run on with their CUDA kernels.
 * @see https://aws.amazon.com/sagemaker/pricing/
 */
const GPU_FAMILIES = new Set(['p2', 'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'p6', 'g4dn', 'g5', 'g6', 'g6e', 'gr6', 'g7e']);

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

  /** Whether the instance type has an NVIDIA GPU (false when unknown at synth). */
  public get hasGpu(): boolean {
    const family = this.family;
    return family !== undefined && GPU_FAMILIES.has(family);
  }

  /** The SageMaker name, e.g. `ml.m5.xlarge`. */
  public toString(): string {
    return this.name;
  }
}
