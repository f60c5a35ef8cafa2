/**
 * The built-in Linear Learner's evaluation metrics of one model, from its sums over the rows (which
 * the native kernels compute for every model in one pass, or `sumsOf` from raw scores): for binary
 * classifiers objective_loss (the training loss), binary_classification_accuracy, precision,
 * recall and binary_f_beta; for regressors objective_loss, mse, rmse and absolute_loss; for
 * multiclass classifiers objective_loss (cross-entropy), multiclass_accuracy, macro_precision,
 * macro_recall and macro_f_beta.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner-tuning.html
 */
import { LINEAR_SUMS, LinearEpochConfig, linearCountedClasses, linearSumsWidth } from '../native';

export type Predictor = 'binary_classifier' | 'regressor' | 'multiclass_classifier';

/** Whether smaller is better, which the metric line's `<loss>` / `<score>` tag says. */
export const isLossMetric = (name: string) => name.endsWith('loss') || name === 'rmse' || name === 'mse';

type Loss = LinearEpochConfig['loss'];

/**
 * A model's metrics from its sums over `rows` rows (the native kernels' `linearEvaluate`, laid out
 * as `LINEAR_SUMS` says).
 * @param labelScale what regression errors are multiplied by to be in the label's units
 */
export function metricsFromSums(sums: Float64Array, rows: number, predictor: Predictor, loss: string, labelScale = 1, beta = 1): Record<string, number> {
  const classes = linearCountedClasses(loss as Loss, predictor === 'multiclass_classifier' ? (sums.length - LINEAR_SUMS.counts) / 3 : 1);
  const count = (kind: 0 | 1 | 2, c: number) => sums[LINEAR_SUMS.counts + kind * classes + c];  // right, predicted, actual
  if (predictor === 'regressor') {
    const mse = (sums[LINEAR_SUMS.squared] * labelScale * labelScale) / rows, absolute = (sums[LINEAR_SUMS.absolute] * labelScale) / rows;
    return { objective_loss: loss === 'absolute_loss' ? absolute : mse / 2, mse, rmse: Math.sqrt(mse), absolute_loss: absolute };
  }
  const objective = sums[LINEAR_SUMS.loss] / rows, accuracy = sums[LINEAR_SUMS.correct] / rows;
  if (predictor === 'binary_classifier') {
    const precision = count(1, 1) ? count(0, 1) / count(1, 1) : 0, recall = count(2, 1) ? count(0, 1) / count(2, 1) : 0;
    return { objective_loss: objective, binary_classification_accuracy: accuracy, precision, recall, binary_f_beta: fBeta(precision, recall, beta) };
  }
  // Macro averages over the classes present in the labels or the predictions.
  const present = Array.from({ length: classes }, (_, c) => c).filter((c) => count(1, c) + count(2, c) > 0);
  const precision = present.reduce((total, c) => total + (count(1, c) ? count(0, c) / count(1, c) : 0), 0) / present.length;
  const recall = present.reduce((total, c) => total + (count(2, c) ? count(0, c) / count(2, c) : 0), 0) / present.length;
  return {
    objective_loss: objective, multiclass_accuracy: accuracy,
    macro_precision: precision, macro_recall: recall, macro_f_beta: fBeta(precision, recall, beta),
  };
}

/**
 * The sums `linearEvaluate` returns, computed here in float64 from one model's raw scores (one
 * per row, or rows × classes for multiclass): the reference the native kernels are tested
 * against.
 * @param y labels in the training scale (0/1, class indices, or standardised targets)
 */
