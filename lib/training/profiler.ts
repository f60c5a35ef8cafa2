import { Duration } from 'aws-cdk-lib';

/**
 * Options of a {@link Profiler}.
 */
export interface ProfilerOptions {
  /**
   * The built-in profiler rules that judge the system metrics while the job trains (at most 20).
   *
   * @default - none
   */
  readonly rules?: ProfilerRule[];

  /**
   * How often SageMaker samples the instances' system metrics (CPU, GPU, memory, network, I/O):
   * 100 ms, 200 ms, 500 ms, 1 s, 5 s or 1 minute, the intervals Debugger accepts.
   *
   * @default Duration.millis(500)
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProfilerConfig.html
   */
  readonly systemMetricsInterval?: Duration;
}

/**
 * SageMaker Debugger's profiling of a training job: system metrics sampled on its instances,
 * written (encrypted) under the job's output prefix, and the built-in rules that judge them.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-profile-training-jobs.html
 */
export class Profiler {
  /** System metrics at the default interval, judged by these rules. */
  public static withRules(...rules: ProfilerRule[]): Profiler {
    return new Profiler({ rules }, false);
  }

  /** System metrics at an interval of your choice, with or without rules. */
  public static of(options: ProfilerOptions): Profiler {
    return new Profiler(options, false);
  }

  /** No profiling at all (SageMaker otherwise samples system metrics of every training job). */
  public static disabled(): Profiler {
    return new Profiler({}, true);
  }

  /** The rules that judge the metrics. */
  public readonly rules: ProfilerRule[];

  /** The sampling interval (none when profiling is disabled). */
  public readonly systemMetricsInterval?: Duration;

  /** Whether profiling is turned off. */
  public readonly isDisabled: boolean;

  private constructor(options: ProfilerOptions, disabled: boolean) {
    this.rules = options.rules ?? [];
    this.isDisabled = disabled;
    this.systemMetricsInterval = disabled ? undefined : options.systemMetricsInterval ?? Duration.millis(500);
  }
}

/**
 * A built-in SageMaker Debugger profiler rule, evaluated by the region's rule image while the job
 * trains. Parameters are the rule's own (strings, as the API takes them).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-built-in-profiler-rules.html
 */
export class ProfilerRule {
  /** A report of every other profiler rule's findings (an HTML/notebook report in the rule output). */
  public static profilerReport(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('ProfilerReport', parameters);
  }

  /** GPUs mostly idle or fluctuating (e.g. `threshold_p95`, `threshold_p5`, `patience`). */
  public static lowGpuUtilization(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('LowGPUUtilization', parameters);
  }

  /** CPUs busy while GPUs wait (e.g. `threshold`, `gpu_threshold`, `cpu_threshold`). */
  public static cpuBottleneck(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('CPUBottleneck', parameters);
  }

  /** I/O wait high while GPUs wait (e.g. `threshold`, `gpu_threshold`, `io_threshold`). */
  public static ioBottleneck(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('IOBottleneck', parameters);
  }

  /** GPU memory that keeps growing (e.g. `increase`, `patience`, `window`). */
  public static gpuMemoryIncrease(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('GPUMemoryIncrease', parameters);
  }

  /** A summary of system usage per node. */
  public static overallSystemUsage(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('OverallSystemUsage', parameters);
  }

  /** Initialization that takes too long (e.g. `threshold` in minutes). */
  public static maxInitializationTime(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('MaxInitializationTime', parameters);
  }

  /** Under-used instances suggesting a larger batch (e.g. `cpu_threshold_p95`, `gpu_threshold_p95`). */
  public static batchSize(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('BatchSize', parameters);
  }

  /** Uneven work across GPUs (e.g. `threshold`, `patience`). */
  public static loadBalancing(parameters?: { [name: string]: string }): ProfilerRule {
    return new ProfilerRule('LoadBalancing', parameters);
  }

  /**
   * @param ruleName the built-in rule's name as Debugger spells it (its `rule_to_invoke`)
   * @param parameters the rule's parameters
   */
  private constructor(public readonly ruleName: string, public readonly parameters: { [name: string]: string } = {}) {}
}
