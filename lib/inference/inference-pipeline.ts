import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, IDependable } from 'constructs';
import { IServableModel, ServingModelConfig } from './servable-model';
import { Algorithm } from '../core/algorithm';
import { InstanceType } from '../core/instance-type';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { SageMakerNetwork } from '../core/network';
import { acknowledge } from '../core/private/nag-acknowledgments';
import { ValidationProblems } from '../core/private/validation';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';
import { SageMakerExecutionRole } from '../core/roles';
import type { SecureTrainingJob } from '../training/secure-training-job';
import type { TunedModel } from '../tuning/tuned-model';

/**
 * Options of one stage of a pipeline.
 */
export interface PipelineStageOptions {
  /**
   * Environment variables of the stage's container.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * The container's hostname within the pipeline.
   *
   * @default - chosen by SageMaker
   */
  readonly hostname?: string;
}

/** What a stage contributes to the pipeline model. */
export interface PipelineStageConfig {
  /** The container definition (as the L1 `CfnModel` takes it). */
  readonly container: { [key: string]: any };
  /**
   * What the model must wait for (a training or tuning job).
   *
   * @default - nothing
   */
  readonly dependsOn?: IDependable;
}

/**
 * One container of an inference pipeline.
 */
export class PipelineStage {
  /** An algorithm image with no model artifact (e.g. a stateless pre- or post-processing step). */
  public static fromAlgorithm(algorithm: Algorithm, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(algorithm, options, () => ({}));
  }

  /** An algorithm image and a trained artifact (`model.tar.gz`) in S3. */
  public static fromModelData(algorithm: Algorithm, bucket: s3.IBucket, key: string, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(algorithm, options, (role) => {
      role.grantRead(bucket, key);
      return { modelDataUrl: bucket.s3UrlForObject(key) };
    });
  }

  /** The artifact of a SecureTrainingJob, once the job has completed. */
  public static fromTrainingJob(job: SecureTrainingJob, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(job.algorithm, options, (role) => {
      role.grantRead(job.outputBucket, job.modelDataKey);
      role.grantDecrypt(job.encryptionKey);
      return { modelDataUrl: job.modelData, dependsOn: job.completion };
    });
  }

  /** The best artifact of a TunedModel. */
  public static fromTunedModel(tuned: TunedModel, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(tuned.algorithm, options, (role) => {
      role.grantRead(tuned.outputBucket, tuned.outputPrefix);
      role.grantDecrypt(tuned.encryptionKey);
      return { modelDataUrl: tuned.modelData, dependsOn: tuned.completion };
    });
  }

  private constructor(
    /** The stage's algorithm. */
    public readonly algorithm: Algorithm,
    /** The stage's options. */
    public readonly options: PipelineStageOptions,
    private readonly artifact: (role: SageMakerExecutionRole) => { modelDataUrl?: string; dependsOn?: IDependable },
  ) {}

  /** Renders the container and grants the role its image and artifact. */
  public bind(scope: Construct, role: SageMakerExecutionRole): PipelineStageConfig {
    const image = this.algorithm.bind(scope, role);
    const { modelDataUrl, dependsOn } = this.artifact(role);
    return {
      container: { image: image.imageUri, modelDataUrl, environment: this.options.environment, containerHostname: this.options.hostname },
      dependsOn,
    };
  }
}

/**
 * Properties of an {@link InferencePipeline}.
 */
export interface InferencePipelineProps {
  /** The containers, run in series (2 to 15). */
  readonly stages: PipelineStage[];

  /**
   * The network the model runs in.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key for the model's data and batch transform volumes and output.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The role the model runs as; the pipeline grants it its stages' images and artifacts.
   *
   * @default - a new SageMakerExecutionRole
   */
  readonly role?: SageMakerExecutionRole;
}

/** Options of a batch transform over the pipeline. */
export interface BatchTransformOptions {
  /** The bucket of the input objects. */
  readonly inputBucket: s3.IBucket;
  /** The key prefix of the input objects. */
  readonly inputPrefix: string;
  /** The bucket of the output. */
  readonly outputBucket: s3.IBucket;
  /** The key prefix of the output. */
  readonly outputPrefix: string;
  /**
   * The MIME type of the input.
   *
   * @default 'text/csv'
   */
  readonly contentType?: string;
  /**
   * How input files are split into records: `None`, `Line`, `RecordIO` or `TFRecord`.
   *
   * @default 'Line'
   */
  readonly splitType?: string;
  /**
   * How output records are joined: `None` or `Line`.
   *
   * @default 'Line'
   */
  readonly assembleWith?: string;
  /**
   * `MultiRecord` (as many records per request as fit) or `SingleRecord`.
   *
   * @default 'MultiRecord'
   */
  readonly batchStrategy?: string;
  /**
   * The largest request payload in MB (0 to 100).
   *
   * @default 6
   */
  readonly maxPayloadMb?: number;
  /**
   * Parallel requests per instance.
   *
   * @default 1
   */
  readonly maxConcurrentTransforms?: number;
  /**
   * The instance type.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
  /**
   * The number of instances.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Run on a schedule (an EventBridge Scheduler expression, e.g. `rate(1 day)` or `cron(0 3 * * ? *)`).
   *
   * @default - run on demand (start an execution of the state machine)
   */
  readonly schedule?: string;
}

