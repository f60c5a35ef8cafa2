import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainLinearLearner, epochOnSchedule } from '../../containers/linear-learner/train';
import { LinearModels, loadKernels } from '../../containers/native';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { runTraining } from '../../containers/runtime/training';

/** A /opt/ml whose channels hold CSV rows `label,features...` drawn by `row`. */
function optMl(hyperparameters: Record<string, string>, row: () => number[], counts: Record<string, number>): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-ll-drop-in-')));
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify(hyperparameters));
  for (const [channel, n] of Object.entries(counts)) {
    fs.mkdirSync(layout.channel(channel), { recursive: true });
    fs.writeFileSync(path.join(layout.channel(channel), 'data.csv'), Array.from({ length: n }, () => row().join(',')).join('\n'));
  }
  return layout;
}

let random = seededRandom(17);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const regressionRow = () => {
  const x = [gaussian() * 30, gaussian() * 30, gaussian()];
  return [2 * x[0] - x[1] + 3 * x[2] + 0.1 * gaussian(), ...x];
};
const binaryRow = () => {
  const x = [gaussian(), gaussian(), gaussian()];
  return [x[0] + x[1] > 0 ? 1 : 0, ...x];
};
const classRow = () => {
  const label = Math.floor(random() * 3);
  return [label, label * 4 + gaussian(), -label * 2 + gaussian()];
};

/**
 * The built-in Linear Learner's own metric definitions (as SageMaker lists them for its image),
 * verbatim: the companion image's lines must match them.
 */
const BUILT_IN_REGEXES: Record<string, string> = {
  'train:objective_loss': '#quality_metric: host=\\S+, epoch=\\S+, train \\S+_objective <loss>=(\\S+)',
  'validation:objective_loss': '#quality_metric: host=\\S+, epoch=\\S+, validation \\S+_objective <loss>=(\\S+)',
  'validation:objective_loss:final': '#quality_metric: host=\\S+, validation \\S+_objective <loss>=(\\S+)',
  'test:objective_loss': '#quality_metric: host=\\S+, test \\S+_objective <loss>=(\\S+)',
  'validation:binary_classification_accuracy': '#quality_metric: host=\\S+, validation binary_classification_accuracy <score>=(\\S+)',
  'test:binary_f_beta': '#quality_metric: host=\\S+, test binary_f_\\S+ <score>=(\\S+)',
  'validation:precision': '#quality_metric: host=\\S+, validation precision <score>=(\\S+)',
  'test:rmse': '#quality_metric: host=\\S+, test rmse <loss>=(\\S+)',
  'validation:absolute_loss': '#quality_metric: host=\\S+, validation absolute_loss <loss>=(\\S+)',
  'validation:multiclass_accuracy': '#quality_metric: host=\\S+, validation multiclass_accuracy <score>=(\\S+)',
  'test:macro_f_beta': '#quality_metric: host=\\S+, test macro_f_\\S+ <score>=(\\S+)',
};

const matched = (lines: string[], regex: string) => lines.map((line) => new RegExp(regex).exec(line)?.[1]).filter(Boolean).map(Number);

