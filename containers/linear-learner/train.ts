/**
 * Linear Learner training for binary classification, multiclass classification and regression:
 * `num_models` models with learning rates spread around `learning_rate`, trained together on the
 * native kernel for up to `epochs` passes over the unbiased / normalized features (the built-in's
 * unbias_* and normalize_* rules), with the built-in's initial weights (init_*) and learning-rate
 * schedule (use_lr_scheduler, schedule.ts), stopping early when the best model's validation (else
 * training) objective loss has not improved by `early_stopping_tolerance` for
 * `early_stopping_patience` epochs; the best model on that channel is kept (binary classifiers by
 * `binary_classifier_model_selection_criteria`, the others by objective loss). A model that
 * diverges (its loss NaN or infinite) is logged and dropped; the job fails only when all do.
 * Prints the built-in algorithm's metric lines (`epoch=N, train <objective> <loss>=…` per epoch,
 * `#validation_score` and `#quality_metric` lines at the end). On SIGTERM it saves the models and
 * the optimiser's state after the current epoch and stops; the next run resumes from there and
 * ends with the same model. Each channel's standardised rows and labels are placed once per job
 * where the kernels read them (Kernels.place: on a GPU, uploaded once; the epochs' mini-batches
 * and every evaluation read them there), and freed when the job ends, also when it fails.
 *
 * On several hosts (resourceconfig.json; ../runtime/cluster.ts) training is data-parallel,
 * synchronous, with the models averaged after every mini-batch: each host takes one mini-batch
 * step on its own shard from the same models, then every model's weights, biases and optimiser
 * moments are averaged over the hosts, weighted by the rows each stepped on (one float64
 * all-reduce on Gloo), so every host takes the next step from the same models. With sgd one step
 * then an average is exactly one step on the all-reduced gradient of the hosts' mini-batches
 * together (a job mini-batch of hosts × mini_batch_size rows); with adam and rmsprop the moments
 * are averaged too (near, not equal to, the moments of the averaged gradient). Averaging only
 * once per epoch (which the built-in's documentation also allows) was measured here to stall
 * short of one host's model when the shards differ (non-IID data, e.g. ShardedByS3Key over files
 * written in order), so it averages every step. The standardisation (means
 * and deviations), wd `auto` and the automatic mini_batch_size are of the union of the shards;
 * every evaluation's sums are all-reduced, so early stopping, dropping diverged models and model
 * selection see the whole channel and decide the same on every host. Only the first host writes
 * the model; a SIGTERM on any host rides along in the next step's all-reduce, so every host
 * checkpoints after the same epoch and the restarted job resumes to the same model. Averaging is
 * not the same arithmetic as one host's sequential updates: the model on N hosts matches one
 * host's on the union to the optimisation's tolerance (a converged, regularised objective: the
 * tests hold weights within 5 % of the norm), not to rounding.
 *
 * Where the built-in's documentation leaves values to the algorithm: a mini_batch_size left out
 * adapts to small data (autoBatchSize: the documented 1000 gives a few hundred rows 1 update an
 * epoch), wd `auto` is 1 / rows (autoWeightDecay: scikit-learn's default L2 prior); values given
 * are used exactly.
 *
 * Not as the built-in: the hyperparameters whose other values this image does not implement are
 * rejected with the reason (spec.ts `companion`); the rows are visited in order, not shuffled;
 * the model is JSON, not MXNet parameters.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LINEAR_LEARNER_HYPERPARAMETERS } from './hyperparameters';
import { isLossMetric, metricsFromSums, needsScores, Predictor, Selection, selectionMerit } from './metrics';
import { Evaluated, MODEL_QUALITY_STATISTICS_FILE, modelQualityStatistics } from './quality-statistics';
import { autoSchedule, batchesUntilChange, ScheduleOptions, scheduledRates } from './schedule';
import { allocateRows, BackendChoice, LinearEpochConfig, LinearModels, LinearModelsState, linearSumsWidth, loadKernels, PlacedRows, placementLine } from '../native';
import { hasChannel, readChannel } from '../runtime/channels';
import { Checkpoints, saveModel, watchForStop, writeFileWhole } from '../runtime/checkpoint';
import { agreeOnResume, checkpointName, Cluster, collectiveShare, joinCluster } from '../runtime/cluster';
import { parseHyperparameters } from '../runtime/hyperparameters';
import { OptMl } from '../runtime/layout';
import { seededRandom } from '../runtime/random';
import { qualityMetric, throughputMetric } from '../runtime/training';

/** The model file's format: serving refuses a newer one (see ../runtime/model-file.ts). */
export const LINEAR_LEARNER_FORMAT = 1;

