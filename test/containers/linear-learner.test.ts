import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LINEAR_LEARNER_HYPERPARAMETERS } from '../../containers/linear-learner/hyperparameters';
import { loadLinearLearnerPredictor } from '../../containers/linear-learner/serve';
import { evaluate, Selection, selectionMerit } from '../../containers/linear-learner/metrics';
import { trainLinearLearner } from '../../containers/linear-learner/train';
import { LinearModels } from '../../containers/native';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { runTraining } from '../../containers/runtime/training';
import { Algorithm } from '../../lib/core/algorithm';

/** A /opt/ml whose channels hold CSV rows `label,features...` drawn by `row`. */
function optMl(hyperparameters: Record<string, string>, row: () => number[], counts: Record<string, number>): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-ll-')));
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify(hyperparameters));
  for (const [channel, n] of Object.entries(counts)) {
    fs.mkdirSync(layout.channel(channel), { recursive: true });
    fs.writeFileSync(path.join(layout.channel(channel), 'data.csv'), Array.from({ length: n }, () => row().join(',')).join('\n'));
  }
  return layout;
}

const FEATURES = 10;
const TRUE_WEIGHTS = Array.from({ length: FEATURES }, (_, j) => (j % 2 ? 1 : -1) * (1 + j / 5));
/** Each test draws its data from the same seeded sequence, so a failure replays exactly. */
let random = seededRandom(20261122);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Linearly separable classes with a margin. */
function separableRow(): number[] {
  for (;;) {
    const x = Array.from({ length: FEATURES }, () => gaussian() * 3 + 5);
    const margin = x.reduce((s, v, j) => s + (v - 5) * TRUE_WEIGHTS[j], 0);
    if (Math.abs(margin) > 1) return [margin > 0 ? 1 : 0, ...x];
  }
}

/** y = w·x + 4 + noise of standard deviation 0.5. */
function regressionRow(): number[] {
  const x = Array.from({ length: FEATURES }, () => gaussian());
  return [x.reduce((s, v, j) => s + v * TRUE_WEIGHTS[j], 4) + 0.5 * gaussian(), ...x];
}

function metricsOf(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of Algorithm.linearLearner().metricDefinitions) {
    // The last line that matches, as SageMaker reports a metric's final value.
    const value = lines.map((line) => new RegExp(metric.regex).exec(line)?.[1]).filter(Boolean).pop();
    if (value !== undefined) out[metric.name] = Number(value);
  }
  return out;
}