describe('Linear Learner as a drop-in for the built-in', () => {
  let lines: string[];
  beforeEach(() => {
    random = seededRandom(17);
    lines = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(String(line)); });
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  test('one model of eight diverging to NaN (sgd, raw features) is dropped and logged; training completes with the others', async () => {
    // GIVEN SGD on unnormalized features of scale 30: the larger of the eight learning rates blow up
    const layout = optMl({ predictor_type: 'regressor', feature_dim: '3', optimizer: 'sgd', normalize_data: 'false', learning_rate: '0.0005', epochs: '5', mini_batch_size: '20' },
      regressionRow, { train: 400, validation: 100 });
    // WHEN
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    // THEN some, not all, are dropped by name, a surviving model is chosen, and every number is finite
    const dropped = lines.filter((l) => /^model \d of 8 \(learning rate [\d.e-]+\) diverged in epoch \d \(validation mse_objective (NaN|Infinity)\): dropped$/.test(l));
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.length).toBeLessThan(8);
    const selected = /^selected model (\d) of 8/.exec(lines.find((l) => l.startsWith('selected model'))!)![1];
    expect(dropped.some((l) => l.startsWith(`model ${selected} of`))).toBe(false);
    const model = JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8'));
    expect([...model.weights, model.bias].every(Number.isFinite)).toBe(true);
    expect(matched(lines, BUILT_IN_REGEXES['validation:objective_loss:final']).every(Number.isFinite)).toBe(true);
  });

  test('when every model diverges the job fails with the reason', async () => {
    const layout = optMl({ predictor_type: 'regressor', feature_dim: '3', optimizer: 'sgd', normalize_data: 'false', normalize_label: 'false', learning_rate: '5', epochs: '3', mini_batch_size: '10' },
      regressionRow, { train: 200 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(1);
    expect(fs.readFileSync(layout.failureFile, 'utf8')).toMatch(/^all 8 models diverged \(their loss became NaN or infinite\) by epoch 1 with learning rates .*: lower learning_rate/);
  });

  test.each([
    ['binary_classifier', binaryRow, {}, ['train:objective_loss', 'validation:objective_loss', 'validation:objective_loss:final', 'test:objective_loss', 'validation:binary_classification_accuracy', 'test:binary_f_beta', 'validation:precision']],
    ['regressor', regressionRow, { loss: 'absolute_loss' }, ['train:objective_loss', 'validation:objective_loss', 'test:objective_loss', 'test:rmse', 'validation:absolute_loss']],
    ['multiclass_classifier', classRow, { num_classes: '3' }, ['train:objective_loss', 'validation:objective_loss', 'validation:multiclass_accuracy', 'test:macro_f_beta']],
  ] as const)('%s: the log lines match the built-in\'s own metric definitions, with #validation_score lines', async (predictor, row, extra, metrics) => {
    const d = row().length - 1;
    const layout = optMl({ predictor_type: predictor, feature_dim: String(d), epochs: '3', ...extra }, row, { train: 300, validation: 100, test: 100 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    for (const metric of metrics) expect([metric, matched(lines, BUILT_IN_REGEXES[metric]).length]).toEqual([metric, expect.any(Number)]);
    for (const metric of metrics) expect(matched(lines, BUILT_IN_REGEXES[metric]).length).toBeGreaterThan(0);
    // The per-epoch objective lines: one per epoch, named after the predictor and loss.
    const objective = { binary_classifier: 'binary_classification_cross_entropy_objective', regressor: 'absolute_loss_objective', multiclass_classifier: 'multiclass_cross_entropy_objective' }[predictor];
    expect(lines.filter((l) => l.startsWith(`#quality_metric: host=algo-1, epoch=`) && l.includes(`, validation ${objective} <loss>=`)).length).toBe(3);
    expect(lines.some((l) => l.startsWith(`#validation_score (algo-1) : ('${objective}', `))).toBe(true);
    expect(lines.some((l) => /^#test_score \(algo-1\) : \('\w+', [\d.e-]+\)$/.test(l))).toBe(true);
  });

  test.each([
    ['momentum', '0.9', 'momentum is not implemented'],
    ['positive_example_weight_mult', '2', 'weighting positive examples'],
    ['balance_multiclass_weights', 'true', 'class weights'],
    ['num_calibration_samples', '1000', 'threshold calibration'],
    ['accuracy_top_k', '5', 'multiclass_top_k_accuracy'],
    ['loss', 'huber_loss', 'this loss is not implemented'],
    ['loss', 'quantile_loss', 'this loss is not implemented'],
    ['loss', 'eps_insensitive_squared_loss', 'this loss is not implemented'],
    ['margin', '2', 'a hinge margin other than 1'],
    ['bias_lr_mult', '2', 'a separate bias learning rate'],
    ['bias_wd_mult', '1', 'weight decay of the bias'],
    ['num_point_for_scaler', '500', 'fits the scaler on every training row'],
  ])('%s=%s is rejected with the hyperparameter, the value and what this image takes', async (name, value, reason) => {
    const layout = optMl({ predictor_type: 'regressor', feature_dim: '3', [name]: value }, regressionRow, { train: 20 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(1);
    const failure = fs.readFileSync(layout.failureFile, 'utf8');
    expect(failure).toContain(`${name}: "${value}" is not supported: `);
    expect(failure).toContain(reason);
    expect(failure).toMatch(/\(this image takes [^)]+\)/);
  });

  test('the learning-rate schedule (every lr_scheduler_step updates times lr_scheduler_factor, floored at the minimum) matches a float64 reference', async () => {
    // GIVEN one SGD model, squared loss, five mini-batches of two rows, a halving every two updates down to 0.03
    const d = 2, n = 10;
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.3));
    const y = Float32Array.from({ length: n }, (_, r) => x[r * d] - 2 * x[r * d + 1] + 0.5);
    const schedule = { step: 2, factor: 0.5, minimum: 0.03 };
    const models = new LinearModels(1, d);
    const rows = await loadKernels({ backend: 'cpu', log: () => undefined }).place(x, d, y);
    // WHEN two epochs run on the schedule
    for (let epoch = 0; epoch < 2; epoch++) {
      await epochOnSchedule(models, rows, { loss: 'squared_loss', optimizer: 'sgd', batchSize: 2, l1: 0, wd: 0, useBias: true, learningRates: [0.2] }, schedule, new Set());
    }
    // THEN the weights are a float64 SGD's with lr(t) = max(0.03, 0.2 * 0.5^floor(t / 2))
    const w = [0, 0];
    let b = 0;
    for (let t = 0; t < 10; t++) {
      const lr = Math.max(0.03, 0.2 * 0.5 ** Math.floor(t / 2));
      const rows = [(2 * t) % n, (2 * t + 1) % n], g = [0, 0, 0];
      for (const r of rows) {
        const residual = w[0] * x[r * d] + w[1] * x[r * d + 1] + b - y[r];
        g[0] += residual * x[r * d] / 2; g[1] += residual * x[r * d + 1] / 2; g[2] += residual / 2;
      }
      w[0] -= lr * g[0]; w[1] -= lr * g[1]; b -= lr * g[2];
    }
    expect(models.weights[0]).toBeCloseTo(w[0], 5);
    expect(models.weights[1]).toBeCloseTo(w[1], 5);
    expect(models.bias[0]).toBeCloseTo(b, 5);
    expect(models.steps).toBe(10);
  });

  test('unbias_data=false keeps the features\' means (scaling only); unbias_label / normalize_label follow the built-in', async () => {
    const layout = optMl({ predictor_type: 'regressor', feature_dim: '3', unbias_data: 'false', normalize_label: 'false', epochs: '1' }, regressionRow, { train: 100 });
    expect(await runTraining(trainLinearLearner, layout)).toBe(0);
    const model = JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8'));
    expect(model.mean).toEqual([0, 0, 0]);
    expect(model.scale[0]).toBeGreaterThan(10);
    expect([model.label_mean, model.label_scale]).toEqual([0, 1]);
  });
});
