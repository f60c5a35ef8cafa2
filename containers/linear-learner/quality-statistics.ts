/**
 * The chosen model's quality on its evaluation channel (test, else validation) in the format of
 * SageMaker Model Monitor's model-quality `statistics.json`: the file a model package's
 * `ModelMetrics.ModelQuality.Statistics` points at, and what the model registry shows beside a
 * version. Written next to the model (`model_quality_statistics.json` in /opt/ml/model, so inside
 * model.tar.gz) from the same predictions the serving image returns: `score` (binary: probability
 * of 1; multiclass: a probability per class; regression: the prediction) and `predicted_label`.
 *
 * Sections and metric names follow the model-quality monitor's (regression_metrics,
 * binary_classification_metrics, multiclass_classification_metrics); each metric is
 * `{ value, standard_deviation }`, the deviation from five random 80% samples as Model Monitor
 * computes it, and "NaN" under 200 rows, as it writes then.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
 */
import { LINEAR_LEARNER_SPEC } from './spec';
import { seededRandom } from '../runtime/random';

/** The file's name in the model directory (and so in model.tar.gz), as the spec declares it to the registry. */
export const MODEL_QUALITY_STATISTICS_FILE = LINEAR_LEARNER_SPEC.modelQualityStatistics;

/** Model Monitor's standard deviations need this many rows; fewer get "NaN". */
const DEVIATION_ROWS = 200;
const DEVIATION_SAMPLES = 5;
const DEVIATION_FRACTION = 0.8;

export type QualityMetric = { value: number; standard_deviation: number | 'NaN' };
type Section = Record<string, unknown>;

/** One evaluated channel: the predictions as the serving image returns them, and the true labels. */
export type Evaluated =
  | { readonly problem: 'regression'; readonly predictions: Float64Array; readonly labels: Float64Array }
  | { readonly problem: 'binary'; readonly probabilities: Float64Array; readonly labels: Float64Array }
  | { readonly problem: 'multiclass'; readonly predictedLabels: Int32Array; readonly labels: Float64Array; readonly classes: number };

/** The statistics document of one evaluated channel. */
export function modelQualityStatistics(evaluated: Evaluated, evaluationTime: Date): Record<string, unknown> {
  const rows = evaluated.labels.length;
  const section = evaluated.problem === 'regression' ? ['regression_metrics', regressionSection(evaluated)]
    : evaluated.problem === 'binary' ? ['binary_classification_metrics', binarySection(evaluated)]
      : ['multiclass_classification_metrics', multiclassSection(evaluated)];
  return {
    version: 0.0,
    dataset: { item_count: rows, evaluation_time: evaluationTime.toISOString() },
    [section[0] as string]: section[1],
  };
}

function regressionSection(e: Extract<Evaluated, { problem: 'regression' }>): Section {
  const scalar = (rows: ArrayLike<number>) => {
    let absolute = 0, squared = 0, mean = 0;
    for (let i = 0; i < rows.length; i++) mean += e.labels[rows[i]] / rows.length;
    let total = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i], error = e.predictions[r] - e.labels[r];
      absolute += Math.abs(error);
      squared += error * error;
      total += (e.labels[r] - mean) ** 2;
    }
    const mse = squared / rows.length;
    return { mae: absolute / rows.length, mse, rmse: Math.sqrt(mse), r2: total > 0 ? 1 - squared / total : 0 };
  };
  return withDeviations(e.labels.length, scalar);
}

function binarySection(e: Extract<Evaluated, { problem: 'binary' }>): Section {
  const actual = (r: number) => (e.labels[r] > 0.5 ? 1 : 0);
  const predicted = (r: number) => (e.probabilities[r] > 0.5 ? 1 : 0);
  const scalar = (rows: ArrayLike<number>) => {
    let tp = 0, fp = 0, tn = 0, fn = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i], a = actual(r), p = predicted(r);
      if (a && p) tp++; else if (p) fp++; else if (a) fn++; else tn++;
    }
    const n = rows.length, positives = tp + fn, negatives = tn + fp;
    const precision = ratio(tp, tp + fp), recall = ratio(tp, positives);
    // The best constant classifier, as Model Monitor reports it, predicts 1 for every row.
    const constantPrecision = ratio(positives, n);
    const metrics: Record<string, number> = {
      recall, precision, accuracy: ratio(tp + tn, n),
      recall_best_constant_classifier: positives > 0 ? 1 : 0, precision_best_constant_classifier: constantPrecision,
      accuracy_best_constant_classifier: constantPrecision,
      true_positive_rate: recall, true_negative_rate: ratio(tn, negatives),
      false_positive_rate: ratio(fp, negatives), false_negative_rate: ratio(fn, positives),
      auc: rocCurve(e.probabilities, e.labels, rows).auc,
    };
    for (const [name, beta] of F_SCORES) {
      metrics[name] = fBeta(precision, recall, beta);
      metrics[`${name}_best_constant_classifier`] = fBeta(constantPrecision, positives > 0 ? 1 : 0, beta);
    }
    return metrics;
  };
  const all = Int32Array.from(e.labels.keys());
  const curve = rocCurve(e.probabilities, e.labels, all);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  all.forEach((r) => {
    const a = actual(r), p = predicted(r);
    if (a && p) tp++; else if (p) fp++; else if (a) fn++; else tn++;
  });
  return {
    confusion_matrix: { 0: { 0: tn, 1: fp }, 1: { 0: fn, 1: tp } },
    ...withDeviations(e.labels.length, scalar),
    receiver_operating_characteristic_curve: { false_positive_rates: curve.fpr, true_positive_rates: curve.tpr },
    precision_recall_curve: { precisions: curve.precisions, recalls: curve.tpr },
  };
}

