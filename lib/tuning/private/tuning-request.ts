import { Duration } from 'aws-cdk-lib';
import { checkObjectiveMetric } from '../../core/private/algorithm-checks';
import { ValidationProblems } from '../../core/private/validation';
import { checkHyperparameters, checkTrainingSettings } from '../../training/private/training-setup';
import { EarlyStopping, TuningStrategy } from '../strategy';
import type { TunedModelProps } from '../tuned-model';

/** SageMaker's limits for tuning jobs. */
const MAX_RANGES = 30;
const MAX_TRAINING_JOBS = 750;
const MAX_PARALLEL_JOBS = 100;

/** The HyperParameterTuningJobConfig of a CreateHyperParameterTuningJob request. */
export function tuningJobConfig(props: TunedModelProps): Record<string, any> {
  const strategy = props.strategy ?? TuningStrategy.BAYESIAN;
  const ranges: Record<string, unknown[]> = { IntegerParameterRanges: [], ContinuousParameterRanges: [], CategoricalParameterRanges: [] };
  for (const range of props.ranges) {
    const { group, range: rendered } = range._render();
    ranges[group].push(rendered);
  }
  const criteria = props.completionCriteria;
  return {
    Strategy: strategy.name,
    HyperParameterTuningJobObjective: { Type: props.objective.type, MetricName: props.objective.metricName },
    ResourceLimits: {
      MaxNumberOfTrainingJobs: strategy === TuningStrategy.GRID ? undefined : props.maxJobs ?? 20,
      MaxParallelTrainingJobs: props.maxParallelJobs ?? 2,
      MaxRuntimeInSeconds: props.tuningMaxRuntime?.toSeconds(),
    },
    ParameterRanges: ranges,
    TrainingJobEarlyStoppingType: props.earlyStopping ?? EarlyStopping.OFF,
    StrategyConfig: strategy.hyperbandOptions ? {
      HyperbandStrategyConfig: { MinResource: strategy.hyperbandOptions.minResource, MaxResource: strategy.hyperbandOptions.maxResource },
    } : undefined,
    TuningJobCompletionCriteria: criteria ? {
      TargetObjectiveMetricValue: criteria.targetObjectiveValue,
      BestObjectiveNotImproving: criteria.maxJobsNotImproving !== undefined
        ? { MaxNumberOfTrainingJobsNotImproving: criteria.maxJobsNotImproving } : undefined,
    } : undefined,
  };
}

/**
 * Checks a tuning configuration (TunedModel's, or a retraining pipeline's `tuning`): the shared
 * training settings, hyperparameters, objective, ranges, strategy and limits; problems are added.
 */
export function checkTuning(problems: ValidationProblems, props: TunedModelProps): void {
  const { algorithm } = props;
  checkTrainingSettings(problems, props);
  const rangeNames = props.ranges.map((range) => range.name);
  const statics = props.staticHyperparameters ?? {};
  checkHyperparameters(problems, algorithm, 'staticHyperparameters', statics, rangeNames);
  checkObjectiveMetric(problems, algorithm, 'objective', props.objective.metricName, statics, props.inputs.map((input) => input.channelName));

  problems.require(algorithm.emitsMetric(props.objective.metricName), 'objective', props.objective.metricName,
    `a metric the ${algorithm.name} algorithm emits: ${algorithm.metricDefinitions.map((m) => m.name).join(', ') || '(it declares none)'}`);
  problems.require(algorithm.canServe, 'algorithm', algorithm.name, 'an algorithm whose image can serve (the best job becomes a model)');

  problems.require(props.ranges.length >= 1 && props.ranges.length <= MAX_RANGES, 'ranges', `${props.ranges.length} ranges`, `1 to ${MAX_RANGES} ranges`);
  const seen = new Set<string>();
  for (const range of props.ranges) {
    problems.require(algorithm.acceptsHyperparameter(range.name), `ranges[${range.name}]`, range.name,
      `names the ${algorithm.name} algorithm accepts: ${(algorithm.hyperparameterNames ?? []).join(', ')}`);
    problems.require(!(range.name in statics), `ranges[${range.name}]`, range.name, 'a hyperparameter that is not also in staticHyperparameters');
    problems.require(!seen.has(range.name), `ranges[${range.name}]`, range.name, 'each hyperparameter in one range');
    seen.add(range.name);
    for (const [prop, value, allowed] of range._problems()) problems.add(prop, value, allowed);
  }

  const strategy = props.strategy ?? TuningStrategy.BAYESIAN;
  if (strategy === TuningStrategy.GRID) {
    problems.require(props.ranges.every((range) => range.kind === 'Categorical'), 'strategy', 'Grid',
      'only categorical ranges (Grid runs every combination)');
    problems.require(props.maxJobs === undefined, 'maxJobs', props.maxJobs, 'nothing with Grid (it runs every combination)');
  }
  if (strategy.hyperbandOptions) {
    const { minResource, maxResource } = strategy.hyperbandOptions;
    problems.require(Number.isInteger(minResource) && Number.isInteger(maxResource) && minResource >= 1 && minResource < maxResource,
      'strategy', `Hyperband with minResource ${minResource}, maxResource ${maxResource}`, 'whole numbers with 1 <= minResource < maxResource');
    problems.require(props.earlyStopping !== EarlyStopping.AUTO, 'earlyStopping', props.earlyStopping, 'Off with Hyperband (it stops jobs itself)');
  }
  const maxJobs = props.maxJobs ?? 20;
  const parallel = props.maxParallelJobs ?? 2;
  problems.require(Number.isInteger(maxJobs) && maxJobs >= 1 && maxJobs <= MAX_TRAINING_JOBS, 'maxJobs', maxJobs, `a whole number from 1 to ${MAX_TRAINING_JOBS}`);
  problems.require(Number.isInteger(parallel) && parallel >= 1 && parallel <= MAX_PARALLEL_JOBS, 'maxParallelJobs', parallel, `a whole number from 1 to ${MAX_PARALLEL_JOBS}`);
  problems.require(strategy === TuningStrategy.GRID || parallel <= maxJobs, 'maxParallelJobs', parallel, `at most maxJobs (${maxJobs})`);
  if (props.warmStartFrom) {
    const parents = props.warmStartFrom.parents.length;
    problems.require(parents >= 1 && parents <= 5, 'warmStartFrom', `${parents} parent tuning jobs`, '1 to 5 parent tuning jobs');
  }
  const notImproving = props.completionCriteria?.maxJobsNotImproving;
  if (notImproving !== undefined) {
    problems.require(Number.isInteger(notImproving) && notImproving >= 3, 'completionCriteria.maxJobsNotImproving', notImproving, 'a whole number of at least 3');
  }
  if (props.tuningMaxRuntime) {
    const seconds = props.tuningMaxRuntime.toSeconds();
    problems.require(seconds >= 120 && seconds <= Duration.days(30).toSeconds(), 'tuningMaxRuntime', props.tuningMaxRuntime.toHumanString(), 'from 2 minutes to 30 days');
  }
}
