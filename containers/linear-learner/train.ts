/**
 * Linear Learner training for binary classification, multiclass classification and regression:
 * `num_models` models with learning rates spread around `learning_rate`, trained together on the
 * native kernel for up to `epochs` passes over standardised features, stopping early when the best
 * model's validation (else training) objective loss has not improved by `early_stopping_tolerance`
 * for `early_stopping_patience` epochs; the best model on that channel is kept (binary classifiers
 * by `binary_classifier_model_selection_criteria`, the others by objective loss). Prints the
 * built-in algorithm's metric lines for the train, validation and test channels. On SIGTERM it
 * saves the models and the optimiser's state after the current epoch and stops; the next run
 * resumes from there and ends with the same model.
 *
 * Not yet as the built-in: the eps-insensitive, quantile and huber losses, shuffling,
 * learning-rate schedules, class weights and threshold calibration (the decision threshold stays
 * at probability 0.5; early stopping watches the loss whatever the selection criterion); those
 * hyperparameters are accepted and ignored. The model is JSON, not MXNet parameters.
 */
import * as fs from 'node:fs';
import { LINEAR_LEARNER_HYPERPARAMETERS } from './hyperparameters';
import { isLossMetric, metricsFromSums, needsScores, Predictor, Selection, selectionMerit } from './metrics';
import { BackendChoice, LinearEpochConfig, LinearModels, LinearModelsState, linearSumsWidth, loadKernels } from '../native';
import { hasChannel, readChannel } from '../runtime/channels';
import { Checkpoints, saveModel, watchForStop } from '../runtime/checkpoint';
import { parseHyperparameters } from '../runtime/hyperparameters';
import { OptMl } from '../runtime/layout';
import { qualityMetric, throughputMetric } from '../runtime/training';

export interface LinearLearnerModel {
  readonly algorithm: 'linear-learner';
  readonly predictor_type: Predictor;
  readonly feature_dim: number;
  /** d weights, or (for multiclass) num_classes × d, class by class. */
  readonly weights: number[];
  /** The bias, or one per class. */
  readonly bias: number | number[];
  readonly num_classes?: number;
  readonly mean: number[];
  readonly scale: number[];
  readonly label_mean: number;
  readonly label_scale: number;
}

/** The losses each predictor type trains with here; the built-in's others are not implemented yet. */
const LOSSES: Record<Predictor, string[]> = {
  binary_classifier: ['logistic', 'hinge_loss'],
  regressor: ['squared_loss', 'absolute_loss'],
  multiclass_classifier: ['softmax_loss'],
};
const DEFAULT_LOSS: Record<Predictor, string> = { binary_classifier: 'logistic', regressor: 'squared_loss', multiclass_classifier: 'softmax_loss' };

interface Checkpoint {
  readonly epoch: number;
  readonly models: LinearModelsState;
  /** Early stopping's state: the best objective so far and the epochs since it last improved. */
  readonly best: number;
  readonly stale: number;
}

interface Labelled { readonly x: Float32Array; readonly y: Float32Array; readonly rows: number }