function multiclassSection(e: Extract<Evaluated, { problem: 'multiclass' }>): Section {
  const scalar = (rows: ArrayLike<number>) => {
    const counts = confusion(e, rows);
    const support = counts.map((row) => row.reduce((a, b) => a + b, 0));
    const predictedTotals = counts[0].map((_, p) => counts.reduce((total, row) => total + row[p], 0));
    const n = rows.length;
    let right = 0;
    counts.forEach((row, c) => { right += row[c]; });
    // Weighted by each class's share of the true labels (scikit-learn's average='weighted').
    const weighted = (perClass: (c: number) => number) => counts.reduce((total, _, c) => total + (support[c] / n) * perClass(c), 0);
    const precision = (c: number) => ratio(counts[c][c], predictedTotals[c]), recall = (c: number) => ratio(counts[c][c], support[c]);
    const majority = support.indexOf(Math.max(...support));
    // The best constant classifier predicts the most frequent true class for every row.
    const constantPrecision = (c: number) => (c === majority ? ratio(support[c], n) : 0);
    const constantRecall = (c: number) => (c === majority ? 1 : 0);
    const metrics: Record<string, number> = {
      accuracy: ratio(right, n), weighted_recall: weighted(recall), weighted_precision: weighted(precision),
      accuracy_best_constant_classifier: ratio(support[majority], n),
      weighted_recall_best_constant_classifier: weighted(constantRecall),
      weighted_precision_best_constant_classifier: weighted(constantPrecision),
    };
    for (const [name, beta] of F_SCORES) {
      metrics[`weighted_${name}`] = weighted((c) => fBeta(precision(c), recall(c), beta));
      metrics[`weighted_${name}_best_constant_classifier`] = weighted((c) => fBeta(constantPrecision(c), constantRecall(c), beta));
    }
    return metrics;
  };
  const counts = confusion(e, Int32Array.from(e.labels.keys()));
  const matrix = Object.fromEntries(counts.map((row, a) => [a, Object.fromEntries(row.map((count, p) => [p, count]))]));
  return { confusion_matrix: matrix, ...withDeviations(e.labels.length, scalar) };
}

/** counts[actual][predicted] over the given rows. */
function confusion(e: Extract<Evaluated, { problem: 'multiclass' }>, rows: ArrayLike<number>): number[][] {
  const counts = Array.from({ length: e.classes }, () => new Array<number>(e.classes).fill(0));
  for (let i = 0; i < rows.length; i++) counts[e.labels[rows[i]]][e.predictedLabels[rows[i]]]++;
  return counts;
}

const F_SCORES: Array<[string, number]> = [['f0_5', 0.5], ['f1', 1], ['f2', 2]];

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

const fBeta = (precision: number, recall: number, beta: number) =>
  (precision + recall > 0 ? ((1 + beta * beta) * precision * recall) / (beta * beta * precision + recall) : 0);

/**
 * The ROC curve (one point per distinct threshold, highest first, from (0, 0)), its area by the
 * trapezoid rule (ties as one step: the Mann-Whitney AUC), and the precision at each point.
 */
function rocCurve(probabilities: Float64Array, labels: Float64Array, rows: ArrayLike<number>) {
  const order = Array.from(rows).sort((a, b) => probabilities[b] - probabilities[a]);
  const positives = order.reduce((count, r) => count + (labels[r] > 0.5 ? 1 : 0), 0), negatives = order.length - positives;
  const fpr = [0], tpr = [0], precisions = [1];
  let tp = 0, fp = 0, auc = 0;
  order.forEach((r, i) => {
    if (labels[r] > 0.5) tp++; else fp++;
    if (i + 1 < order.length && probabilities[order[i + 1]] === probabilities[r]) return;
    const x = ratio(fp, negatives), y = ratio(tp, positives);
    auc += (x - fpr[fpr.length - 1]) * (y + tpr[tpr.length - 1]) / 2;
    fpr.push(x); tpr.push(y); precisions.push(ratio(tp, tp + fp));
  });
  return { fpr, tpr, precisions, auc: positives > 0 && negatives > 0 ? auc : 0 };
}

/**
 * Each scalar metric of all rows with its standard deviation over five random 80% samples (a
 * fixed seed, so a rerun writes the same file); "NaN" under 200 rows, as Model Monitor does.
 */
function withDeviations(rows: number, scalar: (rows: ArrayLike<number>) => Record<string, number>): Record<string, QualityMetric> {
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  const values = scalar(all);
  const samples: Array<Record<string, number>> = [];
  if (rows >= DEVIATION_ROWS) {
    const random = seededRandom(rows);
    const size = Math.floor(rows * DEVIATION_FRACTION);
    for (let s = 0; s < DEVIATION_SAMPLES; s++) {
      const shuffled = Int32Array.from(all);
      for (let i = 0; i < size; i++) {  // a partial Fisher-Yates shuffle: the first `size` rows are the sample
        const j = i + Math.floor(random() * (rows - i));
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      samples.push(scalar(shuffled.subarray(0, size)));
    }
  }
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, {
    value,
    standard_deviation: samples.length > 0 ? standardDeviation(samples.map((sample) => sample[name])) : 'NaN',
  }]));
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((total, v) => total + (v - mean) ** 2, 0) / values.length);
}
