import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MODEL_QUALITY_STATISTICS_FILE } from '../../containers/linear-learner/quality-statistics';
import { loadLinearLearnerPredictor } from '../../containers/linear-learner/serve';
import { trainLinearLearner } from '../../containers/linear-learner/train';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { runTraining } from '../../containers/runtime/training';
import { Algorithm } from '../../lib/core/algorithm';
import { modelQualityStatistics as registryStatistics } from '../../lib/handlers/sagemaker-job/model-registry';
import { modelQualityFormatProblems } from '../helpers/model-quality-format';

const FEATURES = 6;
let random = seededRandom(20261129);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Overlapping classes (so every cell of the confusion matrix is filled): label 1 when w·x + noise > 0. */
const binaryRow = () => {
  const x = Array.from({ length: FEATURES }, () => gaussian());
  return [x.reduce((s, v, j) => s + v * (j + 1), 0) + 3 * gaussian() > 0 ? 1 : 0, ...x];
};
const regressionRow = () => {
  const x = Array.from({ length: FEATURES }, () => gaussian());
  return [x.reduce((s, v, j) => s + v * (j - 2), 10) + gaussian(), ...x];
};
/** Three classes by the sign pattern of two noisy features. */
const multiclassRow = () => {
  const x = Array.from({ length: FEATURES }, () => gaussian());
  const a = x[0] + 0.7 * gaussian(), b = x[1] + 0.7 * gaussian();
  return [a > 0 ? 0 : b > 0 ? 1 : 2, ...x];
};

function optMl(hyperparameters: Record<string, string>, row: () => number[], counts: Record<string, number>): { layout: OptMl; rows: Record<string, number[][]> } {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-mq-')));
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify({ feature_dim: String(FEATURES), epochs: '8', ...hyperparameters }));
  const rows: Record<string, number[][]> = {};
  for (const [channel, n] of Object.entries(counts)) {
    rows[channel] = Array.from({ length: n }, row);
    fs.mkdirSync(layout.channel(channel), { recursive: true });
    fs.writeFileSync(path.join(layout.channel(channel), 'data.csv'), rows[channel].map((r) => r.join(',')).join('\n'));
  }
  return { layout, rows };
}

/** The final metrics the job printed, by the metric definitions SageMaker parses them with. */
function printedMetrics(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of Algorithm.linearLearner().metricDefinitions) {
    const value = lines.map((line) => new RegExp(metric.regex).exec(line)?.[1]).filter(Boolean).pop();
    if (value !== undefined) out[metric.name] = Number(value);
  }
  return out;
}

/** What the serving image answers for these rows (labels dropped), as JSON predictions. */
async function served(layout: OptMl, rows: number[][]): Promise<Array<{ score: number | number[]; predicted_label?: number }>> {
  const predictor = loadLinearLearnerPredictor(layout);
  const body = Buffer.from(rows.map((r) => r.slice(1).join(',')).join('\n'));
  return JSON.parse((await predictor.invoke(body, 'text/csv', 'application/json')).body as string).predictions;
}

const statisticsOf = (layout: OptMl) => JSON.parse(fs.readFileSync(path.join(layout.modelDir, MODEL_QUALITY_STATISTICS_FILE), 'utf8'));

