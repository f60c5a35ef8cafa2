import { Annotations, Duration, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { Algorithm } from '../../core/algorithm';
import { InstanceType } from '../../core/instance-type';
import { SageMakerNetwork } from '../../core/network';
import { checkChannelContentType, checkHyperparameterValues } from '../../core/private/algorithm-checks';
import { specificationOf } from '../../core/private/algorithm-specs';
import { platformBucket } from '../../core/private/platform-bucket';
import { ValidationProblems } from '../../core/private/validation';
import { SageMakerExecutionRole } from '../../core/roles';
import { SecureBucket } from '../../core/storage';
import { apiVpcConfigOf } from '../../private/vpc-config';
import { checkObservability, renderObservability } from './observability';
import { TrainingObservability } from '../training-observability';
import { TrainingSettings } from '../training-settings';

/** SageMaker's limits, from the CreateTrainingJob API reference. */
const MAX_HYPERPARAMETERS = 100;
const MAX_METRIC_DEFINITIONS = 40;
const CHANNEL_NAME = /^[A-Za-z0-9.\-_]{1,64}$/;
const MAX_RUNTIME = Duration.days(28);
export const MAX_WAIT_CONDITION = Duration.hours(12);

/** What a training or tuning construct gets from its settings. */
export interface TrainingSetup {
  readonly network: SageMakerNetwork;
  readonly encryptionKey: kms.IKey;
  readonly outputBucket: s3.IBucket;
  readonly outputPrefix: string;
  readonly role: SageMakerExecutionRole;
  readonly maxRuntime: Duration;
  readonly maxWait?: Duration;
  readonly waitTimeout: Duration;
  /** What the inputs wait for (processing jobs that write them): the job starts after. */
  readonly inputCompletions: IDependable[];
  /**
   * The request fields a CreateTrainingJob request and a tuning job's TrainingJobDefinition share,
   * in the API's names.
   */
  readonly definition: Record<string, any>;
}

/**
 * Creates what the settings leave out (network, output bucket) and the execution role, grants it
 * exactly the inputs, output prefix, key, image and logs, and renders the shared request fields
 * (with a single job's profiler and Debugger rules, when its settings have them: a tuning job's
 * settings cannot).
 *
 * @param namePrefix the construct's job name prefix: its output prefix in the shared bucket
 * @param sourceArnPattern the SageMaker resources allowed to assume the role
 */
export function setUpTraining(scope: Construct, settings: TrainingSettings & TrainingObservability, namePrefix: string, sourceArnPattern: string): TrainingSetup {
  const network = settings.network ?? new SageMakerNetwork(scope, 'Network');
  const encryptionKey = settings.encryptionKey ?? network.encryptionKey;
  // A construct that asks for a removal policy of its own gets a bucket of its own; the others
  // share the stack's platform bucket, each under a prefix of its own.
  const outputBucket = settings.outputBucket ?? (settings.removalPolicy !== undefined
    ? new SecureBucket(scope, 'Artifacts', { encryptionKey, removalPolicy: settings.removalPolicy }).bucket
    : platformBucket(scope, encryptionKey));
  const outputPrefix = settings.outputPrefix ?? (settings.outputBucket || settings.removalPolicy !== undefined
    ? 'training/' : `training/${namePrefix}/`);
  const maxRuntime = settings.maxRuntime ?? Duration.hours(24);
  const maxWait = settings.spot ? settings.maxWait ?? maxRuntime.plus(Duration.hours(1)) : undefined;

  const role = new SageMakerExecutionRole(scope, 'ExecutionRole', {
    description: `Execution role of SageMaker training in ${scope.node.path}`,
    sourceArnPattern,
  });
  const image = settings.algorithm.bind(scope, role, { instanceTypes: [settings.instanceType ?? InstanceType.ML_M5_XLARGE] });
  const channels = settings.inputs.map((input) => input._bind(role).channel);
  role.grantWrite(outputBucket, outputPrefix);
  role.grantEncryptDecrypt(encryptionKey);
  role.grantLogs('/aws/sagemaker/TrainingJobs');
  role.allowPutMetricData();
  role.allowVpcAccess();

  const { algorithm } = settings;
  warnOfReplicatedData(scope, settings, channels);
  const definition = {
    AlgorithmSpecification: {
      TrainingImage: image.imageUri,
      TrainingInputMode: settings.inputs[0]?.inputMode ?? 'File',
      // Built-in algorithms publish their own metrics and take no definitions.
      MetricDefinitions: algorithm.isBuiltIn ? undefined : algorithm.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })),
    },
    RoleArn: role.role.roleArn,
    InputDataConfig: channels,
    OutputDataConfig: { S3OutputPath: outputBucket.s3UrlForObject(outputPrefix), KmsKeyId: encryptionKey.keyArn },
    ResourceConfig: {
      InstanceType: (settings.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
      InstanceCount: settings.instanceCount ?? 1,
      VolumeSizeInGB: (settings.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
      VolumeKmsKeyId: encryptionKey.keyArn,
    },
    VpcConfig: apiVpcConfigOf(network),
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntime.toSeconds(), MaxWaitTimeInSeconds: maxWait?.toSeconds() },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    EnableManagedSpotTraining: settings.spot ?? false,
    Environment: settings.environment,
    ...renderObservability(scope, role, outputBucket, outputPrefix, settings),
  };
  return {
    network, encryptionKey, outputBucket, outputPrefix, role, maxRuntime, maxWait,
    waitTimeout: settings.waitTimeout ?? MAX_WAIT_CONDITION,
    inputCompletions: settings.inputs.flatMap((input) => input.completion ? [input.completion] : []),
    definition,
  };
}

