import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { SageMakerExecutionRole } from '../core/roles';
import type { IModelPackageGroup, IModelPackageVersion, LatestApprovedOptions } from './model-package';
import { LatestApprovedModel } from './private/latest-approved-model';

/**
 * A model an endpoint can serve, as the endpoint needs it.
 */
export interface ServingModelConfig {
  /** The SageMaker model's name. */
  readonly modelName: string;

  /**
   * The role the model runs as; the endpoint grants it writing data captures.
   *
   * @default - unknown (an imported model): grant its role yourself
   */
  readonly role?: SageMakerExecutionRole;

  /**
   * The network the model runs in; the endpoint's default.
   *
   * @default - none known
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key of the model's data; the endpoint's default.
   *
   * @default - none known
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * What the consumer of a model tells it when binding.
 */
export interface ServingBindOptions {
  /**
   * Changes whenever the consumer's own configuration does (an endpoint's variants, capture,
   * guardrails): a model resolved at deploy time (the latest approved version of a registry)
   * resolves again exactly when the consumer would be updated, so an update never puts back an
   * older version than the one in production.
   *
   * @default - resolved again only when the model's own configuration changes
   */
  readonly revision?: string;

  /**
   * The consumer's network, for a model that has none of its own.
   *
   * @default - the model's own network, or a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The instance types the consumer serves on, so a model made for it runs the companion image's
   * variant that fits (the CPU image on CPU instances). A model made once serves every consumer.
   *
   * @default - unknown: the image that runs everywhere (the GPU variant, with its CPU kernels)
   */
  readonly instanceTypes?: InstanceType[];
}

/**
 * Something `MonitoredEndpoint` can serve: any `IModelSource` (a `SecureTrainingJob` or imported
 * artifact becomes an isolated model; a `TunedModel` is one), an `InferencePipeline`, or a model
 * imported by name.
 */
export interface IServableModel {
  /** Makes the model available to an endpoint in the scope's stack. */
  bindForServing(scope: Construct, options?: ServingBindOptions): ServingModelConfig;
}

/**
 * Models created outside this library.
 */
export class ServableModel {
  /** A SageMaker model that already exists, by name. */
  public static fromModelName(modelName: string): IServableModel {
    return { bindForServing: () => ({ modelName }) };
  }

  /** One registered version, pinned: a model whose container names its package. */
  public static fromModelPackage(version: IModelPackageVersion): IServableModel {
    return version;
  }

  /**
   * The newest approved version of a group, read at deploy time: a model whose container names
   * that version's package, read again before any deploy that would update the endpoint, so a
   * deploy never serves an older version than the newest approved one (see the README's
   * "Promotion never fights CloudFormation").
   */
  public static fromLatestApproved(group: IModelPackageGroup, options: LatestApprovedOptions): IServableModel {
    return new LatestApprovedModel(group, options);
  }

  private constructor() {}
}