/**
 * A SageMaker Model whose 2 to 15 containers run in series (pre-processing, predictor,
 * post-processing), in the VPC with network isolation and a role that reads exactly its stages'
 * images and artifacts; servable by `MonitoredEndpoint` and usable for Batch Transform.
 */
export class InferencePipeline extends Construct implements IServableModel {
  /** The pipeline model. */
  public readonly model: sagemaker.CfnModel;

  /** The model's name. */
  public readonly modelName: string;

  /** The role the model (and its batch transforms) run as. */
  public readonly role: SageMakerExecutionRole;

  /** The network. */
  public readonly network: SageMakerNetwork;

  /** The key. */
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: InferencePipelineProps) {
    super(scope, id);
    validate(scope, id, props);
    this.network = props.network ?? new SageMakerNetwork(this, 'Network');
    this.encryptionKey = props.encryptionKey ?? this.network.encryptionKey;
    this.role = props.role ?? new SageMakerExecutionRole(this, 'Role', { description: `Execution role of the SageMaker inference pipeline ${this.node.path}` });
    this.role.grantEncryptDecrypt(this.encryptionKey);
    this.role.grantLogs('/aws/sagemaker/Endpoints');
    this.role.grantLogs('/aws/sagemaker/TransformJobs');
    this.role.allowPutMetricData();
    this.role.allowVpcAccess();
    const stages = props.stages.map((stage) => stage.bind(this, this.role));
    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.role.roleArn,
      containers: stages.map((stage) => stage.container),
      inferenceExecutionConfig: { mode: 'Serial' },
      vpcConfig: {
        securityGroupIds: [this.network.securityGroup.securityGroupId],
        subnets: this.network.vpc.selectSubnets(this.network.subnets).subnetIds,
      },
      enableNetworkIsolation: true,
    });
    this.model.node.addDependency(this.role);
    stages.forEach((stage) => stage.dependsOn && this.model.node.addDependency(stage.dependsOn));
    this.modelName = this.model.attrModelName;
  }

  /** Serves the pipeline (used by `MonitoredEndpoint`). */
  public bindForServing(_scope: Construct): ServingModelConfig {
    return { modelName: this.modelName, role: this.role, network: this.network, encryptionKey: this.encryptionKey };
  }

  /**
   * A Step Functions state machine that runs a Batch Transform of an S3 prefix through the
   * pipeline (KMS on volumes and output; the model's VPC), logging to an encrypted log group with
   * tracing on; optionally started on a schedule.
   */
  public addBatchTransform(id: string, options: BatchTransformOptions): sfn.StateMachine {
    return new BatchTransform(this, id, { ...options, pipeline: this }).stateMachine;
  }
}

interface BatchTransformProps extends BatchTransformOptions {
  readonly pipeline: InferencePipeline;
}

class BatchTransform extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BatchTransformProps) {
    super(scope, id);
    validateTransform(scope, id, props);
    const { pipeline } = props;
    const stack = Stack.of(this);
    const key = pipeline.encryptionKey;
    // Transform jobs read and write S3 with the model's role.
    pipeline.role.grantRead(props.inputBucket, props.inputPrefix);
    pipeline.role.grantWrite(props.outputBucket, props.outputPrefix);