/**
 * K-Means and Linear Learner (companion or built-in) on several instances train on the union of
 * what each instance reads: a FullyReplicated channel gives every instance every row, so each does
 * the whole job's work (and Linear Learner counts every row once per instance). ShardedByS3Key
 * gives each a share of the objects.
 */
function warnOfReplicatedData(scope: Construct, settings: TrainingSettings, channels: Array<Record<string, any>>): void {
  const count = settings.instanceCount ?? 1;
  if (count <= 1 || Token.isUnresolved(count) || !specificationOf(settings.algorithm)) return;
  const replicated = channels
    .filter((channel) => channel.DataSource?.S3DataSource?.S3DataDistributionType === 'FullyReplicated')
    .map((channel) => channel.ChannelName as string);
  if (replicated.length === 0) return;
  Annotations.of(scope).addWarningV2('sagemaker-secure-constructs:replicatedDataOnSeveralHosts',
    `${settings.algorithm.name} trains on ${count} instances, but channel${replicated.length > 1 ? 's' : ''} ${replicated.join(', ')} ${replicated.length > 1 ? 'are' : 'is'} FullyReplicated: `
    + 'every instance reads every row and the job does the same work on each. Use distribution: S3DataDistribution.SHARDED_BY_S3_KEY '
    + '(with at least as many objects as instances) so each instance trains on its share.');
}

/** `[{ Key, Value }]` tags for a SageMaker request. */
export function renderTags(tags?: { [key: string]: string }): Array<{ Key: string; Value: string }> | undefined {
  return tags ? Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) : undefined;
}