export async function trainLinearLearner(layout: OptMl): Promise<void> {
  const raw = JSON.parse(fs.existsSync(layout.hyperparametersFile) ? fs.readFileSync(layout.hyperparametersFile, 'utf8') : '{}');
  const hp = parseHyperparameters(LINEAR_LEARNER_HYPERPARAMETERS, raw);
  const predictor = hp.predictor_type as Predictor;
  const multiclass = predictor === 'multiclass_classifier';
  if (multiclass && hp.num_classes === undefined) throw new Error('num_classes is required when predictor_type is multiclass_classifier (3 or more)');
  const classes = multiclass ? hp.num_classes : 1;
  const optimizer = hp.optimizer === 'auto' ? 'adam' : hp.optimizer as 'sgd' | 'adam' | 'rmsprop';
  const loss = hp.loss === 'auto' ? DEFAULT_LOSS[predictor] : hp.loss;
  if (!LOSSES[predictor].includes(loss)) {
    const elsewhere = Object.values(LOSSES).some((losses) => losses.includes(loss));
    throw new Error(`loss ${loss} ${elsewhere ? `does not fit ${predictor}` : 'is not supported by this image yet'}: use ${LOSSES[predictor].join(' or ')}`);
  }

  const train = readLabelled(layout, 'train', hp.feature_dim);
  const d = train.x.length / train.rows;
  const validation = hasChannel(layout, 'validation') ? readLabelled(layout, 'validation', String(d)) : undefined;
  const test = hasChannel(layout, 'test') ? readLabelled(layout, 'test', String(d)) : undefined;
  for (const [channel, set] of [['train', train], ['validation', validation], ['test', test]] as const) {
    if (set) checkLabels(channel, set.y, predictor, classes);
  }

  const { mean, scale } = hp.normalize_data ? standardiser(train.x, d) : { mean: new Array(d).fill(0), scale: new Array(d).fill(1) };
  const normalizeLabel = predictor === 'regressor' && hp.normalize_label !== 'false';
  const labelMean = normalizeLabel ? average(train.y) : 0, labelScale = normalizeLabel ? Math.sqrt(average(train.y.map((v) => (v - labelMean) ** 2))) || 1 : 1;
  const prepare = (set: Labelled): Labelled => ({
    x: set.x.map((v, i) => (v - mean[i % d]) / scale[i % d]), y: set.y.map((v) => (v - labelMean) / labelScale), rows: set.rows,
  });
  const [tr, va, te] = [prepare(train), validation && prepare(validation), test && prepare(test)];

  const numModels = hp.num_models === 'auto' ? 8 : parsePositive('num_models', hp.num_models, true);
  const baseRate = hp.learning_rate === 'auto' ? (optimizer === 'sgd' ? 0.1 : 0.01) : parsePositive('learning_rate', hp.learning_rate);
  const learningRates = Array.from({ length: numModels }, (_, i) => baseRate * 10 ** (numModels === 1 ? 0 : -1 + (2 * i) / (numModels - 1)));
  const config: LinearEpochConfig = {
    loss: loss as LinearEpochConfig['loss'], classes, optimizer, batchSize: hp.mini_batch_size, useBias: hp.use_bias, learningRates,
    l1: hp.l1 === 'auto' ? 0 : parseNonNegative('l1', hp.l1), wd: hp.wd === 'auto' ? 0 : parseNonNegative('wd', hp.wd),
    beta1: parseDecay('beta_1', hp.beta_1), beta2: parseDecay('beta_2', hp.beta_2),
  };
  const kernels = loadKernels({ backend: hp._compute_backend as BackendChoice });
  const models = new LinearModels(numModels, d, classes, kernels);
  // Every model's metrics on a channel, from one pass of the kernels over its rows.
  const width = linearSumsWidth(config.loss, classes);
  const metricsOf = async (set: Labelled, beta = 1) => {
    const sums = await models.evaluate(set.x, set.y, config);
    return Array.from({ length: numModels }, (_, m) => metricsFromSums(sums.subarray(m * width, (m + 1) * width), set.rows, predictor, loss, labelScale, beta));
  };
  // Early stopping and model selection watch the validation channel, else the training data.
  const watched = va ?? tr;
  const bestObjective = async () => Math.min(...(await metricsOf(watched)).map((metrics) => metrics.objective_loss));

  console.log(`Linear Learner: ${train.rows} rows, ${d} features, ${predictor}${multiclass ? ` (${classes} classes)` : ''}, ${numModels} models, ${optimizer}, ${loss}`);
  const checkpoints = new Checkpoints<Checkpoint>(layout, 'linear-learner', { hyperparameters: raw, rows: train.rows, d });
  const resumed = checkpoints.load();
  if (resumed) {
    models.restore(resumed.models);
    console.log(`resumed from checkpoint after epoch ${resumed.epoch}`);
  }
  let best = resumed?.best ?? Infinity, stale = resumed?.stale ?? 0;
  const finished = await watchForStop(async (stop) => {
    for (let epoch = resumed?.epoch ?? 0; epoch < hp.epochs; epoch++) {
      const started = performance.now();
      await models.epoch(tr.x, tr.y, config);
      throughputMetric('train', tr.rows, (performance.now() - started) / 1000);
      const current = await bestObjective();
      console.log(`#progress_metric: host=algo-1, epoch ${epoch + 1}/${hp.epochs}, best ${va ? 'validation' : 'train'} objective_loss ${current}`);
      if (current < best * (1 - hp.early_stopping_tolerance)) {
        best = current;
        stale = 0;
      } else if (++stale >= hp.early_stopping_patience) {
        console.log(`early stopping after epoch ${epoch + 1}: no improvement of ${hp.early_stopping_tolerance} for ${stale} epochs`);
        return true;
      }
      if (stop.requested && epoch + 1 < hp.epochs) {
        checkpoints.save({ epoch: epoch + 1, models: models.state(), best, stale });
        console.log(`SIGTERM: saved a checkpoint after epoch ${epoch + 1}`);
        return false;
      }
    }
    return true;
  });
  if (!finished) return;

  // Binary classifiers are ranked by binary_classifier_model_selection_criteria, the others by loss.
  const selection: Selection = { criterion: hp.binary_classifier_model_selection_criteria, beta: hp.f_beta, targetPrecision: hp.target_precision, targetRecall: hp.target_recall };
  const watchedMetrics = await metricsOf(watched, hp.f_beta);
  const merits = watchedMetrics.map((metrics, m) => {
    if (predictor !== 'binary_classifier') return -metrics.objective_loss;
    return needsScores(selection) ? selectionMerit(metrics, selection, models.scores(watched.x, m), watched.y) : selectionMerit(metrics, selection);
  });
  const chosen = merits.indexOf(Math.max(...merits));
  const by = predictor === 'binary_classifier' ? hp.binary_classifier_model_selection_criteria : 'objective_loss';
  console.log(`selected model ${chosen + 1} of ${numModels} (learning rate ${learningRates[chosen]}) by ${by} on the ${va ? 'validation' : 'train'} channel`);

  qualityMetric('train', 'objective_loss', (va ? (await metricsOf(tr))[chosen] : watchedMetrics[chosen]).objective_loss);
  for (const [channel, set] of [['validation', va], ['test', te]] as const) {
    if (!set) continue;
    for (const [name, value] of Object.entries((await metricsOf(set, hp.f_beta))[chosen])) {
      qualityMetric(channel, name, value, isLossMetric(name) ? 'loss' : 'score');
    }
  }

  const columns = models.weights.subarray(chosen * classes * d, (chosen + 1) * classes * d);
  const biases = Array.from(models.bias.subarray(chosen * classes, (chosen + 1) * classes));
  const model: LinearLearnerModel = {
    algorithm: 'linear-learner', predictor_type: predictor, feature_dim: d, weights: Array.from(columns),
    bias: multiclass ? biases : biases[0], ...(multiclass ? { num_classes: classes } : {}),
    mean, scale, label_mean: labelMean, label_scale: labelScale,
  };
  saveModel(layout, model);
}

function checkLabels(channel: string, y: Float32Array, predictor: Predictor, classes: number): void {
  const bad = predictor === 'binary_classifier' ? y.findIndex((v) => v !== 0 && v !== 1)
    : predictor === 'multiclass_classifier' ? y.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes) : -1;
  if (bad < 0) return;
  const allowed = predictor === 'binary_classifier' ? '0 or 1' : `whole numbers from 0 to ${classes - 1} (num_classes is ${classes})`;
  throw new Error(`${predictor} labels must be ${allowed}: record ${bad + 1} of channel ${channel} has ${y[bad]}`);
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

/** Adam's decay rates: auto (the kernel's 0.9 / 0.999), or a number from 0 up to, not including, 1. */
function parseDecay(name: string, text: string): number | undefined {
  if (text === 'auto') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value >= 1) throw new Error(`${name}: ${JSON.stringify(text)} is not auto or a number from 0 up to (not including) 1`);
  return value;
}

function parseNonNegative(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: ${JSON.stringify(text)} is not a number of at least 0 or auto`);
  return value;
}