export interface LinearLearnerModel {
  readonly algorithm: 'linear-learner';
  readonly format_version: number;
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

/** The losses each predictor type trains with here (the built-in's others are refused by spec.ts). */
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
  /** Models dropped after diverging (absent in checkpoints from before this was recorded). */
  readonly diverged?: number[];
}

interface Labelled { readonly x: Float32Array; readonly y: Float32Array; readonly rows: number }
/** A channel's rows with where the kernels read them (placed once per job). */
interface Placed extends Labelled { readonly placed: PlacedRows }

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
    throw new Error(`loss ${loss} does not fit predictor_type ${predictor}: use ${LOSSES[predictor].join(' or ')}`);
  }

  const cluster = await joinCluster(layout, { port: hp._collective_port, timeoutSeconds: hp._collective_timeout });
  // The channels placed on the kernels (once each), freed when the job ends, failed or not.
  const placements: PlacedRows[] = [];
  try {
    await trainOnHosts(layout, raw, hp, cluster, { predictor, multiclass, classes, optimizer, loss }, placements);
  } catch (error) {
    throw await cluster.explain(error);
  } finally {
    for (const placed of placements) placed.dispose();
    cluster.close();
  }
}

type Hyperparameters = ReturnType<typeof parseHyperparameters<typeof LINEAR_LEARNER_HYPERPARAMETERS>>;

