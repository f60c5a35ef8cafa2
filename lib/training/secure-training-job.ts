import { Annotations, Duration, Names, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { TrainingInput } from './inputs';
import { Algorithm } from '../core/algorithm';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { configurationHash, DeployTimeJob, TRAINING_JOB } from '../core/private/deploy-time-job';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { SecureBucket } from '../core/storage';

/**
 * Properties of a {@link SecureTrainingJob}.
 */
export interface SecureTrainingJobProps {
  /** The algorithm to train, e.g. `Algorithm.kmeans()`. */
  readonly algorithm: Algorithm;

  /** The input channels. */
  readonly inputs: TrainingInput[];

  /**
   * Hyperparameters, all values strings as SageMaker passes them; checked against the names the
   * algorithm accepts.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html#sagemaker-CreateTrainingJob-request-HyperParameters
   */
  readonly hyperparameters?: { [name: string]: string };

  /**
   * The instance type.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * The number of instances (more than 1 only for algorithms that train distributed).
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * The ML storage volume of each instance (1 GiB to 16 TiB), encrypted with the job's key.
   *
   * @default Size.gibibytes(30)
   */
  readonly volumeSize?: Size;

  /**
   * How long the job may train before SageMaker stops it (at most 28 days).
   *
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;

  /**
   * Use managed spot instances, with checkpoints in S3 so an interrupted job resumes. Only for
   * algorithms that checkpoint.
   *
   * @default false
   */
  readonly spot?: boolean;

  /**
   * With spot, how long to wait for spot capacity and training together (at least `maxRuntime`).
   *
   * @default - maxRuntime plus 1 hour
   */
  readonly maxWait?: Duration;

  /**
   * The network the job runs in.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key for the job's volumes, output, checkpoints and handler.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket the model artifact and checkpoints are written to.
   *
   * @default - a new SecureBucket
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * The key prefix for the job's output, ending in `/`.
   *
   * @default 'training/'
   */
  readonly outputPrefix?: string;

  /**
   * Environment variables of the training container.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Tags of the training job.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };

  /**
   * What happens to a new output bucket (and the artifacts in it) when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long the deployment waits for the job (at most 12 hours, CloudFormation's limit). A job
   * still running then fails the deployment and is stopped by the rollback.
   *
   * @default Duration.hours(12)
   */
  readonly waitTimeout?: Duration;
}

/** SageMaker's limits, from the CreateTrainingJob API reference. */
const MAX_HYPERPARAMETERS = 100;
const CHANNEL_NAME = /^[A-Za-z0-9.\-_]{1,64}$/;
const MAX_RUNTIME = Duration.days(28);
const MAX_WAIT_CONDITION = Duration.hours(12);

/**
 * A SageMaker training job that runs while the stack deploys, inside an isolated VPC with network
 * isolation, inter-container encryption, KMS on volumes, output and checkpoints, and a role that
 * can reach only its own inputs, output prefix, key, image and logs.
 *
 * The deployment waits for the job (up to 12 hours, longer than a custom resource can) and fails
 * with the job's FailureReason if it fails. `modelData` is the artifact's S3 URI; whatever uses it
 * should depend on `completion`.
 */
export class SecureTrainingJob extends Construct {
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

  constructor(scope: Construct, id: string, props: SecureTrainingJobProps) {
    super(scope, id);
    validate(scope, id, props);
    this.algorithm = props.algorithm;
    this.network = props.network ?? new SageMakerNetwork(this, 'Network');
    this.encryptionKey = props.encryptionKey ?? this.network.encryptionKey;
    this.outputBucket = props.outputBucket ?? new SecureBucket(this, 'Artifacts', {
      encryptionKey: this.encryptionKey,
      removalPolicy: props.removalPolicy,
    }).bucket;
    const outputPrefix = props.outputPrefix ?? 'training/';
    const maxRuntime = props.maxRuntime ?? Duration.hours(24);
    const maxWait = props.spot ? props.maxWait ?? maxRuntime.plus(Duration.hours(1)) : undefined;
    const waitTimeout = props.waitTimeout ?? MAX_WAIT_CONDITION;

    // Job names are this prefix and a hash of the request; SageMaker may assume the role only
    // for jobs of that prefix.
    const prefix = Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }).toLowerCase();
    this.role = new SageMakerExecutionRole(this, 'ExecutionRole', {
      description: `Execution role of SageMaker training job ${this.node.path}`,
      sourceArnPattern: Stack.of(this).formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${prefix}-*` }),
    });
    const image = props.algorithm.bind(this, this.role);
    const channels = props.inputs.map((input) => input.bind(this.role).channel);
    this.role.grantWrite(this.outputBucket, outputPrefix);
    this.role.grantEncryptDecrypt(this.encryptionKey);
    this.role.grantLogs('/aws/sagemaker/TrainingJobs');
    this.role.allowPutMetricData();
    this.role.allowVpcAccess();

    const vpcSubnets = this.network.vpc.selectSubnets(this.network.subnets);
    const request: Record<string, any> = {
      AlgorithmSpecification: {
        TrainingImage: image.imageUri,
        TrainingInputMode: props.inputs[0]?.inputMode ?? 'File',
        MetricDefinitions: props.algorithm.isBuiltIn ? undefined : props.algorithm.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })),
        EnableSageMakerMetricsTimeSeries: true,
      },
      RoleArn: this.role.role.roleArn,
      InputDataConfig: channels,
      OutputDataConfig: { S3OutputPath: this.outputBucket.s3UrlForObject(outputPrefix), KmsKeyId: this.encryptionKey.keyArn },
      ResourceConfig: {
        InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
        InstanceCount: props.instanceCount ?? 1,
        VolumeSizeInGB: (props.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
        VolumeKmsKeyId: this.encryptionKey.keyArn,
      },
      VpcConfig: { SecurityGroupIds: [this.network.securityGroup.securityGroupId], Subnets: vpcSubnets.subnetIds },
      StoppingCondition: { MaxRuntimeInSeconds: maxRuntime.toSeconds(), MaxWaitTimeInSeconds: maxWait?.toSeconds() },
      HyperParameters: props.hyperparameters ?? {},
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      EnableManagedSpotTraining: props.spot ?? false,
      Environment: props.environment,
      Tags: props.tags ? Object.entries(props.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
    };
    this.trainingJobName = `${prefix}-${configurationHash(this, request)}`;
    if (props.spot) {
      // Under the output prefix, which the role already writes.
      const checkpoints = `${outputPrefix}checkpoints/${this.trainingJobName}/`;
      request.CheckpointConfig = { S3Uri: this.outputBucket.s3UrlForObject(checkpoints) };
    }
    request.TrainingJobName = this.trainingJobName;

    const job = new DeployTimeJob(this, 'Job', {
      kind: TRAINING_JOB,
      jobName: this.trainingJobName,
      request,
      executionRole: this.role.role,
      network: this.network,
      encryptionKey: this.encryptionKey,
      waitTimeout,
    });
    this.trainingJobArn = job.jobArn;
    this.completion = job.completion;
    this.modelDataKey = `${outputPrefix}${this.trainingJobName}/output/model.tar.gz`;
    this.modelData = this.outputBucket.s3UrlForObject(this.modelDataKey);

    const longest = maxWait ?? maxRuntime;
    if (longest.toSeconds() > waitTimeout.toSeconds()) {
      Annotations.of(this).addWarningV2('sagemaker-secure-constructs:trainingOutlastsDeploy',
        `The job may run ${longest.toHumanString()} but the deployment waits ${waitTimeout.toHumanString()}: a job still running then fails the deployment and is stopped.`);
    }
  }

  /**
   * A metric the algorithm emits (one of its metric definitions), or a SageMaker instance metric,
   * of the job's first instance.
   *
   * @default - average over 1 minute
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: '/aws/sagemaker/TrainingJobs',
      metricName,
      dimensionsMap: { Host: `${this.trainingJobName}/algo-1` },
      statistic: 'Average',
      period: Duration.minutes(1),
      ...props,
    });
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

function validate(scope: Construct, id: string, props: SecureTrainingJobProps): void {
  const problems = ValidationProblems.of('SecureTrainingJob', scope, id);
  const { algorithm } = props;
  const hyperparameters = props.hyperparameters ?? {};
  const names = Object.keys(hyperparameters);

  for (const name of names) {
    problems.require(algorithm.acceptsHyperparameter(name), `hyperparameters.${name}`, hyperparameters[name],
      `names the ${algorithm.name} algorithm accepts: ${(algorithm.hyperparameterNames ?? []).join(', ')}`);
    problems.require(name.length <= 256 && (Token.isUnresolved(hyperparameters[name]) || hyperparameters[name].length <= 2500),
      `hyperparameters.${name}`, hyperparameters[name], 'a name of at most 256 and a value of at most 2500 characters');
  }
  problems.require(names.length <= MAX_HYPERPARAMETERS, 'hyperparameters', `${names.length} hyperparameters`, `at most ${MAX_HYPERPARAMETERS}`);
  for (const required of algorithm.requiredHyperparameters) {
    problems.require(required in hyperparameters, 'hyperparameters', names, `a set that includes ${required} (the ${algorithm.name} algorithm requires it)`);
  }

  problems.require(props.inputs.length > 0, 'inputs', [], 'at least one channel');
  const seen = new Set<string>();
  for (const input of props.inputs) {
    const channel = input.channelName;
    problems.require(CHANNEL_NAME.test(channel), 'inputs[].channelName', channel, '1 to 64 letters, digits, ".", "-" or "_"');
    problems.require(!algorithm.channels || algorithm.channels.includes(channel), 'inputs[].channelName', channel,
      `a channel the ${algorithm.name} algorithm reads: ${(algorithm.channels ?? []).join(', ')}`);
    problems.require(!seen.has(channel), 'inputs[].channelName', channel, 'each channel once');
    seen.add(channel);
  }
  const modes = new Set(props.inputs.map((input) => input.inputMode));
  problems.require(modes.size <= 1, 'inputs[].inputMode', [...modes], 'one input mode for all channels (the job has one TrainingInputMode)');

  const count = props.instanceCount ?? 1;
  problems.require(Number.isInteger(count) && count >= 1, 'instanceCount', count, 'a whole number of at least 1');
  problems.require(count <= 1 || algorithm.supportsDistributedTraining, 'instanceCount', count,
    `1: the ${algorithm.name} algorithm trains on a single host`);
  if (props.volumeSize) {
    const gib = props.volumeSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    problems.require(gib >= 1 && gib <= 16384, 'volumeSize', `${gib} GiB`, '1 to 16384 GiB');
  }
  const maxRuntime = props.maxRuntime ?? Duration.hours(24);
  problems.require(maxRuntime.toSeconds() >= 1 && maxRuntime.toSeconds() <= MAX_RUNTIME.toSeconds(), 'maxRuntime', maxRuntime.toHumanString(), 'from 1 second to 28 days');
  if (props.maxWait) {
    problems.require(props.spot === true, 'maxWait', props.maxWait.toHumanString(), 'only with spot: true');
    problems.require(props.maxWait.toSeconds() >= maxRuntime.toSeconds(), 'maxWait', props.maxWait.toHumanString(),
      `at least maxRuntime (${maxRuntime.toHumanString()})`);
  }
  problems.require(!props.spot || algorithm.supportsCheckpoints, 'spot', props.spot,
    `false for ${algorithm.name}: it cannot resume from a checkpoint, so an interruption would restart training from scratch`);
  if (props.waitTimeout) {
    problems.require(props.waitTimeout.toSeconds() >= 60 && props.waitTimeout.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(),
      'waitTimeout', props.waitTimeout.toHumanString(), 'from 1 minute to 12 hours (CloudFormation\'s wait condition limit)');
  }
  if (props.outputPrefix !== undefined) {
    problems.require(props.outputPrefix === '' || props.outputPrefix.endsWith('/'), 'outputPrefix', props.outputPrefix, 'a key prefix ending in "/" (or "")');
  }
  problems.throwIfAny();
}
