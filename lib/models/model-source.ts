import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { IServableModel, ServingBindOptions, ServingModelConfig } from './servable-model';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';
import { createIsolatedModel } from '../private/isolated-model';

/**
 * Anything with a trained model artifact: a `SecureTrainingJob`, a `TunedModel`'s best job, an
 * artifact imported from S3 (`ModelSource.fromS3`), and later registered, AutoML and compiled
 * models. Endpoints, pipeline stages and the registry take any of them.
 */
export interface IModelSource extends IServableModel {
  /** The algorithm whose image serves the artifact. */
  readonly algorithm: Algorithm;

  /** The S3 URI of the artifact (`model.tar.gz`). */
  readonly modelData: string;

  /** The bucket the artifact is in. */
  readonly artifactBucket: s3.IBucket;

  /**
   * The artifact's object key, or the key prefix it lies under when the exact key is known only at
   * deploy time (a tuning job's best artifact): what a reader must be granted.
   */
  readonly artifactKey: string;

  /**
   * The key the artifact is encrypted with, when it is not the bucket's default key.
   *
   * @default - the bucket's key
   */
  readonly artifactEncryptionKey?: kms.IKey;

  /** Completes when the artifact exists: depend on it before using `modelData`. */
  readonly completion: IDependable;

  /**
   * The training job that made the artifact (lineage; its final metrics become the model quality
   * metrics of a registered version).
   *
   * @default - unknown (an imported artifact)
   */
  readonly sourceTrainingJobName?: string;
}

/**
 * Options of an artifact imported from S3.
 */
export interface S3ModelSourceOptions {
  /**
   * The key the artifact is encrypted with, when it is not the bucket's default key.
   *
   * @default - the bucket's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The network a model served from the artifact runs in.
   *
   * @default - the endpoint's network, or a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;
}

/**
 * Model artifacts made outside this app.
 */
export class ModelSource {
  /**
   * A trained artifact that already exists in S3, e.g. from another app's training job.
   *
   * @param key the object key of `model.tar.gz`
   */
  public static fromS3(algorithm: Algorithm, bucket: s3.IBucket, key: string, options: S3ModelSourceOptions = {}): IModelSource {
    return new ImportedModelSource(algorithm, bucket, key, options);
  }

  private constructor() {}
}

class ImportedModelSource implements IModelSource {
  public readonly modelData: string;
  public readonly completion: IDependable = new DependencyGroup();
  public readonly artifactEncryptionKey?: kms.IKey;
  private readonly served = new WeakMap<Construct, ServingModelConfig>();

  constructor(
    public readonly algorithm: Algorithm,
    public readonly artifactBucket: s3.IBucket,
    public readonly artifactKey: string,
    private readonly options: S3ModelSourceOptions,
  ) {
    this.modelData = artifactBucket.s3UrlForObject(artifactKey);
    this.artifactEncryptionKey = options.encryptionKey;
  }

  /** An isolated model of the artifact, in the scope that serves it (once per scope). */
  public bindForServing(scope: Construct, bindOptions: ServingBindOptions = {}): ServingModelConfig {
    const known = this.served.get(scope);
    if (known) return known;
    const rendered = JSON.stringify(Stack.of(scope).resolve(this.modelData));
    const host = new Construct(scope, `Artifact${createHash('sha256').update(rendered).digest('hex').slice(0, 8)}`);
    const network = this.options.network ?? bindOptions.network ?? new SageMakerNetwork(host, 'Network');
    const encryptionKey = this.options.encryptionKey ?? this.artifactBucket.encryptionKey ?? network.encryptionKey;
    const { model, role } = createIsolatedModel(host, {
      instanceTypes: bindOptions.instanceTypes,
      algorithm: this.algorithm,
      modelData: this.modelData,
      artifactsBucket: this.artifactBucket,
      artifactsPrefix: this.artifactKey,
      network,
      encryptionKey,
    });
    const config = { modelName: model.attrModelName, role, network, encryptionKey };
    this.served.set(scope, config);
    return config;
  }
}