async function trainOnHosts(layout: OptMl, raw: Record<string, unknown>, hp: Hyperparameters, cluster: Cluster,
  { predictor, multiclass, classes, optimizer, loss }: { predictor: Predictor; multiclass: boolean; classes: number; optimizer: 'sgd' | 'adam' | 'rmsprop'; loss: string },
  placements: PlacedRows[]): Promise<void> {
  const train = readLabelled(layout, 'train', hp.feature_dim);
  const d = train.x.length / train.rows;
  // Which channels the hosts have: a channel on some hosts only would split their decisions.
  const present = cluster.allreduceSum(Float64Array.of(hasChannel(layout, 'validation') ? 1 : 0, hasChannel(layout, 'test') ? 1 : 0, d));
  for (const [i, channel] of [[0, 'validation'], [1, 'test']] as const) {
    if (present[i] > 0 && present[i] < cluster.size) throw new Error(`the ${channel} channel is on ${present[i]} of ${cluster.size} hosts: give every host a shard of it, or none`);
  }
  if (present[2] !== d * cluster.size) throw new Error(`the hosts' training data have different numbers of features (this host ${cluster.host}: ${d})`);
  const validation = present[0] > 0 ? readLabelled(layout, 'validation', d) : undefined;
  const test = present[1] > 0 ? readLabelled(layout, 'test', d) : undefined;
  for (const [channel, set] of [['train', train], ['validation', validation], ['test', test]] as const) {
    if (set) checkLabels(channel, set.y, predictor, classes);
  }
  const began = performance.now();
  const totalRows = cluster.allreduceSum(Float64Array.of(train.rows))[0];

  // unbias_* subtracts the mean, normalize_* divides by the standard deviation; `auto` unbiases
  // what is normalized (the built-in's documented defaults: features always, labels for regression).
  // Both are of every host's rows (two all-reduces: the sums, then the squares about the mean).
  const { mean, scale } = standardiser(train.x, d, hp.unbias_data === 'auto' ? hp.normalize_data : hp.unbias_data, hp.normalize_data, cluster, totalRows);
  const normalizeLabel = predictor === 'regressor' && hp.normalize_label !== false;
  const unbiasLabel = predictor === 'regressor' && (hp.unbias_label === 'auto' ? normalizeLabel : hp.unbias_label);
  const labelMean = unbiasLabel ? cluster.allreduceSum(Float64Array.of(sum(train.y)))[0] / Math.max(1, totalRows) : 0;
  const labelScale = normalizeLabel ? Math.sqrt(cluster.allreduceSum(Float64Array.of(sum(train.y, (v) => Math.fround((v - labelMean) ** 2))))[0] / Math.max(1, totalRows)) || 1 : 1;
  // The standardised rows are what every epoch and evaluation reads: into memory on huge pages
  // (allocateRows), as the channel's rows were read.
  const prepare = (set: Labelled): Labelled => {
    const x = allocateRows(set.x.length);
    for (let i = 0; i < x.length; i++) x[i] = (set.x[i] - mean[i % d]) / scale[i % d];
    return { x, y: set.y.map((v) => (v - labelMean) / labelScale), rows: set.rows };
  };
  // _compute_backend when given, else SAGEMAKER_COMPUTE_BACKEND, else auto (its default must not hide the variable).
  const kernels = loadKernels({ backend: raw._compute_backend === undefined ? undefined : hp._compute_backend as BackendChoice });
  // Each channel's standardised rows and labels are placed once where the kernels read them (on a
  // GPU: uploaded once, not every epoch and evaluation); this host places its own shard.
  const place = async (channel: string, set: Labelled): Promise<Placed> => {
    const placed = await kernels.place(set.x, d, set.y);
    placements.push(placed);
    console.log(placementLine(channel, placed));
    return { ...set, placed };
  };
  const tr = await place('train', prepare(train));
  const va = validation && await place('validation', prepare(validation)), te = test && await place('test', prepare(test));

  const numModels = hp.num_models === 'auto' ? 8 : hp.num_models;
  // Small data at the documented defaults (mini_batch_size 1000, 15 epochs) gets 15–30 updates
  // in all and is under-trained; a mini_batch_size left out adapts to the rows (one given is
  // kept exactly), and wd `auto` is the L2 prior of scikit-learn's defaults (see below).
  const batchSize = raw.mini_batch_size === undefined ? autoBatchSize(totalRows, hp.mini_batch_size) : hp.mini_batch_size;
  const wd = hp.wd === 'auto' ? autoWeightDecay(totalRows) : hp.wd;
  const baseRate = hp.learning_rate === 'auto' ? (optimizer === 'sgd' ? 0.1 : 0.01) : hp.learning_rate;
  const learningRates = Array.from({ length: numModels }, (_, i) => baseRate * 10 ** (numModels === 1 ? 0 : -1 + (2 * i) / (numModels - 1)));
  const config: LinearEpochConfig = {
    loss: loss as LinearEpochConfig['loss'], classes, optimizer, batchSize, useBias: hp.use_bias, learningRates,
    l1: hp.l1 === 'auto' ? 0 : hp.l1, wd,
    beta1: hp.beta_1 === 'auto' ? undefined : hp.beta_1, beta2: hp.beta_2 === 'auto' ? undefined : hp.beta_2,
  };
  const batchesPerEpoch = Math.ceil(tr.rows / batchSize);
  // On several hosts an epoch is as many steps as the largest shard has mini-batches.
  const jobBatches = Math.max(...cluster.allreduceSum(oneHot(cluster, batchesPerEpoch)));
  const schedule = hp.use_lr_scheduler
    ? autoSchedule(jobBatches, { step: hp.lr_scheduler_step, factor: hp.lr_scheduler_factor, minimum: hp.lr_scheduler_minimum_lr }) : undefined;
  const models = new LinearModels(numModels, d, classes, kernels);
  // Every model's metrics on a channel, from one pass of the kernels over its rows.
  const width = linearSumsWidth(config.loss, classes);
  // On several hosts the sums (and rows) are every host's, all-reduced.
  const metricsOf = async (set: Placed, beta = 1) => {
    const sums = new Float64Array(numModels * width + 1);
    sums.set(await models.evaluate(set.placed, null, config));
    sums[numModels * width] = set.rows;
    cluster.allreduceSum(sums);
    const rows = sums[numModels * width];
    return Array.from({ length: numModels }, (_, m) => metricsFromSums(sums.subarray(m * width, (m + 1) * width), rows, predictor, loss, labelScale, beta));
  };
  // Early stopping and model selection watch the validation channel, else the training data.
  const watched = va ?? tr, watchedName = va ? 'validation' : 'train';
  const objective = objectiveName(predictor, loss);

  console.log(`Linear Learner: ${train.rows} rows${cluster.size > 1 ? ` on ${cluster.host} (${totalRows} on ${cluster.size} hosts, models averaged every mini-batch step)` : ''}, ${d} features, ${predictor}${multiclass ? ` (${classes} classes)` : ''}, ${numModels} models, ${optimizer}, ${loss}`);
  console.log(`mini_batch_size ${batchSize}${raw.mini_batch_size === undefined && batchSize !== hp.mini_batch_size
    ? ` (not set: ${Math.ceil(totalRows / batchSize)} updates an epoch rather than ${Math.ceil(totalRows / hp.mini_batch_size)} at ${hp.mini_batch_size})` : ''}, wd ${wd}${hp.wd === 'auto' ? ' (auto: 1 / rows)' : ''}`);
  const checkpoints = new Checkpoints<Checkpoint>(layout, checkpointName('linear-learner', cluster), { hyperparameters: raw, rows: train.rows, d, hosts: cluster.hosts });
  const resumed = agreeOnResume(cluster, checkpoints.load(), (state) => state.epoch);
  if (resumed) {
    models.restore(resumed.models);
    console.log(`resumed from checkpoint after epoch ${resumed.epoch}`);
  } else {
    initialise(models, hp);
  }
  const diverged = new Set<number>(resumed?.diverged ?? []);
  let best = resumed?.best ?? Infinity, stale = resumed?.stale ?? 0;
  const finished = await watchForStop(async (stop) => {
    for (let epoch = resumed?.epoch ?? 0; epoch < hp.epochs; epoch++) {
      const started = performance.now();
      const { trainLosses, stopRequested } = cluster.size === 1
        ? { trainLosses: await epochOnSchedule(models, tr.placed, config, schedule, diverged), stopRequested: stop.requested }
        : await epochOnHosts(cluster, models, tr, config, schedule, diverged, stop, jobBatches, totalRows);
      throughputMetric('train', tr.rows, (performance.now() - started) / 1000);
      // A model whose objective is no longer a finite number has diverged: it is logged, reset and
      // left out from here on; the others carry on. Only when none is left does training fail.
      const objectives = (await metricsOf(watched)).map((metrics) => metrics.objective_loss);
      objectives.forEach((value, m) => {
        if (diverged.has(m) || (Number.isFinite(value) && Number.isFinite(trainLosses[m]))) return;
        diverged.add(m);
        models.reset(m);
        console.log(`model ${m + 1} of ${numModels} (learning rate ${learningRates[m]}) diverged in epoch ${epoch + 1} (${watchedName} ${objective} ${value}): dropped`);
      });
      if (diverged.size === numModels) {
        throw new Error(`all ${numModels} models diverged (their loss became NaN or infinite) by epoch ${epoch + 1} with learning rates `
          + `${learningRates.map((r) => r.toPrecision(3)).join(', ')}: lower learning_rate, use optimizer adam, or keep normalize_data / normalize_label true`);
      }
      const alive = objectives.map((value, m) => (diverged.has(m) ? Infinity : value));
      const leader = alive.indexOf(Math.min(...alive)), current = alive[leader];
      const trainLoss = lossInLabelUnits(trainLosses[leader], predictor, loss, labelScale);
      console.log(`#quality_metric: host=${host()}, epoch=${epoch}, train ${objective} <loss>=${trainLoss}`);
      if (va) console.log(`#quality_metric: host=${host()}, epoch=${epoch}, validation ${objective} <loss>=${current}`);
      console.log(`#progress_metric: host=${host()}, completed ${((100 * (epoch + 1)) / hp.epochs).toFixed(1)} % of epochs`);
      if (current < best * (1 - hp.early_stopping_tolerance)) {
        best = current;
        stale = 0;
      } else if (++stale >= hp.early_stopping_patience) {
        console.log(`early stopping after epoch ${epoch + 1}: no improvement of ${hp.early_stopping_tolerance} for ${stale} epochs`);
        return true;
      }
      if (stopRequested && epoch + 1 < hp.epochs) {
        checkpoints.save({ epoch: epoch + 1, models: models.state(), best, stale, diverged: [...diverged] });
        console.log(`SIGTERM: saved a checkpoint after epoch ${epoch + 1}`);
        return false;
      }
    }
    return true;
  });
  if (!finished) return;

  // Binary classifiers are ranked by binary_classifier_model_selection_criteria, the others by
  // loss; diverged models, and any whose merit is not a number, are never chosen.
  const selection: Selection = { criterion: hp.binary_classifier_model_selection_criteria, beta: hp.f_beta, targetPrecision: hp.target_precision, targetRecall: hp.target_recall };
  const watchedMetrics = await metricsOf(watched, hp.f_beta);
  const merits = watchedMetrics.map((metrics, m) => {
    if (diverged.has(m) || !Number.isFinite(metrics.objective_loss)) return -Infinity;
    if (predictor !== 'binary_classifier') return -metrics.objective_loss;
    if (!needsScores(selection)) return selectionMerit(metrics, selection);
    const { scores, labels } = gatherScores(cluster, models.scores(watched.x, m), watched.y);
    return selectionMerit(metrics, selection, scores, labels);
  });
  const chosen = bestOf(merits);
  if (chosen < 0) throw new Error(`no model has a finite ${watchedName} ${objective} after training: every one diverged`);
  const by = predictor === 'binary_classifier' ? hp.binary_classifier_model_selection_criteria : 'objective_loss';
  console.log(`selected model ${chosen + 1} of ${numModels} (learning rate ${learningRates[chosen]}) by ${by} on the ${watchedName} channel`);

  printFinalMetrics('train', { objective_loss: (va ? (await metricsOf(tr))[chosen] : watchedMetrics[chosen]).objective_loss }, objective, false);
  for (const [channel, set] of [['validation', va], ['test', te]] as const) {
    if (set) printFinalMetrics(channel, (await metricsOf(set, hp.f_beta))[chosen], objective, true);
  }

  const columns = models.weights.subarray(chosen * classes * d, (chosen + 1) * classes * d);
  const biases = Array.from(models.bias.subarray(chosen * classes, (chosen + 1) * classes));
  const model: LinearLearnerModel = {
    algorithm: 'linear-learner', format_version: LINEAR_LEARNER_FORMAT, predictor_type: predictor, feature_dim: d, weights: Array.from(columns),
    bias: multiclass ? biases : biases[0], ...(multiclass ? { num_classes: classes } : {}),
    mean, scale, label_mean: labelMean, label_scale: labelScale,
  };
  if (cluster.first) saveModel(layout, model);
  else console.log(`trained; the first host ${cluster.hosts[0]} writes the model`);

  // The model registry shows this beside the version (a model package's model-quality statistics):
  // of every host's rows of the channel (gathered in host order), written by the first host.
  const evaluatedName = te ? 'test' : va ? 'validation' : undefined;
  const evaluatedSet = te ?? va, original = test ?? validation;
  if (evaluatedSet && original) {
    const scoresOf = (cls: number) => models.scores(evaluatedSet.x, chosen, cls);
    const labels = gatherRows(cluster, Float64Array.from(original.y));
    const evaluated: Evaluated = predictor === 'regressor'
      ? { problem: 'regression', labels, predictions: gatherRows(cluster, Float64Array.from(scoresOf(0), (s) => s * labelScale + labelMean)) }
      : predictor === 'binary_classifier'
        ? { problem: 'binary', labels, probabilities: gatherRows(cluster, Float64Array.from(scoresOf(0), (s) => 1 / (1 + Math.exp(-s)))) }
        : { problem: 'multiclass', labels, classes, predictedLabels: Int32Array.from(gatherRows(cluster, Float64Array.from(argmaxOfClasses(Array.from({ length: classes }, (_, c) => scoresOf(c)))))) };
    if (cluster.first) {
      writeFileWhole(path.join(layout.modelDir, MODEL_QUALITY_STATISTICS_FILE), JSON.stringify(modelQualityStatistics(evaluated, new Date()), null, 2), 'model quality statistics');
      console.log(`model quality statistics of the ${evaluatedName} channel written to ${MODEL_QUALITY_STATISTICS_FILE}`);
    }
  }
  if (cluster.size > 1) console.log(`trained on ${cluster.size} hosts${collectiveShare(cluster, began)}`);
}

