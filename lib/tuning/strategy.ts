/**
 * What the tuning job optimizes: one of the metrics the algorithm emits.
 */
export class TuningObjective {
  /** Find the hyperparameters with the lowest value, e.g. of `validation:objective_loss`. */
  public static minimize(metricName: string): TuningObjective {
    return new TuningObjective('Minimize', metricName);
  }

  /** Find the hyperparameters with the highest value, e.g. of `validation:binary_f_beta`. */
  public static maximize(metricName: string): TuningObjective {
    return new TuningObjective('Maximize', metricName);
  }

  private constructor(
    /** `Minimize` or `Maximize`. */
    public readonly type: string,
    /** The metric's name. */
    public readonly metricName: string,
  ) {}
}

/**
 * Hyperband's resource settings: the epochs (or iterations) a training job gets at the least and
 * at the most.
 */
export interface HyperbandOptions {
  /** The fewest epochs a training job runs before it may be stopped. */
  readonly minResource: number;
  /** The most epochs a training job runs. */
  readonly maxResource: number;
}

/**
 * How the tuning job chooses the hyperparameters of its next training jobs.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-how-it-works.html
 */
export class TuningStrategy {
  /** Bayesian optimization (SageMaker's default). */
  public static readonly BAYESIAN = new TuningStrategy('Bayesian');
  /** Random search. */
  public static readonly RANDOM = new TuningStrategy('Random');
  /** Every combination of categorical ranges (no maxJobs). */
  public static readonly GRID = new TuningStrategy('Grid');

  /** Hyperband: stops under-performing jobs early, within the given resource bounds. */
  public static hyperband(options: HyperbandOptions): TuningStrategy {
    return new TuningStrategy('Hyperband', options);
  }

  private constructor(
    /** The strategy's SageMaker name. */
    public readonly name: string,
    /** Hyperband's resource settings. */
    public readonly hyperbandOptions?: HyperbandOptions,
  ) {}
}

/**
 * Whether SageMaker stops training jobs that are unlikely to beat the best so far.
 */
export enum EarlyStopping {
  OFF = 'Off',
  AUTO = 'Auto',
}

/**
 * Start a tuning job from what earlier tuning jobs learned.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-warm-start.html
 */
export class WarmStart {
  /** The same data and algorithm as the parents (1 to 5 tuning job names). */
  public static identicalDataAndAlgorithm(parentTuningJobNames: string[]): WarmStart {
    return new WarmStart('IdenticalDataAndAlgorithm', parentTuningJobNames);
  }

  /** Different data or algorithm version than the parents (1 to 5 tuning job names). */
  public static transferLearning(parentTuningJobNames: string[]): WarmStart {
    return new WarmStart('TransferLearning', parentTuningJobNames);
  }

  private constructor(
    /** The warm start type. */
    public readonly type: string,
    /** The parent tuning jobs. */
    public readonly parents: string[],
  ) {}
}

/**
 * When a tuning job may stop before running `maxJobs` training jobs.
 */
export interface CompletionCriteria {
  /**
   * Stop once a training job reaches this objective value.
   *
   * @default - no target
   */
  readonly targetObjectiveValue?: number;

  /**
   * Stop after this many training jobs in a row have not improved on the best.
   *
   * @default - no limit
   */
  readonly maxJobsNotImproving?: number;
}
