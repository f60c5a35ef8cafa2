import type { ModelQualityAlarmOptions, ModelQualityOptions } from '../model-quality-monitor';
import { checkScheduleExpression } from './monitor-jobs';
import { ValidationProblems } from '../../core/private/validation';

// ProblemType's values, compared as strings: this file imports the enum's module for types only.
const BINARY = 'BinaryClassification';
const REGRESSION = 'Regression';

/** One alarm of a model-quality monitor: the metric Model Monitor publishes, and which side of the threshold is bad. */
export interface ModelQualityAlarmSpec {
  readonly id: string;
  readonly metricName: string;
  readonly threshold: number;
  readonly below: boolean;
}

/** The alarms the thresholds ask for, under the metric names of the problem type. */
export function modelQualityAlarmSpecs(problemType: string, alarms: ModelQualityAlarmOptions = {}): ModelQualityAlarmSpec[] {
  const specs: ModelQualityAlarmSpec[] = [];
  const add = (id: string, metricName: string, threshold: number | undefined, below: boolean) => {
    if (threshold !== undefined) specs.push({ id, metricName, threshold, below });
  };
  add('Accuracy', 'accuracy', alarms.minAccuracy, true);
  add('F1', problemType === BINARY ? 'f1' : 'weighted_f1', alarms.minF1, true);
  add('Auc', 'auc', alarms.minAuc, true);
  add('Rmse', 'rmse', alarms.maxRmse, false);
  add('Mae', 'mae', alarms.maxMae, false);
  return specs;
}

/**
 * What the companion (and built-in) Linear Learner's JSON response holds, as paths the
 * model-quality monitor reads from the captured response (`{"predictions":[{"score":…,"predicted_label":…}]}`,
 * see containers/linear-learner/serve.ts): the predicted label and, for a binary classifier, the
 * probability of 1; for a regressor the value is the score.
 */
export function linearLearnerAttributes(problemType: string): { inferenceAttribute: string; probabilityAttribute?: string } {
  if (problemType === REGRESSION) return { inferenceAttribute: 'predictions[0].score' };
  if (problemType === BINARY) return { inferenceAttribute: 'predictions[0].predicted_label', probabilityAttribute: 'predictions[0].score' };
  return { inferenceAttribute: 'predictions[0].predicted_label' };
}

/** Every problem with a model-quality monitor's options, props named under `prefix` (e.g. `monitoring.modelQuality.`). */
export function modelQualityProblems(problems: ValidationProblems, prefix: string, options: ModelQualityOptions): void {
  const type: string = options.problemType;
  const { groundTruth, alarms = {} } = options;
  // Required in the types; JavaScript callers can still leave it out.
  problems.require(groundTruth !== undefined, `${prefix}groundTruth`, groundTruth,
    'the bucket and prefix where the ground truth labels are uploaded (JSON Lines under <prefix>yyyy/mm/dd/hh/)');
  if (groundTruth) {
    problems.require(groundTruth.prefix === '' || groundTruth.prefix.endsWith('/'), `${prefix}groundTruth.prefix`, groundTruth.prefix, 'a key prefix ending in "/"');
  }
  if (type === BINARY) {
    problems.require(options.inferenceAttribute !== undefined || options.probabilityAttribute !== undefined, `${prefix}inferenceAttribute`, options.inferenceAttribute,
      'the path of the predicted label (or probabilityAttribute) in the captured response: the model\'s algorithm has no default');
  } else {
    problems.require(options.inferenceAttribute !== undefined, `${prefix}inferenceAttribute`, options.inferenceAttribute,
      `the path of the predicted ${type === REGRESSION ? 'value' : 'label'} in the captured response: the model's algorithm has no default`);
    problems.require(options.probabilityAttribute === undefined, `${prefix}probabilityAttribute`, options.probabilityAttribute, 'nothing: a probability is read for binary classification only');
  }
  if (options.probabilityThreshold !== undefined) {
    const threshold = options.probabilityThreshold;
    problems.require(type === BINARY, `${prefix}probabilityThreshold`, threshold, 'nothing: a threshold is for binary classification only');
    problems.require(threshold >= 0 && threshold <= 1, `${prefix}probabilityThreshold`, threshold, 'a probability from 0 to 1');
  }
  const classification: [keyof ModelQualityAlarmOptions, string][] = [['minAccuracy', 'classification'], ['minF1', 'classification'], ['minAuc', 'binary classification']];
  for (const [name, forWhat] of classification) {
    const value = alarms[name];
    if (value === undefined) continue;
    const fits = forWhat === 'classification' ? type !== REGRESSION : type === BINARY;
    problems.require(fits, `${prefix}alarms.${name}`, value, `nothing: Model Monitor publishes it for ${forWhat} only (problem type ${type})`);
    problems.require(value >= 0 && value <= 1, `${prefix}alarms.${name}`, value, 'a fraction from 0 to 1');
  }
  for (const name of ['maxRmse', 'maxMae'] as const) {
    const value = alarms[name];
    if (value === undefined) continue;
    problems.require(type === REGRESSION, `${prefix}alarms.${name}`, value, `nothing: Model Monitor publishes it for regression only (problem type ${type})`);
    problems.require(value >= 0, `${prefix}alarms.${name}`, value, 'a value of at least 0');
  }
  checkScheduleExpression(problems, `${prefix}scheduleExpression`, options.scheduleExpression);
  const dataset = options.baseline?.dataset;
  if (dataset) {
    problems.require(dataset.format === undefined || ['csv', 'json'].includes(dataset.format), `${prefix}baseline.format`, dataset.format, '"csv" or "json"');
    problems.require(dataset.groundTruthAttribute !== '', `${prefix}baseline.groundTruthAttribute`, dataset.groundTruthAttribute, 'the column or key of the true label');
    problems.require(type === BINARY ? dataset.inferenceAttribute !== undefined || dataset.probabilityAttribute !== undefined : dataset.inferenceAttribute !== undefined,
      `${prefix}baseline.inferenceAttribute`, dataset.inferenceAttribute, 'the column or key of the prediction in the baseline dataset');
  }
}