/**
 * One epoch on several hosts: `jobBatches` steps, each a mini-batch step on every host's shard (a
 * host whose shard has run out steps on nothing) then the models averaged over the hosts
 * (averageOverHosts). Resolves to each model's mean training loss over every host's rows, and
 * whether any host was asked to stop during the epoch (the same answer on every host).
 */
async function epochOnHosts(cluster: Cluster, models: LinearModels, set: Placed, config: LinearEpochConfig, schedule: ScheduleOptions | undefined,
  diverged: Set<number>, stop: { readonly requested: boolean }, jobBatches: number, totalRows: number): Promise<{ trainLosses: Float64Array; stopRequested: boolean }> {
  const totals = new Float64Array(models.models);
  let stopRequested = false;
  for (let batch = 0; batch < jobBatches; batch++) {
    const first = Math.min(set.rows, batch * config.batchSize), end = Math.min(set.rows, first + config.batchSize);
    const learningRates = scheduledRates(config.learningRates, models.steps, schedule).map((rate, m) => (diverged.has(m) ? 0 : rate));
    const losses = end > first ? await models.epoch(set.placed.slice(first, end - first), null, { ...config, learningRates }) : new Float64Array(models.models);
    const averaged = averageOverHosts(cluster, models, losses, end - first, stop.requested);
    averaged.losses.forEach((value, m) => { totals[m] += value * averaged.rows; });
    stopRequested ||= averaged.stopRequested;
  }
  return { trainLosses: totals.map((total) => total / totalRows), stopRequested };
}

