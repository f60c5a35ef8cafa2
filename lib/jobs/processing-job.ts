import { Annotations, Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { PROCESSING_ROOT, ProcessingInput, ProcessingInputMode } from './processing-inputs';
import { ProcessingJobOutput, ProcessingOutput, ProcessingUploadMode } from './processing-outputs';
import { Algorithm } from '../core/algorithm';
import { SageMakerValidationError } from '../core/errors';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { platformBucket } from '../core/private/platform-bucket';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { DeployTimeJob } from '../private/deploy-time-job';
import { jobNamePrefix, PROCESSING_JOB } from '../private/job-kinds';
import { apiVpcConfigOf } from '../private/vpc-config';
import { arnPatternForPrefix, MAX_WAIT_CONDITION, renderTags } from '../training/private/training-setup';

/**
 * Properties of a {@link SecureProcessingJob}.
 */
export interface SecureProcessingJobProps {
  /**
   * The image the job runs: any `Algorithm` (an asset, an ECR repository, a built-in image).
   */
  readonly algorithm: Algorithm;

  /**
   * The container's entrypoint (at most 100 strings of at most 256 characters).
   *
   * @default - the image's ENTRYPOINT
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AppSpecification.html
   */
  readonly containerEntrypoint?: string[];

  /**
   * Arguments to the entrypoint (at most 100 strings of at most 256 characters).
   *
   * @default - none (the image's CMD)
   */
  readonly containerArguments?: string[];

  /**
   * The inputs (at most 10), each mounted under `/opt/ml/processing/`.
   *
   * @default - none
   */
  readonly inputs?: ProcessingInput[];

  /**
   * The outputs (at most 10), each a folder under `/opt/ml/processing/` uploaded to its own S3 prefix.
   *
   * @default - none
   */
  readonly outputs?: ProcessingOutput[];

  /**
   * The instance type.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * The number of instances (1 to 100).
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
   * How long the job may run before SageMaker stops it (at most 7 days).
   *
   * @default Duration.hours(24)
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingStoppingCondition.html
   */
  readonly maxRuntime?: Duration;

  /**
   * The network the job runs in.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key for the job's volumes, outputs and handler.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket outputs without a bucket of their own are uploaded to.
   *
   * @default - the stack's shared platform bucket
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * Environment variables of the container (at most 100).
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Tags of the SageMaker job.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };

  /**
   * How long the deployment waits for the job (at most 12 hours, CloudFormation's limit). A job
   * still running then fails the deployment and is stopped by the rollback.
   *
   * @default Duration.hours(12)
   */
  readonly waitTimeout?: Duration;
}

/** SageMaker's limits, from the CreateProcessingJob API reference. */
const MAX_INPUTS = 10;
const MAX_OUTPUTS = 10;
const MAX_RUNTIME = Duration.days(7);
const MAX_APP_STRINGS = 100;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

/**
 * A SageMaker processing job (feature engineering, evaluation, pre- or post-processing) that runs
 * while the stack deploys, in an isolated VPC with network isolation, inter-container encryption,
 * KMS on volumes and outputs, a maximum runtime and a role that can reach only its own inputs,
 * output prefixes, key, image and logs.
 *
 * The deployment waits for the job like a training job (up to 12 hours) and fails with the job's
 * FailureReason if it fails. `output(name)` says where an output lands; a training job or another
 * processing job given it waits for this one.
 */
export class SecureProcessingJob extends Construct {
  /** The processing job's name: the construct's path and a hash of the job's configuration. */
  public readonly processingJobName: string;

  /** The processing job's ARN. */
  public readonly processingJobArn: string;

  /** The role the job runs as. */
  public readonly role: SageMakerExecutionRole;

  /** The network the job runs in. */
  public readonly network: SageMakerNetwork;

  /** The key that encrypts the job's volumes and outputs. */
  public readonly encryptionKey: kms.IKey;

  /** The bucket outputs without a bucket of their own are uploaded to. */
  public readonly outputBucket: s3.IBucket;

  /** Completes when the job has completed: depend on it to read the outputs. */
  public readonly completion: IDependable;

  /** Where each output lands, in the order given. */
  public readonly outputs: ProcessingJobOutput[];

  constructor(scope: Construct, id: string, props: SecureProcessingJobProps) {
    super(scope, id);
    const problems = ValidationProblems.of('SecureProcessingJob', scope, id);
    checkProcessingJob(problems, props);
    problems.throwIfAny();

    const prefix = jobNamePrefix(this, PROCESSING_JOB);
    this.network = props.network ?? new SageMakerNetwork(this, 'Network');
    this.encryptionKey = props.encryptionKey ?? this.network.encryptionKey;
    this.outputBucket = props.outputBucket ?? platformBucket(this, this.encryptionKey);
    const defaultPrefix = `processing/${prefix}/`;

    const role = this.role = new SageMakerExecutionRole(this, 'ExecutionRole', {
      description: `Execution role of SageMaker processing in ${this.node.path}`,
      sourceArnPattern: arnPatternForPrefix(this, 'processing-job', prefix),
    });
    const image = props.algorithm.bind(this, role);
    const inputs = (props.inputs ?? []).map((input) => input._bind(role));
    const outputs = props.outputs ?? [];
    for (const output of outputs) {
      role.grantWrite(output.options.bucket ?? this.outputBucket, output.options.prefix ?? defaultPrefix);
    }
    role.grantEncryptDecrypt(this.encryptionKey);
    role.grantLogs('/aws/sagemaker/ProcessingJobs');
    role.allowPutMetricData();
    role.allowVpcAccess();

    const maxRuntime = props.maxRuntime ?? Duration.hours(24);
    const waitTimeout = props.waitTimeout ?? MAX_WAIT_CONDITION;
    // Outputs at a default prefix land under the job's name, which is only known once the rest of
    // the request is hashed: they are filled in after.
    const outputUri = (output: ProcessingOutput, jobName: string) => (output.options.bucket ?? this.outputBucket)
      .s3UrlForObject(output.options.prefix ?? `${defaultPrefix}${jobName}/${output.outputName}/`);
    const renderOutputs = (jobName: string) => outputs.map((output) => ({
      OutputName: output.outputName,
      S3Output: {
        S3Uri: outputUri(output, jobName),
        LocalPath: output.localPath,
        S3UploadMode: output.options.uploadMode ?? ProcessingUploadMode.END_OF_JOB,
      },
    }));
    const job = new DeployTimeJob(this, 'Job', {
      kind: PROCESSING_JOB,
      namePrefix: prefix,
      request: {
        AppSpecification: {
          ImageUri: image.imageUri,
          ContainerEntrypoint: props.containerEntrypoint,
          ContainerArguments: props.containerArguments,
        },
        ProcessingInputs: inputs.length > 0 ? inputs.map((input) => input.input) : undefined,
        // Outputs given a prefix of their own are hashed with the rest of the request.
        ProcessingOutputConfig: outputs.length > 0 ? { Outputs: renderOutputs('{job}'), KmsKeyId: this.encryptionKey.keyArn } : undefined,
        ProcessingResources: {
          ClusterConfig: {
            InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
            InstanceCount: props.instanceCount ?? 1,
            VolumeSizeInGB: (props.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
            VolumeKmsKeyId: this.encryptionKey.keyArn,
          },
        },
        NetworkConfig: {
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: apiVpcConfigOf(this.network),
        },
        StoppingCondition: { MaxRuntimeInSeconds: maxRuntime.toSeconds() },
        RoleArn: role.role.roleArn,
        Environment: props.environment,
        Tags: renderTags(props.tags),
      },
      completeRequest: (name, request) => {
        if (outputs.length > 0) request.ProcessingOutputConfig = { ...request.ProcessingOutputConfig, Outputs: renderOutputs(name) };
      },
      executionRole: role.role,
      network: this.network,
      encryptionKey: this.encryptionKey,
      waitTimeout,
    });
    // Inputs another construct writes at deploy (another processing job's output) exist before this job starts.
    inputs.forEach((input) => input.completion && job.node.addDependency(input.completion));
    this.processingJobName = job.jobName;
    this.processingJobArn = job.jobArn;
    this.completion = job.completion;
    this.outputs = outputs.map((output) => ProcessingJobOutput._of(output.outputName, output.options.bucket ?? this.outputBucket,
      output.options.prefix ?? `${defaultPrefix}${job.jobName}/${output.outputName}/`, job.completion));

    if (maxRuntime.toSeconds() > waitTimeout.toSeconds()) {
      Annotations.of(this).addWarningV2('sagemaker-secure-constructs:processingOutlastsDeploy',
        `The job may run ${maxRuntime.toHumanString()} but the deployment waits ${waitTimeout.toHumanString()}: a job still running then fails the deployment and is stopped.`);
    }
  }

  /**
   * Where an output lands: give it to a training job (`asTrainingInput('train')`) or another
   * processing job (`ProcessingInput.fromLocation`), which then wait for this job.
   */
  public output(outputName: string): ProcessingJobOutput {
    const found = this.outputs.find((output) => output.outputName === outputName);
    if (!found) {
      throw new SageMakerValidationError(`SecureProcessingJob at '${this.node.path}'`, [
        `output(outputName): got ${JSON.stringify(outputName)}; allowed: ${this.outputs.map((output) => output.outputName).join(', ') || 'none (the job has no outputs)'}`,
      ]);
    }
    return found;
  }

  /**
   * A SageMaker instance metric of the job's first instance, e.g. `CPUUtilization`.
   *
   * @default - average over 1 minute
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: '/aws/sagemaker/ProcessingJobs',
      metricName,
      dimensionsMap: { Host: `${this.processingJobName}/algo-1` },
      statistic: 'Average',
      period: Duration.minutes(1),
      ...props,
    });
  }
}

function checkProcessingJob(problems: ValidationProblems, props: SecureProcessingJobProps): void {
  const inputs = props.inputs ?? [];
  const outputs = props.outputs ?? [];
  problems.require(inputs.length <= MAX_INPUTS, 'inputs', `${inputs.length} inputs`, `at most ${MAX_INPUTS}`);
  problems.require(outputs.length <= MAX_OUTPUTS, 'outputs', `${outputs.length} outputs`, `at most ${MAX_OUTPUTS}`);

  const names = new Set<string>();
  const localPaths = new Map<string, string>();
  const checkName = (prop: string, name: string) => {
    problems.require(NAME.test(name), prop, name, '1 to 256 letters, digits, ".", "-" or "_", starting with a letter or digit');
    problems.require(!names.has(name), prop, name, 'a name no other input or output of the job has');
    names.add(name);
  };
  const checkLocalPath = (prop: string, owner: string, path: string) => {
    if (Token.isUnresolved(path)) return;
    problems.require(path.startsWith(PROCESSING_ROOT) && path.length > PROCESSING_ROOT.length && path.length <= 256 && !path.includes('..'),
      prop, path, `an absolute path under ${PROCESSING_ROOT} of at most 256 characters`);
    const clash = [...localPaths].find(([other]) => nested(other, path));
    problems.require(!clash, prop, path, `a folder apart from the one of ${clash?.[1]} (${clash?.[0]})`);
    localPaths.set(path, owner);
  };
  for (const input of inputs) {
    checkName('inputs[].inputName', input.inputName);
    checkLocalPath(`inputs[${input.inputName}].localPath`, input.inputName, input.localPath);
    problems.require(!input._gzip || input._inputMode === ProcessingInputMode.PIPE, `inputs[${input.inputName}].gzip`, true,
      'false with ProcessingInputMode.FILE (SageMaker decompresses only in Pipe mode)');
  }
  const destinations = new Map<string, string>();
  for (const output of outputs) {
    checkName('outputs[].outputName', output.outputName);
    checkLocalPath(`outputs[${output.outputName}].localPath`, output.outputName, output.localPath);
    const { bucket, prefix } = output.options;
    if (prefix === undefined) continue;
    problems.require(prefix === '' || prefix.endsWith('/'), `outputs[${output.outputName}].prefix`, prefix, 'a key prefix ending in "/"');
    // Two outputs writing under one prefix would overwrite or mix each other's files.
    const where = `${bucket ? bucket.node.path : '(job bucket)'}:${prefix}`;
    const shared = [...destinations].find(([other]) => Token.isUnresolved(prefix) ? false : nested(other, where));
    problems.require(!shared, `outputs[${output.outputName}].prefix`, prefix,
      `an S3 prefix apart from output ${shared?.[1]}'s (two outputs must not write under one path)`);
    destinations.set(where, output.outputName);
  }

  const count = props.instanceCount ?? 1;
  problems.require(Number.isInteger(count) && count >= 1 && count <= 100, 'instanceCount', count, 'a whole number from 1 to 100');
  if (props.volumeSize) {
    const gib = props.volumeSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    problems.require(gib >= 1 && gib <= 16384, 'volumeSize', `${gib} GiB`, '1 to 16384 GiB');
  }
  const maxRuntime = props.maxRuntime ?? Duration.hours(24);
  problems.require(maxRuntime.toSeconds() >= 1 && maxRuntime.toSeconds() <= MAX_RUNTIME.toSeconds(), 'maxRuntime',
    maxRuntime.toHumanString(), 'from 1 second to 7 days');
  if (props.waitTimeout) {
    problems.require(props.waitTimeout.toSeconds() >= 60 && props.waitTimeout.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(),
      'waitTimeout', props.waitTimeout.toHumanString(), 'from 1 minute to 12 hours (CloudFormation\'s wait condition limit)');
  }
  for (const [prop, strings] of [['containerEntrypoint', props.containerEntrypoint], ['containerArguments', props.containerArguments]] as const) {
    if (!strings) continue;
    problems.require(strings.length >= 1 && strings.length <= MAX_APP_STRINGS, prop, `${strings.length} strings`, `1 to ${MAX_APP_STRINGS}`);
    for (const value of strings) {
      problems.require(Token.isUnresolved(value) || (value.length >= 1 && value.length <= 256), `${prop}[]`, value, '1 to 256 characters');
    }
  }
  const environment = Object.entries(props.environment ?? {});
  problems.require(environment.length <= 100, 'environment', `${environment.length} variables`, 'at most 100');
  for (const [name, value] of environment) {
    problems.require(/^[a-zA-Z_][a-zA-Z0-9_]{0,255}$/.test(name), `environment.${name}`, name, 'a variable name of letters, digits and "_" (at most 256)');
    problems.require(Token.isUnresolved(value) || value.length <= 256, `environment.${name}`, value, 'a value of at most 256 characters');
  }
}

/** Whether one path is the other or lies under it (folders or S3 prefixes). */
function nested(a: string, b: string): boolean {
  const slash = (path: string) => path.endsWith('/') ? path : `${path}/`;
  return slash(a).startsWith(slash(b)) || slash(b).startsWith(slash(a));
}
