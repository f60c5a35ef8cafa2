import { Annotations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IDependable } from 'constructs';
import { TrainingObservability } from './training-observability';
import { TrainingSettings } from './training-settings';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { IModelSource } from '../models/model-source';
import { ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { DeployTimeJob } from '../private/deploy-time-job';
import { jobHandler } from '../private/job-handler';
import { createIsolatedModel, IsolatedModel } from '../private/isolated-model';
import { jobNamePrefix, TRAINING_JOB } from '../private/job-kinds';
import { trainingJobMetric } from '../private/training-metrics';
import { hasRules, watchRuleIssues } from './private/observability';
import { arnPatternForPrefix, checkHyperparameters, checkTrainingSettings, renderTags, setUpTraining } from './private/training-setup';

/**
 * Properties of a {@link SecureTrainingJob}.
 */
export interface SecureTrainingJobProps extends TrainingSettings, TrainingObservability {
  /**
   * Hyperparameters, all values strings as SageMaker passes them; checked against the names the
   * algorithm accepts.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html#sagemaker-CreateTrainingJob-request-HyperParameters
   */
  readonly hyperparameters?: { [name: string]: string };
}

/**
 * A SageMaker training job that runs while the stack deploys, inside an isolated VPC with network
 * isolation, inter-container encryption, KMS on volumes, output and checkpoints, and a role that
 * can reach only its own inputs, output prefix, key, image and logs.
 *
 * The deployment waits for the job (up to 12 hours, longer than a custom resource can) and fails
 * with the job's FailureReason if it fails. `modelData` is the artifact's S3 URI; whatever uses it
 * should depend on `completion`.
 */
export class SecureTrainingJob extends Construct implements IModelSource {
  /** The training job's name: the construct's path and a hash of the job's configuration. */
  public readonly trainingJobName: string;

  /** The training job's ARN. */
  public readonly trainingJobArn: string;

  /** The S3 URI of the trained model, `s3://<bucket>/<prefix><job name>/output/model.tar.gz`. */
  public readonly modelData: string;

  /** The key of the model artifact in `outputBucket`. */
  public readonly modelDataKey: string;

  /** The bucket of the model artifact and checkpoints. */
  public readonly outputBucket: s3.IBucket;

  /** The bucket of the model artifact (`outputBucket`). */
  public readonly artifactBucket: s3.IBucket;

  /** The key of the model artifact (`modelDataKey`). */
  public readonly artifactKey: string;

  /** The key the artifact is encrypted with (`encryptionKey`). */
  public readonly artifactEncryptionKey?: kms.IKey;

  /** The job that makes the artifact (`trainingJobName`). */
  public readonly sourceTrainingJobName?: string;

  /** The role the job runs as. */
  public readonly role: SageMakerExecutionRole;

  /** The network the job runs in. */
  public readonly network: SageMakerNetwork;

  /** The key that encrypts the job's volumes and output. */
  public readonly encryptionKey: kms.IKey;

  /** The algorithm trained. */
  public readonly algorithm: Algorithm;

  /** Completes when the job has completed: depend on it to use `modelData`. */
  public readonly completion: IDependable;

  /**
   * The topic told when a profiler or Debugger rule finds issues.
   *
   * @default - none, when the job has no rules
   */
  public readonly ruleIssuesTopic?: sns.ITopic;

  private readonly outputPrefix: string;
  private servingModel?: IsolatedModel;

  constructor(scope: Construct, id: string, props: SecureTrainingJobProps) {
    super(scope, id);
    const problems = ValidationProblems.of('SecureTrainingJob', scope, id);
    checkTrainingSettings(problems, props);
    checkHyperparameters(problems, props.algorithm, 'hyperparameters', props.hyperparameters ?? {});
    problems.throwIfAny();
    this.algorithm = props.algorithm;

    // Job names are this prefix and a hash of the request; SageMaker may assume the role only
    // for jobs of that prefix.
    const prefix = jobNamePrefix(this, TRAINING_JOB);
    const setup = setUpTraining(this, props, prefix, arnPatternForPrefix(this, 'training-job', prefix));
    this.network = setup.network;
    this.encryptionKey = this.artifactEncryptionKey = setup.encryptionKey;
    this.outputBucket = this.artifactBucket = setup.outputBucket;
    this.role = setup.role;

    const job = new DeployTimeJob(this, 'Job', {
      kind: TRAINING_JOB,
      namePrefix: prefix,
      request: {
        ...setup.definition,
        AlgorithmSpecification: { ...setup.definition.AlgorithmSpecification, EnableSageMakerMetricsTimeSeries: true },
        HyperParameters: props.hyperparameters ?? {},
        Tags: renderTags(props.tags),
      },
      // Under the output prefix, which the role already writes.
      completeRequest: (name, request) => {
        if (props.spot) request.CheckpointConfig = { S3Uri: this.outputBucket.s3UrlForObject(`${setup.outputPrefix}checkpoints/${name}/`) };
      },
      executionRole: this.role.role,
      network: this.network,
      encryptionKey: this.encryptionKey,
      waitTimeout: setup.waitTimeout,
    });
    // Inputs another construct writes at deploy (a processing job's output) exist before the job starts.
    setup.inputCompletions.forEach((completion) => job.node.addDependency(completion));
    this.trainingJobName = this.sourceTrainingJobName = job.jobName;
    this.trainingJobArn = job.jobArn;
    this.completion = job.completion;
    this.outputPrefix = setup.outputPrefix;
    this.modelDataKey = this.artifactKey = `${setup.outputPrefix}${this.trainingJobName}/output/model.tar.gz`;
    this.modelData = this.outputBucket.s3UrlForObject(this.modelDataKey);

    if (hasRules(props)) {
      this.ruleIssuesTopic = watchRuleIssues(this, {
        jobName: this.trainingJobName,
        encryptionKey: this.encryptionKey,
        topic: props.ruleIssuesTopic,
        stopWith: props.stopOnRuleIssues ? jobHandler(this, this.encryptionKey, this.network).function : undefined,
      });
    }

    const longest = setup.maxWait ?? setup.maxRuntime;
    if (longest.toSeconds() > setup.waitTimeout.toSeconds()) {
      Annotations.of(this).addWarningV2('sagemaker-secure-constructs:trainingOutlastsDeploy',
        `The job may run ${longest.toHumanString()} but the deployment waits ${setup.waitTimeout.toHumanString()}: a job still running then fails the deployment and is stopped.`);
    }
  }

  /**
   * Serves the trained artifact (used by `MonitoredEndpoint`): the first call creates an isolated
   * model in the VPC, after the job has completed, with a role that reads only the artifacts.
   */
  public bindForServing(_scope: Construct, options: ServingBindOptions = {}): ServingModelConfig {
    if (!this.servingModel) {
      // Made once, for the first consumer's instance types.
      const served = createIsolatedModel(this, {
        instanceTypes: options.instanceTypes,
        algorithm: this.algorithm,
        modelData: this.modelData,
        artifactsBucket: this.outputBucket,
        artifactsPrefix: this.outputPrefix,
        network: this.network,
        encryptionKey: this.encryptionKey,
      });
      served.model.node.addDependency(this.completion);
      this.servingModel = served;
    }
    const { model, role } = this.servingModel;
    return { modelName: model.attrModelName, role, network: this.network, encryptionKey: this.encryptionKey };
  }

  /**
   * A metric the algorithm emits (one of its metric definitions), or a SageMaker instance metric,
   * of the job's first instance.
   *
   * @default - average over 1 minute
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return trainingJobMetric(this.trainingJobName, metricName, props);
  }

  /** CPU utilization of the job's first instance (percent per core). @default - average over 1 minute */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', props);
  }

  /** GPU utilization of the job's first instance (percent per GPU). @default - average over 1 minute */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('GPUUtilization', props);
  }

  /** Memory utilization of the job's first instance (percent). @default - average over 1 minute */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('MemoryUtilization', props);
  }
}
