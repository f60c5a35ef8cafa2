import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { HyperparameterRange } from './ranges';
import { CompletionCriteria, EarlyStopping, TuningObjective, TuningStrategy, WarmStart } from './strategy';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { InstanceType } from '../core/instance-type';
import { DEFAULT_SERVING_INSTANCE_TYPES } from '../core/private/serving-instance-types';
import { IModelSource } from '../models/model-source';
import { ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { DeployTimeJob } from '../private/deploy-time-job';
import { createIsolatedModel } from '../private/isolated-model';
import { jobNamePrefix, TUNING_JOB } from '../private/job-kinds';
import { trainingJobMetric } from '../private/training-metrics';
import { checkTuning, tuningJobConfig } from './private/tuning-request';
import { arnPatternForPrefix, renderTags, setUpTraining } from '../training/private/training-setup';
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

  /**
   * The instance types the best model (`modelName`) will be served on. They pick a companion
   * algorithm's image variant: the GPU image when one of them has a GPU its kernels run on, else
   * the CPU image (which runs on any instance).
   *
   * @default - CPU instances (ml.m5.large, ml.m5.xlarge, ml.c5.xlarge, ml.c5.2xlarge): the CPU image
   */
  readonly servingInstanceTypes?: InstanceType[];
}

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
    const problems = ValidationProblems.of('TunedModel', scope, id);
    checkTuning(problems, props);
    problems.throwIfAny();
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
    // Inputs another construct writes at deploy (a processing job's output) exist before the job starts.
    setup.inputCompletions.forEach((completion) => job.node.addDependency(completion));
    this.tuningJobName = job.jobName;
    this.tuningJobArn = job.jobArn;
    this.completion = job.completion;

    // After the tuning job: its best training job, objective value and artifact.
    const best = job.readResult(this, 'BestTrainingJob');
    this.bestTrainingJobName = this.sourceTrainingJobName = best.getAttString('BestTrainingJobName');
    this.bestObjectiveValue = best.getAttString('BestObjectiveValue');
    this.modelData = best.getAttString('ModelData');

    const served = createIsolatedModel(this, {
      instanceTypes: props.servingInstanceTypes ?? [...DEFAULT_SERVING_INSTANCE_TYPES],
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
