import { AutoMLMetric, AutoMLProblemType } from '../automl-input';

/** The metrics Autopilot accepts for each problem type. */
export const METRICS_BY_PROBLEM_TYPE: Readonly<Record<AutoMLProblemType, readonly AutoMLMetric[]>> = {
  [AutoMLProblemType.BINARY_CLASSIFICATION]: [
    AutoMLMetric.ACCURACY, AutoMLMetric.AUC, AutoMLMetric.BALANCED_ACCURACY, AutoMLMetric.F1, AutoMLMetric.PRECISION, AutoMLMetric.RECALL,
  ],
  [AutoMLProblemType.MULTICLASS_CLASSIFICATION]: [
    AutoMLMetric.ACCURACY, AutoMLMetric.BALANCED_ACCURACY, AutoMLMetric.F1_MACRO, AutoMLMetric.PRECISION_MACRO, AutoMLMetric.RECALL_MACRO,
  ],
  [AutoMLProblemType.REGRESSION]: [AutoMLMetric.MAE, AutoMLMetric.MSE, AutoMLMetric.R2, AutoMLMetric.RMSE],
};