/**
 * The hosts' models averaged: each host's weights, biases and optimiser moments times the rows it
 * stepped on, summed over the hosts and divided by all those rows (the step count is the largest
 * host's, so the learning-rate schedule continues from the same place everywhere); the losses are
 * averaged the same way, and a stop request on any host reaches all.
 */
function averageOverHosts(cluster: Cluster, models: LinearModels, losses: Float64Array, rows: number, stopRequested: boolean): { losses: Float64Array; rows: number; stopRequested: boolean } {
  const state = models.state();
  const parts = [state.weights, state.bias, state.moments, Array.from(losses)];
  const width = parts.reduce((total, part) => total + part.length, 0);
  const buffer = new Float64Array(width + 2 + cluster.size);
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) buffer[offset + i] = part[i] * rows;
    offset += part.length;
  }
  buffer[width] = rows;
  buffer[width + 1] = stopRequested ? 1 : 0;
  buffer[width + 2 + cluster.rank] = state.step;
  cluster.allreduceSum(buffer);
  const total = buffer[width];
  if (total === 0) return { losses: new Float64Array(losses.length), rows: 0, stopRequested: buffer[width + 1] > 0 };
  const averaged = (from: number, length: number) => Array.from(buffer.subarray(from, from + length), (v) => v / total);
  let at = 0;
  const [weights, bias, moments, averagedLosses] = parts.map((part) => { const values = averaged(at, part.length); at += part.length; return values; });
  models.restore({ weights, bias, moments, step: Math.max(...buffer.subarray(width + 2)) });
  return { losses: Float64Array.from(averagedLosses), rows: total, stopRequested: buffer[width + 1] > 0 };
}

