import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { HyperparameterRange } from './ranges';
import { CompletionCriteria, EarlyStopping, TuningObjective, TuningStrategy, WarmStart } from './strategy';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';
import { checkObjectiveMetric } from '../core/private/algorithm-checks';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { IModelSource } from '../models/model-source';
import { ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { DeployTimeJob } from '../private/deploy-time-job';
import { createIsolatedModel } from '../private/isolated-model';
import { jobNamePrefix, TUNING_JOB } from '../private/job-kinds';
import { trainingJobMetric } from '../private/training-metrics';
import { arnPatternForPrefix, checkHyperparameters, checkTrainingSettings, renderTags, setUpTraining } from '../training/private/training-setup';
import { TrainingSettings } from '../training/training-settings';

/**
 * Properties of a {@link TunedModel}.
 */
export interface TunedModelProps extends TrainingSettings {
  /**
   * Hyperparameters every training job gets; none may also be a range.
   *
   * @default - none
   */
  readonly staticHyperparameters?: { [name: string]: string };

  /** The hyperparameters searched (at most 30). */
  readonly ranges: HyperparameterRange[];

  /** The metric optimized, one the algorithm emits. */
  readonly objective: TuningObjective;

  /**
   * How the next hyperparameters are chosen.
   *
   * @default TuningStrategy.BAYESIAN
   */
  readonly strategy?: TuningStrategy;

  /**
   * The most training jobs to run (not with Grid, which runs every combination).
   *
   * @default 20
   */
  readonly maxJobs?: number;

  /**
   * The most training jobs running at once (1 to 100, at most maxJobs).
   *
   * @default 2
   */
  readonly maxParallelJobs?: number;

  /**
   * Whether SageMaker stops unpromising training jobs early (not with Hyperband, which does its own).
   *
   * @default EarlyStopping.OFF
   */
  readonly earlyStopping?: EarlyStopping;

  /**
   * Start from what earlier tuning jobs learned.
   *
   * @default - a cold start
   */
  readonly warmStartFrom?: WarmStart;

  /**
   * When to stop before `maxJobs`.
   *
   * @default - run up to maxJobs
   */
  readonly completionCriteria?: CompletionCriteria;

  /**
   * The longest the whole tuning job may run.
   *
   * @default - bounded by its training jobs and the deployment's wait
   */
  readonly tuningMaxRuntime?: Duration;
}

/** SageMaker's limits for tuning jobs. */
const MAX_RANGES = 30;
const MAX_TRAINING_JOBS = 750;
const MAX_PARALLEL_JOBS = 100;

/**
 * A hyperparameter tuning job that runs while the stack deploys, and a SageMaker Model of its best
 * training job: in the VPC, with network isolation, and a role that reads only the artifacts and
 * image it serves.
 *
 * It shares SecureTrainingJob's settings, defaults and deploy-time machinery: an unchanged
 * redeploy starts nothing, a changed configuration starts a new tuning job and replaces the model,
 * and deletion stops a running tuning job.
 */
export class TunedModel extends Construct implements IModelSource {
  /** The tuning job's name (at most 32 characters: a path-derived prefix and a configuration hash). */
  public readonly tuningJobName: string;

  /** The tuning job's ARN. */
  public readonly tuningJobArn: string;

  /** The best training job's name (known after the tuning job). */
  public readonly bestTrainingJobName: string;

  /** The objective value of the best training job, as a CloudFormation attribute. */
  public readonly bestObjectiveValue: string;

  /** The S3 URI of the best training job's model artifact. */
  public readonly modelData: string;

  /** The model's name. */
  public readonly modelName: string;

  /** The role the training jobs run as. */
  public readonly role: SageMakerExecutionRole;

  /** The role the model runs as. */
  public readonly modelRole: SageMakerExecutionRole;

  /** The network the training jobs and model run in. */
  public readonly network: SageMakerNetwork;

  /** The key that encrypts volumes and output. */
  public readonly encryptionKey: kms.IKey;

  /** The bucket of the artifacts. */
  public readonly outputBucket: s3.IBucket;

  /** The key prefix of the artifacts. */
  public readonly outputPrefix: string;

  /** The bucket of the best artifact (`outputBucket`). */
  public readonly artifactBucket: s3.IBucket;

  /** The key prefix the best artifact lies under (`outputPrefix`; its key is known after the tuning job). */
  public readonly artifactKey: string;

  /** The key the artifact is encrypted with (`encryptionKey`). */
  public readonly artifactEncryptionKey?: kms.IKey;

  /** The best training job, which made the artifact (`bestTrainingJobName`). */
  public readonly sourceTrainingJobName?: string;

  /** The algorithm tuned. */
  public readonly algorithm: Algorithm;

  /** Completes when the tuning job has completed. */
  public readonly completion: IDependable;

  /** What the tuning job optimized. */
  public readonly objective: TuningObjective;

  constructor(scope: Construct, id: string, props: TunedModelProps) {
    super(scope, id);
    validate(scope, id, props);
    this.algorithm = props.algorithm;
    this.objective = props.objective;

    // Tuning job names have at most 32 characters; its training jobs are named after it.
    const prefix = jobNamePrefix(this, TUNING_JOB);
    const setup = setUpTraining(this, props, prefix, arnPatternForPrefix(this, '*', prefix));
    this.network = setup.network;
    this.encryptionKey = this.artifactEncryptionKey = setup.encryptionKey;
    this.outputBucket = this.artifactBucket = setup.outputBucket;
    this.outputPrefix = this.artifactKey = setup.outputPrefix;
    this.role = setup.role;

    const job = new DeployTimeJob(this, 'Job', {
      kind: TUNING_JOB,
      namePrefix: prefix,
      request: {
        HyperParameterTuningJobConfig: tuningJobConfig(props),
        TrainingJobDefinition: { ...setup.definition, StaticHyperParameters: props.staticHyperparameters ?? {} },
        WarmStartConfig: props.warmStartFrom ? {
          ParentHyperParameterTuningJobs: props.warmStartFrom.parents.map((name) => ({ HyperParameterTuningJobName: name })),
          WarmStartType: props.warmStartFrom.type,
        } : undefined,
        Tags: renderTags(props.tags),
      },
      completeRequest: (name, request) => {
        if (props.spot) {
          request.TrainingJobDefinition = {
            ...request.TrainingJobDefinition,
            CheckpointConfig: { S3Uri: this.outputBucket.s3UrlForObject(`${setup.outputPrefix}checkpoints/${name}/`) },
          };
        }
      },
      executionRole: this.role.role,
      network: this.network,
      encryptionKey: this.encryptionKey,
      waitTimeout: setup.waitTimeout,
    });
    this.tuningJobName = job.jobName;
    this.tuningJobArn = job.jobArn;
    this.completion = job.completion;

    // After the tuning job: its best training job, objective value and artifact.
    const best = job.readResult(this, 'BestTrainingJob');
    this.bestTrainingJobName = this.sourceTrainingJobName = best.getAttString('BestTrainingJobName');
    this.bestObjectiveValue = best.getAttString('BestObjectiveValue');
    this.modelData = best.getAttString('ModelData');

    const served = createIsolatedModel(this, {
      algorithm: props.algorithm,
      modelData: this.modelData,
      artifactsBucket: this.outputBucket,
      artifactsPrefix: setup.outputPrefix,
      network: this.network,
      encryptionKey: this.encryptionKey,
    });
    this.modelRole = served.role;
    this.modelName = served.model.attrModelName;

    if (setup.maxRuntime.toSeconds() > setup.waitTimeout.toSeconds()) {
      Annotations.of(this).addWarningV2('sagemaker-secure-constructs:tuningOutlastsDeploy',
        `A training job may run ${setup.maxRuntime.toHumanString()} but the deployment waits ${setup.waitTimeout.toHumanString()} for the whole tuning job.`);
    }
  }

  /**
   * A metric of the best training job's first instance: one the algorithm emits, or a SageMaker
   * instance metric.
   *
   * @default - average over 1 minute
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return trainingJobMetric(this.bestTrainingJobName, metricName, props);
  }

  /** Serves the tuned model (used by `MonitoredEndpoint`). */
  public bindForServing(_scope: Construct, _options?: ServingBindOptions): ServingModelConfig {
    return { modelName: this.modelName, role: this.modelRole, network: this.network, encryptionKey: this.encryptionKey };
  }

  /** The tuning objective's metric on the best training job. @default - average over 1 minute */
  public metricObjective(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(this.objective.metricName, props);
  }

}

function tuningJobConfig(props: TunedModelProps): Record<string, any> {
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

function validate(scope: Construct, id: string, props: TunedModelProps): void {
  const problems = ValidationProblems.of('TunedModel', scope, id);
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
  problems.throwIfAny();
}
