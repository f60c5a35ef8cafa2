/**
 * What a target platform of SageMaker Neo is made of, when it is not one of Neo's named devices.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TargetPlatform.html
 */
export interface TargetPlatformOptions {
  /** The operating system: `LINUX` or `ANDROID` (the Android API level goes in `ANDROID_PLATFORM` compiler options). */
  readonly os: string;

  /** The architecture: `X86_64`, `X86`, `ARM64`, `ARM_EABI` (soft float) or `ARM_EABIHF` (hard float). */
  readonly arch: string;

  /**
   * The accelerator: `NVIDIA` (then the compiler options must give `gpu-code`, `trt-ver` and
   * `cuda-ver`), `MALI`, `INTEL_GRAPHICS` or `NNA`.
   *
   * @default - none: the CPU
   */
  readonly accelerator?: string;
}

/**
 * A target given as data (from configuration): exactly one of a device or a platform.
 */
export interface CompilationTargetOptions {
  /**
   * A device Neo names, e.g. `ml_c5`, `ml_inf1`, `jetson_nano`.
   *
   * @default - none: give `platform`
   */
  readonly device?: string;

  /**
   * An OS, architecture and accelerator.
   *
   * @default - none: give `device`
   */
  readonly platform?: TargetPlatformOptions;
}

/**
 * What SageMaker Neo compiles a model for: a named device (a SageMaker instance family such as
 * `ml_c5`, or an edge device) or a platform (OS, architecture, accelerator).
 */
export class CompilationTarget {
  /**
   * A device Neo names: a SageMaker instance family (`ml_c4`, `ml_c5`, `ml_m4`, `ml_m5`, `ml_p2`,
   * `ml_p3`, `ml_g4dn`, `ml_inf1`, `ml_inf2`, `ml_trn1`, `ml_c6g`, `ml_m6g`) or an edge device
   * (`jetson_nano`, `rasp4b`, ...).
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputConfig.html
   */
  public static device(device: string): CompilationTarget {
    return new CompilationTarget(device, undefined);
  }

  /** A platform, for devices Neo does not name. */
  public static platform(platform: TargetPlatformOptions): CompilationTarget {
    return new CompilationTarget(undefined, platform);
  }

  /**
   * A target from data: exactly one of `device` and `platform` (the compiled model's construct
   * rejects both or neither at synth).
   */
  public static of(options: CompilationTargetOptions): CompilationTarget {
    return new CompilationTarget(options.device, options.platform);
  }

  private constructor(
    /** The named device, if the target is one. */
    public readonly targetDevice: string | undefined,
    /** The platform, if the target is one. */
    public readonly targetPlatform: TargetPlatformOptions | undefined,
  ) {}
}