/** A vector with `value` at this host's rank: all-reduced, every host's value. */
function oneHot(cluster: Cluster, value: number): Float64Array {
  const values = new Float64Array(cluster.size);
  values[cluster.rank] = value;
  return values;
}

/** Every host's values of a channel's rows, in host order (a host's rows at its offset, all-reduced); as given on one host. */
function gatherRows(cluster: Cluster, values: Float64Array): Float64Array {
  if (cluster.size === 1) return values;
  const counts = new Float64Array(cluster.size);
  counts[cluster.rank] = values.length;
  cluster.allreduceSum(counts);
  const all = new Float64Array(counts.reduce((a, b) => a + b, 0));
  all.set(values, counts.subarray(0, cluster.rank).reduce((a, b) => a + b, 0));
  return cluster.allreduceSum(all);
}

/** Every host's scores and labels of a channel, in host order (for the criteria that rank scores). */
function gatherScores(cluster: Cluster, scores: Float32Array, y: Float32Array): { scores: Float32Array; labels: Float32Array } {
  if (cluster.size === 1) return { scores, labels: y };
  return { scores: Float32Array.from(gatherRows(cluster, Float64Array.from(scores))), labels: Float32Array.from(gatherRows(cluster, Float64Array.from(y))) };
}

/** Each row's class of highest score, from one score array per class. */
function argmaxOfClasses(scores: Float32Array[]): Int32Array {
  return Int32Array.from(scores[0], (_, row) => {
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c][row] > scores[best][row]) best = c;
    return best;
  });
}

