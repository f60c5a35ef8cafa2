/**
 * Linear Learner training for binary classification and regression: `num_models` models with
 * learning rates spread around `learning_rate`, trained together on the native kernel for
 * `epochs` passes over standardised features; the one with the lowest validation (else training)
 * objective loss is kept. Prints the built-in algorithm's metric lines for the train, validation
 * and test channels.
 *
 * Not yet as the built-in: multiclass_classifier, losses other than logistic, squared and
 * absolute, shuffling, early stopping, learning-rate schedules and threshold calibration (those
 * hyperparameters are accepted and ignored); the model is JSON, not MXNet parameters.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LINEAR_LEARNER_HYPERPARAMETERS } from './hyperparameters';
import { LinearEpochConfig, LinearModels } from '../native';
import { hasChannel, readChannel } from '../runtime/channels';
import { parseHyperparameters } from '../runtime/hyperparameters';
import { OptMl } from '../runtime/layout';
import { qualityMetric, throughputMetric } from '../runtime/training';

export interface LinearLearnerModel {
  readonly algorithm: 'linear-learner';
  readonly predictor_type: 'binary_classifier' | 'regressor';
  readonly feature_dim: number;
  readonly weights: number[];
  readonly bias: number;
  readonly mean: number[];
  readonly scale: number[];
  readonly label_mean: number;
  readonly label_scale: number;
}

interface Labelled { readonly x: Float32Array; readonly y: Float32Array; readonly rows: number }

export async function trainLinearLearner(layout: OptMl): Promise<void> {
  const raw = JSON.parse(fs.existsSync(layout.hyperparametersFile) ? fs.readFileSync(layout.hyperparametersFile, 'utf8') : '{}');
  const hp = parseHyperparameters(LINEAR_LEARNER_HYPERPARAMETERS, raw);
  if (hp.predictor_type === 'multiclass_classifier') throw new Error('predictor_type multiclass_classifier is not supported by this image yet: use binary_classifier or regressor');
  const predictor = hp.predictor_type as 'binary_classifier' | 'regressor';
  const optimizer = hp.optimizer === 'auto' ? 'adam' : hp.optimizer as 'sgd' | 'adam';
  const loss = hp.loss === 'auto' ? (predictor === 'binary_classifier' ? 'logistic' : 'squared_loss') : hp.loss;
  if (!['logistic', 'squared_loss', 'absolute_loss'].includes(loss)) throw new Error(`loss ${loss} is not supported by this image yet: use logistic, squared_loss or absolute_loss`);
  if (predictor === 'binary_classifier' && loss !== 'logistic') throw new Error(`loss ${loss} does not fit binary_classifier: use logistic`);

  const train = readLabelled(layout, 'train', hp.feature_dim);
  const d = train.x.length / train.rows;
  const validation = hasChannel(layout, 'validation') ? readLabelled(layout, 'validation', String(d)) : undefined;
  const test = hasChannel(layout, 'test') ? readLabelled(layout, 'test', String(d)) : undefined;
  if (predictor === 'binary_classifier' && train.y.some((v) => v !== 0 && v !== 1)) throw new Error('binary_classifier labels must be 0 or 1');

  const { mean, scale } = hp.normalize_data ? standardiser(train.x, d) : { mean: new Array(d).fill(0), scale: new Array(d).fill(1) };
  const normalizeLabel = predictor === 'regressor' && hp.normalize_label !== 'false';
  const labelMean = normalizeLabel ? average(train.y) : 0, labelScale = normalizeLabel ? Math.sqrt(average(train.y.map((v) => (v - labelMean) ** 2))) || 1 : 1;
  const prepare = (set: Labelled): Labelled => ({
    x: set.x.map((v, i) => (v - mean[i % d]) / scale[i % d]), y: set.y.map((v) => (v - labelMean) / labelScale), rows: set.rows,
  });
  const [tr, va, te] = [prepare(train), validation && prepare(validation), test && prepare(test)];

  const numModels = hp.num_models === 'auto' ? 8 : parsePositive('num_models', hp.num_models, true);
  const baseRate = hp.learning_rate === 'auto' ? (optimizer === 'adam' ? 0.01 : 0.1) : parsePositive('learning_rate', hp.learning_rate);
  const learningRates = Array.from({ length: numModels }, (_, i) => baseRate * 10 ** (numModels === 1 ? 0 : -1 + (2 * i) / (numModels - 1)));
  const config: LinearEpochConfig = {
    loss: loss as LinearEpochConfig['loss'], optimizer, batchSize: hp.mini_batch_size, useBias: hp.use_bias, learningRates,
    l1: hp.l1 === 'auto' ? 0 : parseNonNegative('l1', hp.l1), wd: hp.wd === 'auto' ? 0 : parseNonNegative('wd', hp.wd),
  };
  const models = new LinearModels(numModels, d);
  console.log(`Linear Learner: ${train.rows} rows, ${d} features, ${predictor}, ${numModels} models, ${optimizer}, ${loss}`);
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    const started = performance.now();
    const losses = await models.epoch(tr.x, tr.y, config);
    throughputMetric('train', tr.rows, (performance.now() - started) / 1000);
    console.log(`#progress_metric: host=algo-1, epoch ${epoch + 1}/${hp.epochs}, best train objective_loss ${Math.min(...losses)}`);
  }

  const selectOn = va ?? tr;
  const objective = (model: number, set: Labelled) => evaluate(models.scores(set.x, model), set.y, predictor, loss, labelScale).objective_loss;
  let best = 0;
  for (let m = 1; m < numModels; m++) if (objective(m, selectOn) < objective(best, selectOn)) best = m;
  console.log(`selected model ${best + 1} of ${numModels} (learning rate ${learningRates[best]})`);

  qualityMetric('train', 'objective_loss', objective(best, tr));
  for (const [channel, set] of [['validation', va], ['test', te]] as const) {
    if (!set) continue;
    for (const [name, value] of Object.entries(evaluate(models.scores(set.x, best), set.y, predictor, loss, labelScale))) {
      qualityMetric(channel, name, value, name.endsWith('loss') || name === 'rmse' || name === 'mse' ? 'loss' : 'score');
    }
  }

  const weights = Array.from(models.weights.subarray(best * d, best * d + d));
  const model: LinearLearnerModel = {
    algorithm: 'linear-learner', predictor_type: predictor, feature_dim: d, weights, bias: models.bias[best],
    mean, scale, label_mean: labelMean, label_scale: labelScale,
  };
  fs.mkdirSync(layout.modelDir, { recursive: true });
  fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify(model));
}

/** Metrics of one model's scores (labels and scores in the training scale). */
export function evaluate(scores: Float32Array, y: Float32Array, predictor: string, loss: string, labelScale = 1): Record<string, number> {
  const n = y.length;
  if (predictor === 'binary_classifier') {
    let logLoss = 0, tp = 0, fp = 0, fn = 0, correct = 0;
    for (let i = 0; i < n; i++) {
      const z = y[i] > 0.5 ? scores[i] : -scores[i];
      logLoss += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
      const predicted = scores[i] > 0 ? 1 : 0;
      if (predicted === y[i]) correct++;
      if (predicted === 1 && y[i] === 1) tp++;
      if (predicted === 1 && y[i] === 0) fp++;
      if (predicted === 0 && y[i] === 1) fn++;
    }
    const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
    return {
      objective_loss: logLoss / n, binary_classification_accuracy: correct / n, precision, recall,
      binary_f_beta: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    };
  }
  let squared = 0, absolute = 0;
  for (let i = 0; i < n; i++) {
    const error = (scores[i] - y[i]) * labelScale;
    squared += error * error;
    absolute += Math.abs(error);
  }
  const mse = squared / n;
  return { objective_loss: loss === 'absolute_loss' ? absolute / n : mse / 2, mse, rmse: Math.sqrt(mse), absolute_loss: absolute / n };
}

/** A channel of labelled rows: CSV with the label first, or RecordIO-protobuf with label["values"]. */
function readLabelled(layout: OptMl, channel: string, featureDim: string): Labelled {
  const d = featureDim === 'auto' ? undefined : parsePositive('feature_dim', featureDim, true);
  const rows = readChannel(layout, channel, d, true);
  return { x: rows.x, y: rows.y!, rows: rows.rows };
}

function standardiser(x: Float32Array, d: number): { mean: number[]; scale: number[] } {
  const n = x.length / d, mean = new Array(d).fill(0), scale = new Array(d).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % d] += x[i] / n;
  for (let i = 0; i < x.length; i++) scale[i % d] += (x[i] - mean[i % d]) ** 2 / n;
  return { mean, scale: scale.map((v) => Math.sqrt(v) || 1) };
}

const average = (values: Float32Array) => values.reduce((total, v) => total + v, 0) / Math.max(1, values.length);

function parsePositive(name: string, text: string, integer = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new Error(`${name}: ${JSON.stringify(text)} is not ${integer ? 'a whole number' : 'a number'} above 0 or auto`);
  return value;
}

function parseNonNegative(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: ${JSON.stringify(text)} is not a number of at least 0 or auto`);
  return value;
}