export function sumsOf(scores: Float32Array, y: Float32Array, predictor: Predictor, loss: string): Float64Array {
  const n = y.length, classes = predictor === 'multiclass_classifier' ? scores.length / n : 1;
  const counted = linearCountedClasses(loss as Loss, classes);
  const sums = new Float64Array(linearSumsWidth(loss as Loss, classes));
  for (let i = 0; i < n; i++) {
    let predicted: number, actual: number;
    if (predictor === 'regressor') {
      const error = scores[i] - y[i];
      sums[LINEAR_SUMS.loss] += loss === 'absolute_loss' ? Math.abs(error) : 0.5 * error * error;
      sums[LINEAR_SUMS.squared] += error * error;
      sums[LINEAR_SUMS.absolute] += Math.abs(error);
      continue;
    } else if (predictor === 'binary_classifier') {
      const z = (y[i] > 0.5 ? 1 : -1) * scores[i];
      sums[LINEAR_SUMS.loss] += loss === 'hinge_loss' ? Math.max(0, 1 - z) : (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
      predicted = scores[i] > 0 ? 1 : 0;
      actual = y[i] > 0.5 ? 1 : 0;
    } else {
      const row = scores.subarray(i * classes, (i + 1) * classes);
      predicted = 0;
      for (let c = 1; c < classes; c++) if (row[c] > row[predicted]) predicted = c;
      const total = row.reduce((sum, score) => sum + Math.exp(score - row[predicted]), 0);
      actual = y[i];
      sums[LINEAR_SUMS.loss] += Math.log(total) - (row[actual] - row[predicted]);
    }
    if (predicted === actual) {
      sums[LINEAR_SUMS.correct]++;
      sums[LINEAR_SUMS.counts + predicted]++;
    }
    sums[LINEAR_SUMS.counts + counted + predicted]++;
    sums[LINEAR_SUMS.counts + 2 * counted + actual]++;
  }
  return sums;
}

/** A model's metrics from its raw scores, in float64 (see `sumsOf`). */
export function evaluate(scores: Float32Array, y: Float32Array, predictor: Predictor, loss: string, labelScale = 1, beta = 1): Record<string, number> {
  return metricsFromSums(sumsOf(scores, y, predictor, loss), y.length, predictor, loss, labelScale, beta);
}

const fBeta = (precision: number, recall: number, beta: number) =>
  (precision + recall ? ((1 + beta * beta) * precision * recall) / (beta * beta * precision + recall) : 0);

/** How a binary classifier's models are ranked (binary_classifier_model_selection_criteria). */
export interface Selection {
  readonly criterion: string;
  readonly beta: number;
  readonly targetPrecision: number;
  readonly targetRecall: number;
}

/** The selection criteria that walk every threshold, and so need the scores themselves. */
export const needsScores = (selection: Selection) => selection.criterion === 'precision_at_target_recall' || selection.criterion === 'recall_at_target_precision';

/**
 * A binary classifier's merit under the selection criterion, higher is better: accuracy or
 * F-beta at the 0.5 probability threshold, the negated objective loss (from its metrics), or
 * the best precision (recall) over all thresholds that reach the target recall (precision); -1
 * when none does (from its scores, see `needsScores`).
 */
export function selectionMerit(metrics: Record<string, number>, selection: Selection, scores?: Float32Array, y?: Float32Array): number {
  if (selection.criterion === 'accuracy') return metrics.binary_classification_accuracy;
  if (selection.criterion === 'f_beta') return metrics.binary_f_beta;
  if (selection.criterion === 'loss_function') return -metrics.objective_loss;
  if (!scores || !y) throw new Error(`selection by ${selection.criterion} needs the model's scores`);
  // Walk the thresholds from the highest score down: each step admits one more predicted positive.
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  const positives = y.reduce((count, label) => count + (label > 0.5 ? 1 : 0), 0);
  let tp = 0, best = -1;
  order.forEach((row, i) => {
    if (y[row] > 0.5) tp++;
    if (i + 1 < order.length && scores[order[i + 1]] === scores[row]) return; // ties share a threshold
    const precision = tp / (i + 1), recall = positives ? tp / positives : 0;
    if (selection.criterion === 'precision_at_target_recall' && recall >= selection.targetRecall) best = Math.max(best, precision);
    if (selection.criterion === 'recall_at_target_precision' && precision >= selection.targetPrecision) best = Math.max(best, recall);
  });
  return best;
}
