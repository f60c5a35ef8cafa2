import { Lazy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, IDependable } from 'constructs';
import { BatchTransformOptions } from './batch-transform';
import { BatchTransformJob } from './private/batch-transform-job';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { InstanceType } from '../core/instance-type';
import { DEFAULT_SERVING_INSTANCE_TYPES } from '../core/private/serving-instance-types';
import { IModelPackageGroup, LatestApprovedOptions } from '../models/model-package';
import { IModelSource, ModelSource } from '../models/model-source';
import { approvedVersionArn } from '../models/private/approved-version';
import { grantDescribeVersions } from '../models/private/package-grants';
import { IServableModel, ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { configurationHash } from '../private/deploy-time-job';
import { vpcConfigOf } from '../private/vpc-config';

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

/**
 * One container of an inference pipeline.
 */
export class PipelineStage {
  /** An algorithm image with no model artifact (e.g. a stateless pre- or post-processing step). */
  public static fromAlgorithm(algorithm: Algorithm, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(algorithm, options);
  }

  /** An algorithm image and a trained artifact (`model.tar.gz`) in S3. */
  public static fromModelData(algorithm: Algorithm, bucket: s3.IBucket, key: string, options: PipelineStageOptions = {}): PipelineStage {
    return PipelineStage.fromModel(ModelSource.fromS3(algorithm, bucket, key), options);
  }

  /**
   * The artifact of any model source (a SecureTrainingJob, a TunedModel's best job, an imported
   * artifact), served by its algorithm's image once the artifact exists.
   */
  public static fromModel(source: IModelSource, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(source.algorithm, options, source);
  }

  /**
   * The newest approved version of a registry, read at deploy time: the container names that
   * version's package, and it is read again whenever the pipeline model would change (any of its
   * stages, its role or network), so a deploy never puts an older version in.
   */
  public static fromLatestApproved(group: IModelPackageGroup, approved: LatestApprovedOptions, options: PipelineStageOptions = {}): PipelineStage {
    return new PipelineStage(approved.algorithm, options, undefined, { group, approved });
  }

  private constructor(
    /** The stage's algorithm. */
    public readonly algorithm: Algorithm,
    /** The stage's options. */
    public readonly options: PipelineStageOptions,
    private readonly source?: IModelSource,
    private readonly latest?: { group: IModelPackageGroup; approved: LatestApprovedOptions },
  ) {}

  /**
   * Renders the container (as the L1 `CfnModel` takes it) and grants the role its image and
   * artifact; the pipeline model waits for `dependsOn`.
   *
   * @internal
   */
  public _bind(scope: Construct, role: SageMakerExecutionRole, pipeline: PipelineContext): { container: sagemaker.CfnModel.ContainerDefinitionProperty; dependsOn?: IDependable } {
    const image = this.algorithm.bind(scope, role, { instanceTypes: pipeline.instanceTypes });
    if (this.latest) {
      const { group, approved } = this.latest;
      role.grantRead(approved.artifactBucket, approved.artifactKeyPrefix);
      if (approved.artifactEncryptionKey) role.grantDecrypt(approved.artifactEncryptionKey);
      grantDescribeVersions(role, group.modelPackageGroupName);
      let id = 'ApprovedVersion';
      for (let n = 2; scope.node.tryFindChild(id); n++) id = `ApprovedVersion${n}`;
      const packageArn = approvedVersionArn(scope, id, {
        modelPackageGroupName: group.modelPackageGroupName,
        revision: pipeline.revision,
        modelConfiguration: { image: image.imageUri },
        encryptionKey: pipeline.encryptionKey,
        network: pipeline.network,
      });
      return { container: { modelPackageName: packageArn, environment: this.options.environment, containerHostname: this.options.hostname } };
    }
    const source = this.source;
    if (source) {
      role.grantRead(source.artifactBucket, source.artifactKey);
      if (source.artifactEncryptionKey) role.grantDecrypt(source.artifactEncryptionKey);
    }
    return {
      container: { image: image.imageUri, modelDataUrl: source?.modelData, environment: this.options.environment, containerHostname: this.options.hostname },
      dependsOn: source?.completion,
    };
  }
}

/** What a stage learns of the pipeline it is bound into. */
interface PipelineContext {
  /** Changes with the pipeline model's configuration. */
  readonly revision: string;
  readonly network: SageMakerNetwork;
  readonly encryptionKey: kms.IKey;
  /** Where the pipeline is served: they pick the companion images' variants. */
  readonly instanceTypes: InstanceType[];
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

  /**
   * The instance types the pipeline will be served on. They pick each companion algorithm stage's
   * image variant: the GPU image when one of them has a GPU its kernels run on, else the CPU image
   * (which runs on any instance).
   *
   * @default - CPU instances (ml.m5.large, ml.m5.xlarge, ml.c5.xlarge, ml.c5.2xlarge): the CPU images
   */
  readonly servingInstanceTypes?: InstanceType[];
}

/**
 * A SageMaker Model whose 2 to 15 containers run in series (pre-processing, predictor,
 * post-processing), in the VPC with network isolation and a role that reads exactly its stages'
 * images and artifacts; servable by `MonitoredEndpoint` and usable for Batch Transform.
 */
export class InferencePipeline extends Construct implements IServableModel {
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
    // A stage read at deploy time (the newest approved version) is read again whenever the rest of
    // the model changes: its other containers, role and network.
    let configuration: unknown;
    const revision = Lazy.string({ produce: () => configurationHash(this, configuration) });
    const stages = props.stages.map((stage) => stage._bind(this, this.role, {
      revision, network: this.network, encryptionKey: this.encryptionKey, instanceTypes: props.servingInstanceTypes ?? [...DEFAULT_SERVING_INSTANCE_TYPES],
    }));
    configuration = {
      containers: stages.map((stage) => ({ ...stage.container, modelPackageName: undefined })),
      role: this.role.role.roleArn,
      network: vpcConfigOf(this.network),
    };
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.role.roleArn,
      containers: stages.map((stage) => stage.container),
      inferenceExecutionConfig: { mode: 'Serial' },
      vpcConfig: vpcConfigOf(this.network),
      enableNetworkIsolation: true,
    });
    model.node.addDependency(this.role);
    stages.forEach((stage) => stage.dependsOn && model.node.addDependency(stage.dependsOn));
    this.modelName = model.attrModelName;
    // The L1 stays reachable for escape hatches, without being API.
    this.node.defaultChild = model;
  }

  /** Serves the pipeline (used by `MonitoredEndpoint`). */
  public bindForServing(_scope: Construct, _options?: ServingBindOptions): ServingModelConfig {
    return { modelName: this.modelName, role: this.role, network: this.network, encryptionKey: this.encryptionKey };
  }

  /**
   * A Step Functions state machine that runs a Batch Transform of an S3 prefix through the
   * pipeline (KMS on volumes and output; the model's VPC), logging to an encrypted log group with
   * tracing on; optionally started on a schedule.
   */
  public addBatchTransform(id: string, options: BatchTransformOptions): sfn.StateMachine {
    return new BatchTransformJob(this, id, { ...options, pipeline: this }).stateMachine;
  }
}


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