/** Checks the settings every training run shares; problems are added, not thrown. */
export function checkTrainingSettings(problems: ValidationProblems, settings: TrainingSettings & TrainingObservability): void {
  const { algorithm } = settings;
  checkObservability(problems, settings);
  problems.require(algorithm.metricDefinitions.length <= MAX_METRIC_DEFINITIONS, 'algorithm.metricDefinitions',
    `${algorithm.metricDefinitions.length} definitions`, `at most ${MAX_METRIC_DEFINITIONS}`);
  problems.require(settings.inputs.length > 0, 'inputs', [], 'at least one channel');
  const seen = new Set<string>();
  for (const input of settings.inputs) {
    const channel = input.channelName;
    problems.require(CHANNEL_NAME.test(channel), 'inputs[].channelName', channel, '1 to 64 letters, digits, ".", "-" or "_"');
    problems.require(!algorithm.channels || algorithm.channels.includes(channel), 'inputs[].channelName', channel,
      `a channel the ${algorithm.name} algorithm reads: ${(algorithm.channels ?? []).join(', ')}`);
    problems.require(!seen.has(channel), 'inputs[].channelName', channel, 'each channel once');
    seen.add(channel);
    checkChannelContentType(problems, algorithm, `inputs[${channel}].contentType`, channel, input.contentType);
  }
  const modes = new Set(settings.inputs.map((input) => input.inputMode));
  problems.require(modes.size <= 1, 'inputs[].inputMode', [...modes], 'one input mode for all channels (the job has one TrainingInputMode)');

  const count = settings.instanceCount ?? 1;
  problems.require(Number.isInteger(count) && count >= 1, 'instanceCount', count, 'a whole number of at least 1');
  problems.require(count <= 1 || algorithm.supportsDistributedTraining, 'instanceCount', count,
    `1: the ${algorithm.name} algorithm trains on a single host`);
  if (settings.volumeSize) {
    const gib = settings.volumeSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    problems.require(gib >= 1 && gib <= 16384, 'volumeSize', `${gib} GiB`, '1 to 16384 GiB');
  }
  const maxRuntime = settings.maxRuntime ?? Duration.hours(24);
  problems.require(maxRuntime.toSeconds() >= 1 && maxRuntime.toSeconds() <= MAX_RUNTIME.toSeconds(), 'maxRuntime', maxRuntime.toHumanString(), 'from 1 second to 28 days');
  if (settings.maxWait) {
    problems.require(settings.spot === true, 'maxWait', settings.maxWait.toHumanString(), 'only with spot: true');
    problems.require(settings.maxWait.toSeconds() >= maxRuntime.toSeconds(), 'maxWait', settings.maxWait.toHumanString(),
      `at least maxRuntime (${maxRuntime.toHumanString()})`);
  }
  problems.require(!settings.spot || algorithm.supportsCheckpoints, 'spot', settings.spot,
    `false for ${algorithm.name}: it cannot resume from a checkpoint, so an interruption would restart training from scratch`);
  if (settings.waitTimeout) {
    problems.require(settings.waitTimeout.toSeconds() >= 60 && settings.waitTimeout.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(),
      'waitTimeout', settings.waitTimeout.toHumanString(), 'from 1 minute to 12 hours (CloudFormation\'s wait condition limit)');
  }
  if (settings.outputPrefix !== undefined) {
    problems.require(settings.outputPrefix === '' || settings.outputPrefix.endsWith('/'), 'outputPrefix', settings.outputPrefix, 'a key prefix ending in "/" (or "")');
  }
}

/**
 * Checks hyperparameter names and values against the algorithm: accepted names, SageMaker's size
 * limits; `alsoSet` are names set elsewhere (tuning ranges) that count toward required ones.
 */
export function checkHyperparameters(problems: ValidationProblems, algorithm: Algorithm, prop: string,
  values: { [name: string]: string }, alsoSet: string[] = []): void {
  const names = Object.keys(values);
  for (const name of names) {
    problems.require(algorithm.acceptsHyperparameter(name), `${prop}.${name}`, values[name],
      `names the ${algorithm.name} algorithm accepts: ${(algorithm.hyperparameterNames ?? []).join(', ')}`);
    problems.require(name.length <= 256 && (Token.isUnresolved(values[name]) || values[name].length <= 2500),
      `${prop}.${name}`, values[name], 'a name of at most 256 and a value of at most 2500 characters');
  }
  problems.require(names.length + alsoSet.length <= MAX_HYPERPARAMETERS, prop, `${names.length + alsoSet.length} hyperparameters`, `at most ${MAX_HYPERPARAMETERS}`);
  for (const required of algorithm.requiredHyperparameters) {
    problems.require(required in values || alsoSet.includes(required), prop, names, `a set that includes ${required} (the ${algorithm.name} algorithm requires it)`);
  }
  checkHyperparameterValues(problems, algorithm, prop, values);
}

/** The ARN pattern of SageMaker resources whose names start with a prefix. */
export function arnPatternForPrefix(scope: Construct, resource: string, prefix: string): string {
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource, resourceName: `${prefix}-*` });
}