const host = () => process.env.SM_CURRENT_HOST ?? 'algo-1';

/** The fewest updates an epoch that a mini_batch_size left out aims for, and the smallest batch it picks. */
export const AUTO_UPDATES_PER_EPOCH = 200;
export const AUTO_SMALLEST_BATCH = 8;

/**
 * The mini-batch size when the hyperparameters leave mini_batch_size out: the documented default
 * (1000) whenever that still gives an epoch AUTO_UPDATES_PER_EPOCH updates (200,000 rows or
 * more), else the size that does, but never under AUTO_SMALLEST_BATCH rows (whose gradients are
 * too noisy to be worth the updates). Measured on scikit-learn's real data sets (bench/quality):
 * at 1000, iris (120 training rows) gets 1 update an epoch and misses logistic regression by up to
 * 13 accuracy points; at 8 it matches it.
 */
export function autoBatchSize(rows: number, documentedDefault: number): number {
  return Math.min(documentedDefault, Math.max(AUTO_SMALLEST_BATCH, Math.ceil(rows / AUTO_UPDATES_PER_EPOCH)));
}

/**
 * wd `auto`: 1 / rows. The kernels minimise the mean loss of a batch plus wd/2 ||w||² (the bias
 * not decayed); times the rows that is Σ loss + ½||w||² — exactly scikit-learn's
 * LogisticRegression() (C = 1) on standardised features, and for a regressor (squared loss ½ r²)
 * Ridge(alpha = 1) on the standardised label. It keeps small data (digits: 64 features, 1,437
 * rows) from over-fitting, and fades as the rows grow; `wd` 0 turns it off.
 */
export function autoWeightDecay(rows: number): number {
  return 1 / Math.max(1, rows);
}

/** The index of the largest merit above -Infinity (-1 when none); NaN is never the largest. */
export function bestOf(merits: readonly number[]): number {
  let chosen = -1;
  merits.forEach((merit, m) => {
    if (merit > -Infinity && (chosen < 0 || merit > merits[chosen])) chosen = m;
  });
  return chosen;
}

/** The built-in's name for the objective, printed in its metric lines, e.g. `binary_classification_cross_entropy_objective`. */
export function objectiveName(predictor: Predictor, loss: string): string {
  if (predictor === 'multiclass_classifier') return 'multiclass_cross_entropy_objective';
  if (loss === 'logistic') return 'binary_classification_cross_entropy_objective';
  if (loss === 'squared_loss') return 'mse_objective';
  return `${loss.replace(/_loss$/, '')}_loss_objective`;
}

/**
 * The built-in's closing lines for a channel: `#validation_score (algo-1) : ('name', value)` and
 * `#quality_metric: host=algo-1, validation name <score>=value`, objective_loss under the
 * objective's own name.
 */
function printFinalMetrics(channel: string, metrics: Record<string, number>, objective: string, scores: boolean): void {
  for (const [name, value] of Object.entries(metrics)) {
    const printed = name === 'objective_loss' ? objective : name;
    if (scores) console.log(`#${channel}_score (${host()}) : ('${printed}', ${value})`);
    qualityMetric(channel, printed, value, isLossMetric(name) ? 'loss' : 'score');
  }
}

