/**
 * The built-in Linear Learner's evaluation metrics of one model, from its raw scores: for binary
 * classifiers objective_loss (the training loss), binary_classification_accuracy, precision,
 * recall and binary_f_beta; for regressors objective_loss, mse, rmse and absolute_loss; for
 * multiclass classifiers objective_loss (cross-entropy), multiclass_accuracy, macro_precision,
 * macro_recall and macro_f_beta.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner-tuning.html
 */

export type Predictor = 'binary_classifier' | 'regressor' | 'multiclass_classifier';

/** Whether smaller is better, which the metric line's `<loss>` / `<score>` tag says. */
export const isLossMetric = (name: string) => name.endsWith('loss') || name === 'rmse' || name === 'mse';

/**
 * @param scores raw scores: one per row, or rows × classes for multiclass
 * @param y labels in the training scale (0/1, class indices, or standardised targets)
 * @param labelScale what regression errors are multiplied by to be in the label's units
 */
export function evaluate(scores: Float32Array, y: Float32Array, predictor: Predictor, loss: string, labelScale = 1, beta = 1): Record<string, number> {
  if (predictor === 'binary_classifier') return binary(scores, y, loss, beta);
  if (predictor === 'multiclass_classifier') return multiclass(scores, y, beta);
  return regression(scores, y, loss, labelScale);
}

const fBeta = (precision: number, recall: number, beta: number) =>
  (precision + recall ? ((1 + beta * beta) * precision * recall) / (beta * beta * precision + recall) : 0);

function binary(scores: Float32Array, y: Float32Array, loss: string, beta: number): Record<string, number> {
  const n = y.length;
  let objective = 0, tp = 0, fp = 0, fn = 0, correct = 0;
  for (let i = 0; i < n; i++) {
    const t = y[i] > 0.5 ? 1 : -1, z = t * scores[i];
    objective += loss === 'hinge_loss' ? Math.max(0, 1 - z) : (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
    const predicted = scores[i] > 0 ? 1 : 0;
    if (predicted === y[i]) correct++;
    if (predicted === 1 && y[i] === 1) tp++;
    if (predicted === 1 && y[i] === 0) fp++;
    if (predicted === 0 && y[i] === 1) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
  return { objective_loss: objective / n, binary_classification_accuracy: correct / n, precision, recall, binary_f_beta: fBeta(precision, recall, beta) };
}

function regression(scores: Float32Array, y: Float32Array, loss: string, labelScale: number): Record<string, number> {
  const n = y.length;
  let squared = 0, absolute = 0;
  for (let i = 0; i < n; i++) {
    const error = (scores[i] - y[i]) * labelScale;
    squared += error * error;
    absolute += Math.abs(error);
  }
  const mse = squared / n;
  return { objective_loss: loss === 'absolute_loss' ? absolute / n : mse / 2, mse, rmse: Math.sqrt(mse), absolute_loss: absolute / n };
}

function multiclass(scores: Float32Array, y: Float32Array, beta: number): Record<string, number> {
  const n = y.length, classes = scores.length / n;
  const tp = new Array<number>(classes).fill(0), predictedCount = new Array<number>(classes).fill(0), actualCount = new Array<number>(classes).fill(0);
  let crossEntropy = 0, correct = 0;
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + top]) top = c;
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(scores[i * classes + c] - scores[i * classes + top]);
    const label = y[i];
    crossEntropy += Math.log(total) - (scores[i * classes + label] - scores[i * classes + top]);
    predictedCount[top]++;
    actualCount[label]++;
    if (top === label) { correct++; tp[label]++; }
  }
  // Macro averages over the classes present in the labels or the predictions.
  const present = Array.from({ length: classes }, (_, c) => c).filter((c) => actualCount[c] + predictedCount[c] > 0);
  const precision = present.reduce((s, c) => s + (predictedCount[c] ? tp[c] / predictedCount[c] : 0), 0) / present.length;
  const recall = present.reduce((s, c) => s + (actualCount[c] ? tp[c] / actualCount[c] : 0), 0) / present.length;
  return {
    objective_loss: crossEntropy / n, multiclass_accuracy: correct / n,
    macro_precision: precision, macro_recall: recall, macro_f_beta: fBeta(precision, recall, beta),
  };
}

/** How a binary classifier's models are ranked (binary_classifier_model_selection_criteria). */
export interface Selection {
  readonly criterion: string;
  readonly beta: number;
  readonly targetPrecision: number;
  readonly targetRecall: number;
}

/**
 * A binary classifier's merit under the selection criterion, higher is better: accuracy or
 * F-beta at the 0.5 probability threshold, the negated objective loss, or the best precision
 * (recall) over all thresholds that reach the target recall (precision); -1 when none does.
 */
export function selectionMerit(scores: Float32Array, y: Float32Array, loss: string, selection: Selection): number {
  const metrics = binary(scores, y, loss, selection.beta);
  if (selection.criterion === 'accuracy') return metrics.binary_classification_accuracy;
  if (selection.criterion === 'f_beta') return metrics.binary_f_beta;
  if (selection.criterion === 'loss_function') return -metrics.objective_loss;
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