    const prefix = Names.uniqueResourceName(this, { maxLength: 26, separator: '-' }).toLowerCase();
    const transform = new sfn.CustomState(this, 'Transform', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTransformJob.sync`,
        Parameters: {
          'TransformJobName.$': `States.Format('${prefix}-{}', States.UUID())`,
          'ModelName': pipeline.modelName,
          'BatchStrategy': props.batchStrategy ?? 'MultiRecord',
          'MaxPayloadInMB': props.maxPayloadMb ?? 6,
          'MaxConcurrentTransforms': props.maxConcurrentTransforms ?? 1,
          'TransformInput': {
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: props.inputBucket.s3UrlForObject(props.inputPrefix) } },
            ContentType: props.contentType ?? 'text/csv',
            SplitType: props.splitType ?? 'Line',
          },
          'TransformOutput': {
            S3OutputPath: props.outputBucket.s3UrlForObject(props.outputPrefix),
            AssembleWith: props.assembleWith ?? 'Line',
            KmsKeyId: key.keyArn,
          },
          'TransformResources': {
            InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
            InstanceCount: props.instanceCount ?? 1,
            VolumeKmsKeyId: key.keyArn,
          },
        },
      },
    });

    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Runs batch transforms of ${pipeline.node.path}`,
    });
    const jobs = stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: `${prefix}-*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:AddTags'],
      resources: [jobs],
    }));
    // The .sync integration watches the job through a rule Step Functions manages.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTransformJobsRule' })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey', 'kms:CreateGrant'], resources: [key.keyArn] }));
    acknowledgeWildcardResource(role, jobs, 'Each run names its transform job with a fresh UUID under this pipeline\'s prefix.');
    acknowledge(role, [['AwsSolutions-IAM5[Resource::*]', 'Tracing is on: X-Ray accepts trace segments and telemetry on no resource narrower than "*".']]);

    const logGroup = new logs.LogGroup(this, 'Logs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(transform),
      role,
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(key),
    });

    if (props.schedule) {
      const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Starts the batch transforms of ${pipeline.node.path} on schedule`,
      });
      this.stateMachine.grantStartExecution(schedulerRole);
      new scheduler.CfnSchedule(this, 'Schedule', {
        scheduleExpression: props.schedule,
        flexibleTimeWindow: { mode: 'OFF' },
        kmsKeyArn: key.keyArn,
        target: { arn: this.stateMachine.stateMachineArn, roleArn: schedulerRole.roleArn },
      });
      schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }));
    }
  }
}

const SPLIT_TYPES = ['None', 'Line', 'RecordIO', 'TFRecord'];

function validate(scope: Construct, id: string, props: InferencePipelineProps): void {
  const problems = ValidationProblems.of('InferencePipeline', scope, id);
  problems.require(props.stages.length >= 2 && props.stages.length <= 15, 'stages', `${props.stages.length} stages`, '2 to 15 containers');
  const hostnames = new Set<string>();
  for (const stage of props.stages) {
    problems.require(stage.algorithm.canServe, 'stages[].algorithm', stage.algorithm.name, 'an algorithm whose image can serve inference');
    const hostname = stage.options.hostname;
    if (hostname !== undefined) {
      problems.require(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(hostname), 'stages[].hostname', hostname, '1 to 63 letters, digits or "-"');
      problems.require(!hostnames.has(hostname), 'stages[].hostname', hostname, 'each hostname once');
      hostnames.add(hostname);
    }
  }
  problems.throwIfAny();
}

function validateTransform(scope: Construct, id: string, props: BatchTransformOptions): void {
  const problems = ValidationProblems.of('InferencePipeline.addBatchTransform()', scope, id);
  const split = props.splitType ?? 'Line';
  const strategy = props.batchStrategy ?? 'MultiRecord';
  const payload = props.maxPayloadMb ?? 6;
  const concurrency = props.maxConcurrentTransforms ?? 1;
  const contentType = props.contentType ?? 'text/csv';
  problems.require(SPLIT_TYPES.includes(split), 'splitType', split, SPLIT_TYPES.join(', '));
  problems.require(['None', 'Line'].includes(props.assembleWith ?? 'Line'), 'assembleWith', props.assembleWith, 'None or Line');
  problems.require(['MultiRecord', 'SingleRecord'].includes(strategy), 'batchStrategy', strategy, 'MultiRecord or SingleRecord');
  problems.require(!(strategy === 'MultiRecord' && split === 'None'), 'batchStrategy', strategy, 'SingleRecord when splitType is None (records cannot be batched unsplit)');
  problems.require(split !== 'RecordIO' || contentType === 'application/x-recordio-protobuf', 'contentType', contentType, 'application/x-recordio-protobuf with splitType RecordIO');
  problems.require(split !== 'Line' || contentType !== 'application/x-recordio-protobuf', 'splitType', split, 'RecordIO for application/x-recordio-protobuf input');
  problems.require(Number.isInteger(payload) && payload >= 0 && payload <= 100, 'maxPayloadMb', payload, 'a whole number from 0 to 100');
  problems.require(Number.isInteger(concurrency) && concurrency >= 1, 'maxConcurrentTransforms', concurrency, 'a whole number of at least 1');
  problems.require(payload * concurrency <= 100, 'maxPayloadMb × maxConcurrentTransforms', `${payload} × ${concurrency} = ${payload * concurrency} MB`, 'at most 100 MB');
  problems.require(props.inputPrefix === '' || props.inputPrefix.endsWith('/'), 'inputPrefix', props.inputPrefix, 'a key prefix ending in "/"');
  problems.require(props.outputPrefix.endsWith('/'), 'outputPrefix', props.outputPrefix, 'a key prefix ending in "/"');
  problems.throwIfAny();
}
