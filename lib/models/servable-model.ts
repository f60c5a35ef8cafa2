import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SageMakerNetwork } from '../core/network';
import { SageMakerExecutionRole } from '../core/roles';

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
 * Something `MonitoredEndpoint` can serve: any `IModelSource` (a `SecureTrainingJob` or imported
 * artifact becomes an isolated model; a `TunedModel` is one), an `InferencePipeline`, or a model
 * imported by name.
 */
export interface IServableModel {
  /** Makes the model available to an endpoint in the scope's stack. */
  bindForServing(scope: Construct): ServingModelConfig;
}

/**
 * Models created outside this library.
 */
export class ServableModel {
  /** A SageMaker model that already exists, by name. */
  public static fromModelName(modelName: string): IServableModel {
    return { bindForServing: () => ({ modelName }) };
  }

  private constructor() {}
}