/** The kernels' training loss (standardised labels) in the label's units, as the metrics are. */
function lossInLabelUnits(value: number, predictor: Predictor, loss: string, labelScale: number): number {
  if (predictor !== 'regressor') return value;
  return loss === 'absolute_loss' ? value * labelScale : value * labelScale * labelScale;
}

/**
 * One epoch over rows placed with their labels (Kernels.place, on the models' kernels) in chunks
 * of rows that end where the learning-rate schedule changes the rates (schedule.ts); diverged
 * models train with rate 0. Resolves to each model's mean training loss.
 */
export async function epochOnSchedule(models: LinearModels, set: PlacedRows, config: LinearEpochConfig, schedule: ScheduleOptions | undefined, diverged: Set<number>): Promise<Float64Array> {
  const batch = config.batchSize, totals = new Float64Array(models.models);
  let row = 0;
  while (row < set.n) {
    const batches = batchesUntilChange(models.steps, Math.ceil((set.n - row) / batch), schedule);
    const end = Math.min(set.n, row + batches * batch);
    const learningRates = scheduledRates(config.learningRates, models.steps, schedule).map((rate, m) => (diverged.has(m) ? 0 : rate));
    const losses = await models.epoch(set.slice(row, end - row), null, { ...config, learningRates });
    losses.forEach((value, m) => { totals[m] += value * (end - row); });
    row = end;
  }
  return totals.map((total) => total / set.n);
}

/** The built-in's initial weights: uniform in ±init_scale or normal with init_sigma; biases init_bias. */
function initialise(models: LinearModels, hp: { init_method: string; init_scale: number; init_sigma: number; init_bias: number }): void {
  const next = seededRandom(1234);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  for (let i = 0; i < models.weights.length; i++) {
    models.weights[i] = hp.init_method === 'normal' ? hp.init_sigma * normal() : hp.init_scale * (2 * next() - 1);
  }
  models.bias.fill(hp.init_bias);
}

function checkLabels(channel: string, y: Float32Array, predictor: Predictor, classes: number): void {
  const bad = predictor === 'binary_classifier' ? y.findIndex((v) => v !== 0 && v !== 1)
    : predictor === 'multiclass_classifier' ? y.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes) : -1;
  if (bad < 0) return;
  const allowed = predictor === 'binary_classifier' ? '0 or 1' : `whole numbers from 0 to ${classes - 1} (num_classes is ${classes})`;
  throw new Error(`${predictor} labels must be ${allowed}: record ${bad + 1} of channel ${channel} has ${y[bad]}`);
}

/** A channel of labelled rows: CSV with the label first, or RecordIO-protobuf with label["values"]. */
function readLabelled(layout: OptMl, channel: string, featureDim: number | 'auto'): Labelled {
  const rows = readChannel(layout, channel, featureDim === 'auto' ? undefined : featureDim, true);
  return { x: rows.x, y: rows.y!, rows: rows.rows };
}

/**
 * Each feature's mean (0 without `unbias`) and standard deviation about its mean (1 without
 * `normalize`), over every host's `n` rows: the sums, then the squares about the mean, all-reduced.
 */
function standardiser(x: Float32Array, d: number, unbias: boolean, normalize: boolean, cluster: Cluster, n: number): { mean: number[]; scale: number[] } {
  const mean = new Float64Array(d), spread = new Float64Array(d);
  for (let i = 0; i < x.length; i++) mean[i % d] += x[i] / n;
  cluster.allreduceSum(mean);
  for (let i = 0; i < x.length; i++) spread[i % d] += (x[i] - mean[i % d]) ** 2 / n;
  cluster.allreduceSum(spread);
  return { mean: unbias ? Array.from(mean) : Array.from(mean, () => 0), scale: normalize ? Array.from(spread, (v) => Math.sqrt(v) || 1) : Array.from(spread, () => 1) };
}

/** Σ of(v) over the values (Σ v by default). */
const sum = (values: Float32Array, of: (v: number) => number = (v) => v) => values.reduce((total, v) => total + of(v), 0);
