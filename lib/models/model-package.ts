import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IModelSource } from './model-source';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';

/**
 * A model package group (a `ModelRegistry`, or one imported by name): the versions of one model.
 */
export interface IModelPackageGroup {
  /**
   * The group's name.
   *
   * @attribute
   */
  readonly modelPackageGroupName: string;

  /**
   * The group's ARN.
   *
   * @attribute
   */
  readonly modelPackageGroupArn: string;
}

/**
 * One registered version of a model (`ModelRegistry.register`): servable, and a model source
 * itself (its artifact is its source's).
 */
export interface IModelPackageVersion extends IModelSource {
  /**
   * The version's model package ARN.
   *
   * @attribute
   */
  readonly modelPackageArn: string;

  /** The group it belongs to. */
  readonly modelPackageGroupName: string;
}

/**
 * Where the versions of a group that an endpoint may serve come from, so that its role can read
 * whichever version is approved: their algorithm, and the bucket and key prefix of their artifacts.
 */
export interface LatestApprovedOptions {
  /** The algorithm whose image serves every version. */
  readonly algorithm: Algorithm;

  /** The bucket of the versions' artifacts. */
  readonly artifactBucket: s3.IBucket;

  /** The key prefix every version's artifact lies under (e.g. a tuning or retraining output prefix). */
  readonly artifactKeyPrefix: string;

  /**
   * The key the artifacts are encrypted with, when not the bucket's.
   *
   * @default - the bucket's key
   */
  readonly artifactEncryptionKey?: kms.IKey;

  /**
   * The network the model runs in.
   *
   * @default - the endpoint's network, or a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;
}