describe('Linear Learner container', () => {
  let lines: string[];
  beforeEach(() => {
    random = seededRandom(20261122);
    lines = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(String(line)); });
  });
  afterEach(() => jest.restoreAllMocks());

  const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
  const hugePagesAllowed = fs.existsSync(THP) && !fs.readFileSync(THP, 'utf8').includes('[never]');
  (hugePagesAllowed ? test : test.skip)('Given 2 MiB of training rows, When the job trains, Then the standardised rows every epoch reads are on huge pages', async () => {
    // GIVEN 8,192 rows of 64 features: 2 MiB of floats
    const wide = () => { const x = Array.from({ length: 64 }, () => gaussian()); return [x[0] + x[1] > 0 ? 1 : 0, ...x]; };
    const layout = optMl({ predictor_type: 'binary_classifier', feature_dim: '64', epochs: '1', mini_batch_size: '1000', num_models: '8' }, wide, { train: 8192 });

    // WHEN
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);

    // THEN the placement's line names the MiB on huge pages (a plain Float32Array gets none)
    const placed = lines.find((line) => line.startsWith('rows placed: train'));
    expect(placed).toMatch(/^rows placed: train, 8192 × 64, in host memory .*; [1-9]\d* MiB of them on huge pages$/);
  });

  test('binary classification on separable data reaches at least 0.95 accuracy, in the metrics Algorithm.linearLearner() parses', async () => {
    const layout = optMl({ predictor_type: 'binary_classifier', feature_dim: String(FEATURES), epochs: '10', mini_batch_size: '100' },
      separableRow, { train: 2000, validation: 500, test: 500 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    const metrics = metricsOf(lines);
    expect(metrics['validation:binary_classification_accuracy']).toBeGreaterThanOrEqual(0.95);
    expect(metrics['test:binary_classification_accuracy']).toBeGreaterThanOrEqual(0.95);
    expect(metrics['validation:objective_loss']).toBeLessThan(0.2);
    expect(metrics['train:objective_loss']).toBeDefined();

    const predictor = loadLinearLearnerPredictor(layout);
    const positive = separableRow(), negative = separableRow();
    const answer = JSON.parse((await predictor.invoke(Buffer.from(`${positive.slice(1).join(',')}\n${negative.slice(1).join(',')}`), 'text/csv', 'application/json')).body as string);
    expect(answer.predictions.map((p: any) => p.predicted_label)).toEqual([positive[0], negative[0]]);
    expect(answer.predictions[0].score).toBeGreaterThanOrEqual(0);
    expect(answer.predictions[0].score).toBeLessThanOrEqual(1);
  });

  test('regression reaches an RMSE near the noise level (0.5)', async () => {
    const layout = optMl({ predictor_type: 'regressor', feature_dim: String(FEATURES), epochs: '20', mini_batch_size: '50' },
      regressionRow, { train: 3000, validation: 500 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    const metrics = metricsOf(lines);
    expect(metrics['validation:rmse']).toBeLessThan(0.6);
    expect(metrics['validation:rmse']).toBeGreaterThan(0.4);
    const predictor = loadLinearLearnerPredictor(layout);
    const x = Array.from({ length: FEATURES }, () => 0);
    const answer = JSON.parse((await predictor.invoke(Buffer.from(JSON.stringify({ instances: [{ features: x }] })), 'application/json', 'application/json')).body as string);
    expect(answer.predictions[0].score).toBeCloseTo(4, 0);
  });

  test('the container accepts exactly the hyperparameters Algorithm.linearLearner() declares', () => {
    const reserved = /^_(tuning_objective_metric|enable_profiler|kvstore|num_kv_servers|num_gpus)$/;
    expect(Algorithm.linearLearner().hyperparameterNames!.filter((n) => !reserved.test(n)).sort()).toEqual(Object.keys(LINEAR_LEARNER_HYPERPARAMETERS).sort());
  });

  test.each([
    [{ predictor_type: 'binary_classifier', loss: 'squared_loss' }, 'loss squared_loss does not fit predictor_type binary_classifier: use logistic or hinge_loss'],
    [{ predictor_type: 'multiclass_classifier' }, 'num_classes is required when predictor_type is multiclass_classifier'],
    [{ predictor_type: 'multiclass_classifier', num_classes: '3' }, 'multiclass_classifier labels must be whole numbers from 0 to 2 (num_classes is 3): record 1 of channel train has 3'],
  ])('unsupported or inconsistent settings fail with a reason in output/failure: %j', async (hyperparameters, reason) => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const layout = optMl(hyperparameters, () => [3, 1, 2], { train: 10 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(1);
    expect(fs.readFileSync(layout.failureFile, 'utf8')).toContain(reason);
  });

  test('multiclass classification of four separable classes reaches at least 0.95 accuracy, and serving answers a probability per class', async () => {
    const centers = [[4, 0], [-4, 0], [0, 4], [0, -4]];
    const classRow = () => {
      const label = Math.floor(random() * 4);
      return [label, ...centers[label].map((c) => c + gaussian()), gaussian()];
    };
    const layout = optMl({ predictor_type: 'multiclass_classifier', num_classes: '4', feature_dim: '3', epochs: '10', mini_batch_size: '100' },
      classRow, { train: 4000, validation: 500 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    const metrics = metricsOf(lines);
    expect(metrics['validation:multiclass_accuracy']).toBeGreaterThanOrEqual(0.95);
    expect(metrics['validation:macro_f_beta']).toBeGreaterThanOrEqual(0.95);
    expect(metrics['validation:objective_loss']).toBeLessThan(0.3);

    const predictor = loadLinearLearnerPredictor(layout);
    const rows = centers.map((c) => [...c, 0]);
    const json = JSON.parse((await predictor.invoke(Buffer.from(rows.map((r) => r.join(',')).join('\n')), 'text/csv', 'application/json')).body as string);
    expect(json.predictions.map((p: any) => p.predicted_label)).toEqual([0, 1, 2, 3]);
    for (const p of json.predictions) {
      expect(p.score).toHaveLength(4);
      expect(p.score.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
      expect(p.score[p.predicted_label]).toBe(Math.max(...p.score));
    }
    const csv = (await predictor.invoke(Buffer.from(rows[2].join(',')), 'text/csv', 'text/csv')).body as string;
    expect(csv.split(',').map(Number)).toEqual([2, ...json.predictions[2].score]);
  });

  test('hinge loss trains a binary classifier to at least 0.95 accuracy', async () => {
    const layout = optMl({ predictor_type: 'binary_classifier', loss: 'hinge_loss', feature_dim: String(FEATURES), epochs: '10', mini_batch_size: '100' },
      separableRow, { train: 2000, validation: 500 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    expect(metricsOf(lines)['validation:binary_classification_accuracy']).toBeGreaterThanOrEqual(0.95);
  });

  test('RMSProp (optimizer=rmsprop) trains a binary classifier to at least 0.95 accuracy; Adam\'s beta_1 / beta_2 are checked', async () => {
    const layout = optMl({ predictor_type: 'binary_classifier', optimizer: 'rmsprop', feature_dim: String(FEATURES), epochs: '10', mini_batch_size: '100' },
      separableRow, { train: 2000, validation: 500 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    expect(metricsOf(lines)['validation:binary_classification_accuracy']).toBeGreaterThanOrEqual(0.95);
    expect(lines.some((l) => /Linear Learner: .* rmsprop, logistic$/.test(l))).toBe(true);
    const bad = optMl({ predictor_type: 'binary_classifier', beta_2: '1', feature_dim: String(FEATURES) }, separableRow, { train: 50 });
    expect(await runTraining(trainLinearLearner, bad)).not.toBe(0);
    expect(fs.readFileSync(bad.failureFile, 'utf8')).toMatch(/beta_2: 1 is outside 0\.\.1 \(exclusive\) or auto/);
  });

  test('the native RMSProp and Adam (given betas) steps match a float64 reference over two mini-batches', async () => {
    // GIVEN one model, squared loss, two mini-batches of two rows
    const d = 2, x = Float32Array.from([1, 2, -1, 0.5, 0.3, -2, 2, 1]), y = Float32Array.from([1, -2, 0.5, 3]);
    const reference = (optimizer: 'rmsprop' | 'adam', beta1: number, beta2: number) => {
      const w = [0.2, -0.1], b = [0], m = [0, 0, 0], v = [0, 0, 0], lr = 0.05, eps = 1e-8;
      for (let step = 1; step <= 2; step++) {
        const grad = [0, 0, 0];
        for (const r of [2 * step - 2, 2 * step - 1]) {
          const residual = w[0] * x[r * d] + w[1] * x[r * d + 1] + b[0] - y[r];
          grad[0] += residual * x[r * d] / 2; grad[1] += residual * x[r * d + 1] / 2; grad[2] += residual / 2;
        }
        for (let i = 0; i < 3; i++) {
          let update: number;
          if (optimizer === 'rmsprop') {
            v[i] = 0.9 * v[i] + 0.1 * grad[i] ** 2;
            update = grad[i] / (Math.sqrt(v[i]) + eps);
          } else {
            m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
            v[i] = beta2 * v[i] + (1 - beta2) * grad[i] ** 2;
            update = (m[i] / (1 - beta1 ** step)) / (Math.sqrt(v[i] / (1 - beta2 ** step)) + eps);
          }
          if (i < 2) w[i] -= lr * update; else b[0] -= lr * update;
        }
      }
      return [...w, b[0]];
    };
    for (const [optimizer, beta1, beta2] of [['rmsprop', 0.9, 0.999], ['adam', 0.5, 0.8]] as const) {
      // WHEN
      const models = new LinearModels(1, d);
      models.weights.set([0.2, -0.1]);
      await models.epoch(x, y, { loss: 'squared_loss', optimizer, beta1, beta2, batchSize: 2, l1: 0, wd: 0, useBias: true, learningRates: [0.05] });
      // THEN
      const expected = reference(optimizer, beta1, beta2);
      expect(models.weights[0]).toBeCloseTo(expected[0], 6);
      expect(models.weights[1]).toBeCloseTo(expected[1], 6);
      expect(models.bias[0]).toBeCloseTo(expected[2], 6);
    }
  });

  test('binary models are ranked by binary_classifier_model_selection_criteria', () => {
    // GIVEN scores of six rows, three positive: descending thresholds admit rows 0, 1, 2, ...
    const scores = Float32Array.from([3, 2, 1, 0.5, -1, -2]), y = Float32Array.from([1, 0, 1, 0, 1, 0]);
    const select = (criterion: string, extra: Partial<Selection> = {}) =>
      selectionMerit(evaluate(scores, y, 'binary_classifier', 'logistic'), { criterion, beta: 1, targetPrecision: 0.8, targetRecall: 0.8, ...extra }, scores, y);
    // THEN accuracy and F1 at threshold 0 (4 predicted positive: 2 right), the negated loss, and
    // the best precision once recall reaches 0.8 (all 5 rows down to -1: 3/5), the best recall at
    // precision >= 0.6 (3 rows: 2/3 precision, recall 2/3; 5 rows: 3/5, recall 1)
    expect(select('accuracy')).toBeCloseTo(3 / 6, 10);
    expect(select('f_beta')).toBeCloseTo(2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3), 10);
    expect(select('loss_function')).toBeLessThan(0);
    expect(select('precision_at_target_recall')).toBeCloseTo(3 / 5, 10);
    expect(select('recall_at_target_precision', { targetPrecision: 0.6 })).toBeCloseTo(1, 10);
    expect(select('recall_at_target_precision', { targetPrecision: 0.9 })).toBe(1 / 3);
  });

  test('the selection criterion is used and named when the model is chosen', async () => {
    const layout = optMl({ predictor_type: 'binary_classifier', feature_dim: String(FEATURES), epochs: '3', binary_classifier_model_selection_criteria: 'f_beta', f_beta: '2' },
      separableRow, { train: 500, validation: 200 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    expect(lines.some((l) => /^selected model \d of 8 \(learning rate [\d.e-]+\) by f_beta on the validation channel$/.test(l))).toBe(true);
  });

  test('training stops early once the validation loss stops improving by the tolerance', async () => {
    // GIVEN a tolerance no epoch can meet after the first
    const layout = optMl({ predictor_type: 'regressor', feature_dim: String(FEATURES), epochs: '30', early_stopping_patience: '2', early_stopping_tolerance: '0.99' },
      regressionRow, { train: 1000, validation: 200 });
    // WHEN
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    // THEN three epochs run (the first sets the best, two more do not improve on it) and the model is saved
    expect(lines.filter((l) => l.startsWith('#progress_metric')).length).toBe(3);
    expect(lines).toContain('early stopping after epoch 3: no improvement of 0.99 for 2 epochs');
    expect(fs.existsSync(path.join(layout.modelDir, 'model.json'))).toBe(true);
  });

  test.each([3, 11])('the native softmax step for %i classes matches a float64 reference', async (classes) => {
    // GIVEN two models of `classes` classes (11 spans two vector blocks), one SGD mini-batch of 3 rows
    const d = 2, x = Float32Array.from([1, 2, -1, 0.5, 0.3, -2]), y = Float32Array.from([0, 2, 1]);
    const models = new LinearModels(2, d, classes);
    models.weights.set(Array.from({ length: 2 * classes * d }, (_, i) => Math.sin(i) * 0.3));
    const before = Array.from(models.weights), biasBefore = Array.from(models.bias);
    // WHEN
    const losses = await models.epoch(x, y, { loss: 'softmax_loss', classes, optimizer: 'sgd', batchSize: 3, l1: 0, wd: 0, useBias: true, learningRates: [0.5, 0.05] });
    // THEN each column moves by -lr * mean over rows of (softmax - onehot) * x, and the loss is the mean cross-entropy
    for (const [model, lr] of [[0, 0.5], [1, 0.05]]) {
      const gradW = new Array<number>(classes * d).fill(0), gradB = new Array<number>(classes).fill(0);
      let crossEntropy = 0;
      for (let r = 0; r < 3; r++) {
        const scores = Array.from({ length: classes }, (_, c) => biasBefore[model * classes + c] +
          before[(model * classes + c) * d] * x[r * d] + before[(model * classes + c) * d + 1] * x[r * d + 1]);
        const top = Math.max(...scores), total = scores.reduce((s, v) => s + Math.exp(v - top), 0);
        crossEntropy += Math.log(total) + top - scores[y[r]];
        for (let c = 0; c < classes; c++) {
          const g = Math.exp(scores[c] - top) / total - (c === y[r] ? 1 : 0);
          gradW[c * d] += g * x[r * d];
          gradW[c * d + 1] += g * x[r * d + 1];
          gradB[c] += g;
        }
      }
      for (let i = 0; i < classes * d; i++) expect(models.weights[model * classes * d + i]).toBeCloseTo(before[model * classes * d + i] - lr * gradW[i] / 3, 5);
      for (let c = 0; c < classes; c++) expect(models.bias[model * classes + c]).toBeCloseTo(biasBefore[model * classes + c] - lr * gradB[c] / 3, 5);
      expect(losses[model]).toBeCloseTo(crossEntropy / 3, 5);
    }
  });

  test('the native multi-model kernel matches a float64 reference step', async () => {
    // GIVEN two models, one SGD mini-batch of squared loss
    const d = 3, x = Float32Array.from([1, 2, 3, -1, 0.5, 2]), y = Float32Array.from([1, -2]);
    const models = new LinearModels(2, d);
    models.weights.set([0.1, -0.2, 0.3, 0, 0, 0]);
    // WHEN
    await models.epoch(x, y, { loss: 'squared_loss', optimizer: 'sgd', batchSize: 2, l1: 0, wd: 0, useBias: true, learningRates: [0.1, 0.01] });
    // THEN w -= lr * mean((w.x + b - y) x), b -= lr * mean(w.x + b - y)
    const expected = (w: number[], lr: number) => {
      const residuals = [0, 1].map((r) => w.reduce((s, wj, j) => s + wj * x[r * d + j], 0) - y[r]);
      return [...w.map((wj, j) => wj - lr * (residuals[0] * x[j] + residuals[1] * x[d + j]) / 2), -lr * (residuals[0] + residuals[1]) / 2];
    };
    const [m0, m1] = [expected([0.1, -0.2, 0.3], 0.1), expected([0, 0, 0], 0.01)];
    Array.from(models.weights).forEach((w, i) => expect(w).toBeCloseTo([...m0.slice(0, 3), ...m1.slice(0, 3)][i], 6));
    expect(models.bias[0]).toBeCloseTo(m0[3], 6);
    expect(models.bias[1]).toBeCloseTo(m1[3], 6);
  });

  test('the native logistic step (vector exp and log1p, rows four at a time) matches a float64 reference', async () => {
    // GIVEN 9 rows (two groups of four and a tail), scores from about -60 to +60, two models
    const d = 3, n = 9;
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) * (i % 5 === 0 ? 20 : 1));
    const y = Float32Array.from({ length: n }, (_, r) => r % 2);
    const start = [0.9, -1.1, 0.4, 3, -2, 1];
    const models = new LinearModels(2, d);
    models.weights.set(start);
    // WHEN
    const losses = await models.epoch(x, y, { loss: 'logistic', optimizer: 'sgd', batchSize: n, l1: 0, wd: 0, useBias: true, learningRates: [0.1, 0.01] });
    // THEN w -= lr * mean((sigmoid(s) - y) x) and the loss is the mean log(1 + e^-z)
    [[0, 0.1], [1, 0.01]].forEach(([model, lr]) => {
      const w = start.slice(model * d, model * d + d);
      const grad = new Array<number>(d + 1).fill(0);
      let loss = 0;
      for (let r = 0; r < n; r++) {
        const score = w.reduce((sum, wj, j) => sum + wj * x[r * d + j], 0);
        const z = y[r] ? score : -score;
        loss += Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
        const g = 1 / (1 + Math.exp(-score)) - y[r];
        for (let j = 0; j < d; j++) grad[j] += g * x[r * d + j];
        grad[d] += g;
      }
      for (let j = 0; j < d; j++) expect(models.weights[model * d + j]).toBeCloseTo(w[j] - (lr * grad[j]) / n, 6);
      expect(models.bias[model]).toBeCloseTo(-(lr * grad[d]) / n, 6);
      expect(losses[model] / (loss / n)).toBeCloseTo(1, 6);
    });
  });

  test('models train independently of their place in the eight-wide vector blocks', async () => {
    // GIVEN eleven models (one full block of eight and a partial block) with different learning rates
    const d = 5, n = 64, count = 11;
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.37));
    const y = Float32Array.from({ length: n }, (_, r) => (x[r * d] + 0.5 * x[r * d + 3] > 0 ? 1 : 0));
    const config = { loss: 'logistic' as const, optimizer: 'adam' as const, batchSize: 16, l1: 0.001, wd: 0.01, useBias: true };
    const rates = Array.from({ length: count }, (_, k) => 0.01 * (k + 1));
    const together = new LinearModels(count, d);
    // WHEN all train together, and each trains alone
    const lossesTogether = await together.epoch(x, y, { ...config, learningRates: rates });
    // THEN every model ends where it would have alone, its loss included
    for (const k of [0, 7, 8, 10]) {
      const alone = new LinearModels(1, d);
      const [lossAlone] = await alone.epoch(x, y, { ...config, learningRates: [rates[k]] });
      Array.from(alone.weights).forEach((w, j) => expect(together.weights[k * d + j]).toBeCloseTo(w, 5));
      expect(together.bias[k]).toBeCloseTo(alone.bias[0], 5);
      expect(lossesTogether[k]).toBeCloseTo(lossAlone, 5);
    }
    expect(together.weights[10 * d]).not.toBeCloseTo(together.weights[0], 3);
  });
});
