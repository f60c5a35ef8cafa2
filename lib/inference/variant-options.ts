import { IServableModel } from '../models/servable-model';
import { InstanceType } from '../core/instance-type';

/**
 * Serverless capacity of a variant.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html
 */
export interface ServerlessOptions {
  /** Memory per invocation, 1024 to 6144 MB in steps of 1024. */
  readonly memorySizeMb: number;
  /** The most concurrent invocations (1 to 200). */
  readonly maxConcurrency: number;
  /**
   * Warm capacity kept ready (1 to maxConcurrency).
   *
   * @default - none
   */
  readonly provisionedConcurrency?: number;
}

/**
 * One production (or shadow) variant of an endpoint.
 */
export interface VariantOptions {
  /** The variant's name. */
  readonly name: string;

  /**
   * The model it serves.
   *
   * @default - the endpoint's model
   */
  readonly model?: IServableModel;

  /**
   * The instance type (instance-backed variants).
   *
   * @default - the endpoint's instanceType
   */
  readonly instanceType?: InstanceType;

  /**
   * Instances at creation (at least 2, spread over Availability Zones, unless the endpoint allows a single instance).
   *
   * @default 2
   */
  readonly initialInstanceCount?: number;

  /**
   * The variant's share of traffic, relative to the other variants' weights.
   *
   * @default 1
   */
  readonly weight?: number;

  /**
   * Serverless capacity instead of instances.
   *
   * @default - instance-backed
   */
  readonly serverless?: ServerlessOptions;
}
