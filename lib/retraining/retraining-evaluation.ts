/**
 * Options of a retraining evaluation.
 */
export interface RetrainingEvaluationOptions {
  /**
   * The value the metric must reach (at most it, for a metric where lower is better; at least
   * it, otherwise).
   *
   * @default - no threshold
   */
  readonly threshold?: number;

  /**
   * The new model must also beat the version in production (the newest approved version of the
   * registry) on the same metric; the first version always passes.
   *
   * @default false
   */
  readonly mustBeatProduction?: boolean;
}

/** Metric names where a lower value is better. */
const LOWER_IS_BETTER = /(loss|error|mse|rmse|mae|msd|ssd|absolute)/i;

/**
 * How a retrained model is judged before it is registered: one metric its training job reports
 * (`<channel>:<metric>`, as the algorithm's metric definitions name it), against a threshold and,
 * optionally, the version in production. A model that does not pass ends the run as "rejected",
 * which is not a failure.
 */
export class RetrainingEvaluation {
  /** A metric judged in its natural direction: lower is better for losses and errors, higher otherwise. */
  public static metric(metricName: string, options: RetrainingEvaluationOptions = {}): RetrainingEvaluation {
    return new RetrainingEvaluation(metricName, !LOWER_IS_BETTER.test(metricName), options);
  }

  /** A metric where lower is better. */
  public static minimize(metricName: string, options: RetrainingEvaluationOptions = {}): RetrainingEvaluation {
    return new RetrainingEvaluation(metricName, false, options);
  }

  /** A metric where higher is better. */
  public static maximize(metricName: string, options: RetrainingEvaluationOptions = {}): RetrainingEvaluation {
    return new RetrainingEvaluation(metricName, true, options);
  }

  private constructor(
    /** The metric, `<channel>:<metric>`. */
    public readonly metricName: string,
    /** Whether a higher value is better. */
    public readonly higherIsBetter: boolean,
    /** The threshold and comparison with production. */
    public readonly options: RetrainingEvaluationOptions,
  ) {}
}
