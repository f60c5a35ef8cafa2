import { Names, Resource, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { ModelApprovalStatus } from './model-approval-status';
import { writeModelMetrics } from './private/model-metrics';
import { Algorithm } from '../core/algorithm';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { specificationOf } from '../core/private/algorithm-specs';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { DEFAULT_SERVING_INSTANCE_TYPES } from '../core/private/serving-instance-types';
import { IModelPackageVersion } from '../models/model-package';
import { IModelSource } from '../models/model-source';
import { ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { grantDescribeVersions } from '../models/private/package-grants';
import { recordServedGroup } from '../models/private/served-groups';
import { createModel, createModelRole } from '../private/isolated-model';
import type { ModelRegistry } from './model-registry';

/**
 * What to register as a version of a model.
 */
export interface RegisterOptions {
  /** The model: a SecureTrainingJob, TunedModel, imported artifact or any IModelSource. */
  readonly model: IModelSource;

  /**
   * Whether it may be deployed.
   *
   * @default ModelApprovalStatus.PENDING_MANUAL_APPROVAL
   */
  readonly approval?: ModelApprovalStatus;

  /**
   * What the version is.
   *
   * @default - the source construct's path
   */
  readonly description?: string;

  /**
   * Record the source training job's final metrics as the version's model quality statistics.
   *
   * @default true (when the source names its training job)
   */
  readonly metrics?: boolean;

  /**
   * The content types the model accepts.
   *
   * @default - those of the algorithm's specification, or `text/csv`
   */
  readonly contentTypes?: string[];

  /**
   * The content types the model answers with.
   *
   * @default - those of the algorithm's specification, or `application/json`
   */
  readonly responseTypes?: string[];

  /**
   * The instance types the version may be served (and batch-transformed) on.
   *
   * @default - ml.m5.large, ml.m5.xlarge, ml.c5.xlarge, ml.c5.2xlarge
   */
  readonly instanceTypes?: InstanceType[];
}

/**
 * Properties of a {@link RegisteredModelVersion}.
 */
export interface RegisteredModelVersionProps extends RegisterOptions {
  /** The registry (model package group) the version belongs to. */
  readonly registry: ModelRegistry;
}

const DEFAULT_INSTANCE_TYPES = [...DEFAULT_SERVING_INSTANCE_TYPES];
const APPROVAL_STATUSES: string[] = Object.values(ModelApprovalStatus);

/**
 * One version of a model in a registry: an `AWS::SageMaker::ModelPackage` (the `node.defaultChild`)
 * whose inference specification, artifact, model quality metrics and lineage come from its
 * source, encrypted with a customer-managed key. It serves (`ServableModel.fromModelPackage`) as a
 * model whose container names the package, run by a role that can describe the package, pull its
 * image and read its artifact, nothing more; and it is a model source itself.
 */
export class RegisteredModelVersion extends Resource implements IModelPackageVersion {
  public readonly modelPackageArn: string;
  public readonly modelPackageGroupName: string;
  public readonly algorithm: Algorithm;
  public readonly modelData: string;
  public readonly artifactBucket: s3.IBucket;
  public readonly artifactKey: string;
  public readonly artifactEncryptionKey?: kms.IKey;
  public readonly sourceTrainingJobName?: string;

  /** Completes when the version is registered (and its source's artifact exists). */
  public readonly completion: IDependable;

  /** The key of what the package holds. */
  public readonly encryptionKey: kms.IKey;

  /** The S3 URI of the version's model quality statistics, when recorded. */
  public readonly modelQualityStatisticsUri?: string;

  /** The role models of this version run as: describe the package, pull its image, read its artifact. */
  public readonly servingRole: SageMakerExecutionRole;

  private readonly served = new Map<Construct, ServingModelConfig>();

  constructor(scope: Construct, id: string, props: RegisteredModelVersionProps) {
    super(scope, id);
    const source = props.model;
    const key = props.registry.encryptionKey ?? source.artifactEncryptionKey ?? source.artifactBucket.encryptionKey;
    validate(scope, id, props, key);
    this.encryptionKey = key!;
    this.algorithm = source.algorithm;
    this.modelData = source.modelData;
    this.artifactBucket = source.artifactBucket;
    this.artifactKey = source.artifactKey;
    this.artifactEncryptionKey = source.artifactEncryptionKey;
    this.sourceTrainingJobName = source.sourceTrainingJobName;
    this.modelPackageGroupName = props.registry.modelPackageGroupName;

    // The image URI for the inference specification; the serving role is the one allowed to pull it.
    const { role, imageUri } = createModelRole(this, {
      algorithm: source.algorithm,
      artifactsBucket: source.artifactBucket,
      artifactsPrefix: source.artifactKey,
      artifactEncryptionKey: source.artifactEncryptionKey,
      encryptionKey: this.encryptionKey,
      instanceTypes: props.instanceTypes ?? DEFAULT_INSTANCE_TYPES,
    });
    this.servingRole = role;

    const spec = specificationOf(source.algorithm)?.specification;
    const instanceTypes = (props.instanceTypes ?? DEFAULT_INSTANCE_TYPES).map(String);
    const stack = Stack.of(this);
    const metrics = props.metrics !== false && source.sourceTrainingJobName
      ? writeModelMetrics(this, {
        trainingJobName: source.sourceTrainingJobName,
        bucket: source.artifactBucket,
        key: `${metricsPrefix(source.artifactKey)}model-metrics/${Names.uniqueResourceName(this, { maxLength: 128, separator: '-' })}.json`,
        encryptionKey: this.encryptionKey,
        after: source.completion,
        network: () => props.registry._handlerNetwork,
        statisticsInArtifact: spec?.modelQualityStatistics ? {
          file: spec.modelQualityStatistics, bucket: source.artifactBucket, key: source.artifactKey, encryptionKey: source.artifactEncryptionKey,
        } : undefined,
      })
      : undefined;
    this.modelQualityStatisticsUri = metrics?.s3Uri;

    const modelPackage = new sagemaker.CfnModelPackage(this, 'Resource', {
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageDescription: props.description ?? `${source.algorithm.name} model of ${Construct.isConstruct(source) ? source.node.path : 'an imported artifact'}`,
      modelApprovalStatus: props.approval ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
      inferenceSpecification: {
        containers: [{ image: imageUri, modelDataUrl: source.modelData }],
        supportedContentTypes: props.contentTypes ?? [...(spec?.inference.accept ?? ['text/csv'])],
        supportedResponseMimeTypes: props.responseTypes ?? [...(spec?.inference.produce ?? ['application/json'])],
        supportedRealtimeInferenceInstanceTypes: instanceTypes,
        supportedTransformInstanceTypes: instanceTypes,
      },
      modelMetrics: metrics ? { modelQuality: { statistics: { contentType: 'application/json', s3Uri: metrics.s3Uri } } } : undefined,
      // Lineage: the training job that made the artifact.
      metadataProperties: source.sourceTrainingJobName
        ? { generatedBy: stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: source.sourceTrainingJobName }) }
        : undefined,
      securityConfig: { kmsKeyId: this.encryptionKey.keyArn },
    });
    // The group itself (the registry construct also holds its versions and their metrics).
    modelPackage.node.addDependency(props.registry.node.defaultChild!);
    modelPackage.node.addDependency(source.completion);
    this.modelPackageArn = modelPackage.attrModelPackageArn;
    this.completion = modelPackage;
    grantDescribeVersions(role, this.modelPackageGroupName);
  }

  /**
   * A model whose container names this version's package, in the consumer's scope: in the given
   * network (or the consumer's), run by the version's serving role.
   */
  public bindForServing(scope: Construct, options: ServingBindOptions = {}): ServingModelConfig {
    const known = this.served.get(scope);
    if (known) return known;
    const network = options.network ?? new SageMakerNetwork(scope, `${this.node.id}Network`);
    const model = createModel(scope, `${this.node.id}Model`, this.servingRole, network, { modelPackageName: this.modelPackageArn });
    model.node.addDependency(this.completion);
    const config = { modelName: model.attrModelName, role: this.servingRole, network, encryptionKey: this.encryptionKey };
    this.served.set(scope, config);
    recordServedGroup(scope, { modelPackageGroupName: this.modelPackageGroupName, role: this.servingRole });
    return config;
  }
}

/** Where a source's metrics go: beside its artifact (or under its prefix). */
function metricsPrefix(artifactKey: string): string {
  if (artifactKey.endsWith('/') || artifactKey === '') return artifactKey;
  const slash = artifactKey.lastIndexOf('/');
  return slash < 0 ? '' : artifactKey.slice(0, slash + 1);
}

function validate(scope: Construct, id: string, props: RegisteredModelVersionProps, key: kms.IKey | undefined): void {
  const problems = ValidationProblems.of('ModelRegistry.register()', scope, id);
  problems.require(props.model.algorithm.canServe, 'model', props.model.algorithm.name, 'a model whose algorithm can serve inference (a version is deployed from its image)');
  if (props.approval !== undefined) {
    problems.require(APPROVAL_STATUSES.includes(props.approval), 'approval', props.approval, APPROVAL_STATUSES.join(', '));
  }
  problems.require(key !== undefined, 'model', props.model.algorithm.name,
    'a source whose artifact key or bucket key is known, or a registry with an encryptionKey (the package is encrypted with it)');
  problems.require((props.instanceTypes ?? DEFAULT_INSTANCE_TYPES).length > 0, 'instanceTypes', [], 'at least one instance type');
  problems.throwIfAny();
}