/** The probability that a random positive scores above a random negative (ties count half). */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let above = 0, pairs = 0;
  scores.forEach((p, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((n, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      above += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return above / pairs;
}

describe('the Linear Learner image writes SageMaker model-quality statistics next to the model', () => {
  let lines: string[];
  beforeEach(() => {
    random = seededRandom(20261129);
    lines = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(String(line)); });
  });
  afterEach(() => jest.restoreAllMocks());

  test('binary classifier: the test channel\'s statistics are in the format, agree with the printed metrics and with what serving answers', async () => {
    // Given a binary classifier trained with validation and test channels (test ≥ 200 rows)
    const { layout, rows } = optMl({ predictor_type: 'binary_classifier' }, binaryRow, { train: 1500, validation: 300, test: 400 });
    // When the job trains
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    // Then the file conforms to the model-quality format, with every documented binary metric
    const statistics = statisticsOf(layout);
    expect(modelQualityFormatProblems(statistics, { complete: true })).toEqual([]);
    expect(statistics.dataset.item_count).toBe(400);
    const section = statistics.binary_classification_metrics;
    expect(typeof section.accuracy.standard_deviation).toBe('number');
    // and its numbers are the test channel's: as printed for SageMaker's metric definitions
    const printed = printedMetrics(lines);
    expect(section.accuracy.value).toBeCloseTo(printed['test:binary_classification_accuracy'], 4);
    expect(section.precision.value).toBeCloseTo(printed['test:precision'], 4);
    expect(section.recall.value).toBeCloseTo(printed['test:recall'], 4);
    // and as the model-quality monitor would count them from the served score and predicted_label
    const predictions = await served(layout, rows.test);
    const labels = rows.test.map((r) => r[0]);
    const cell = (actual: number, predicted: number) => predictions.filter((p, i) => labels[i] === actual && p.predicted_label === predicted).length;
    expect(section.confusion_matrix).toEqual({ 0: { 0: cell(0, 0), 1: cell(0, 1) }, 1: { 0: cell(1, 0), 1: cell(1, 1) } });
    expect(cell(0, 1)).toBeGreaterThan(0);
    expect(cell(1, 0)).toBeGreaterThan(0);
    expect(section.auc.value).toBeCloseTo(pairwiseAuc(predictions.map((p) => p.score as number), labels), 3);
    const tp = cell(1, 1), fp = cell(0, 1), fn = cell(1, 0);
    const precision = tp / (tp + fp), recall = tp / (tp + fn);
    expect(section.f2.value).toBeCloseTo((5 * precision * recall) / (4 * precision + recall), 4);
    expect(section.precision_best_constant_classifier.value).toBeCloseTo(labels.filter((l) => l === 1).length / labels.length, 10);
  });

  test('regressor with a validation channel only (under 200 rows): the validation channel\'s errors, deviations "NaN"', async () => {
    // Given a regressor trained with a small validation channel and no test channel
    const { layout, rows } = optMl({ predictor_type: 'regressor' }, regressionRow, { train: 1500, validation: 150 });
    // When the job trains
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    // Then the statistics are the validation channel's, in the format, without deviations
    const statistics = statisticsOf(layout);
    expect(modelQualityFormatProblems(statistics, { complete: true })).toEqual([]);
    const section = statistics.regression_metrics;
    expect(section.rmse.standard_deviation).toBe('NaN');
    const printed = printedMetrics(lines);
    expect(section.rmse.value).toBeCloseTo(printed['validation:rmse'], 3);
    expect(section.mae.value).toBeCloseTo(printed['validation:absolute_loss'], 3);
    const predictions = (await served(layout, rows.validation)).map((p) => p.score as number);
    const labels = rows.validation.map((r) => r[0]);
    const mean = labels.reduce((a, b) => a + b, 0) / labels.length;
    const residual = labels.reduce((total, y, i) => total + (y - predictions[i]) ** 2, 0);
    const spread = labels.reduce((total, y) => total + (y - mean) ** 2, 0);
    expect(section.r2.value).toBeCloseTo(1 - residual / spread, 3);
    expect(section.r2.value).toBeGreaterThan(0.9);
  });

  test('multiclass classifier: weighted metrics and the confusion matrix of the served predicted_label', async () => {
    // Given a three-class classifier with a test channel
    const { layout, rows } = optMl({ predictor_type: 'multiclass_classifier', num_classes: '3' }, multiclassRow, { train: 1500, test: 300 });
    // When the job trains
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    // Then
    const statistics = statisticsOf(layout);
    expect(modelQualityFormatProblems(statistics, { complete: true })).toEqual([]);
    const section = statistics.multiclass_classification_metrics;
    expect(section.accuracy.value).toBeCloseTo(printedMetrics(lines)['test:multiclass_accuracy'], 4);
    const predicted = (await served(layout, rows.test)).map((p) => p.predicted_label!);
    const labels = rows.test.map((r) => r[0]);
    for (let a = 0; a < 3; a++) {
      for (let p = 0; p < 3; p++) expect(section.confusion_matrix[a][p]).toBe(predicted.filter((q, i) => labels[i] === a && q === p).length);
    }
    // weighted recall is accuracy (support-weighted recalls sum the diagonal)
    expect(section.weighted_recall.value).toBeCloseTo(section.accuracy.value, 10);
    const support = [0, 1, 2].map((c) => labels.filter((l) => l === c).length);
    expect(section.accuracy_best_constant_classifier.value).toBeCloseTo(Math.max(...support) / labels.length, 10);
  });

  test('without a validation or test channel no statistics are written (training data would flatter the model)', async () => {
    const { layout } = optMl({ predictor_type: 'binary_classifier' }, binaryRow, { train: 500 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    expect(fs.existsSync(path.join(layout.modelDir, MODEL_QUALITY_STATISTICS_FILE))).toBe(false);
    expect(fs.existsSync(path.join(layout.modelDir, 'model.json'))).toBe(true);
  });

  test('the registry\'s statistics from a built-in\'s FinalMetricDataList are in the same format', () => {
    const fromMetrics = registryStatistics([
      { MetricName: 'validation:binary_classification_accuracy', Value: 0.9 },
      { MetricName: 'validation:precision', Value: 0.8 },
      { MetricName: 'validation:recall', Value: 0.7 },
    ], '2026-11-29T00:00:00.000Z');
    expect(modelQualityFormatProblems(fromMetrics)).toEqual([]);
  });

  test('the format check finds what departs from the format', () => {
    expect(modelQualityFormatProblems({ version: 0, dataset: {}, regression_metrics: { rmse: { value: 'x', standard_deviation: -1 }, loss: { value: 1, standard_deviation: 0 } } }))
      .toEqual(['regression_metrics.rmse.value is not a finite number', 'regression_metrics.rmse.standard_deviation is neither a number ≥ 0 nor "NaN"', 'regression_metrics.loss is not a metric of the format']);
  });
});
