import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { TrainingInput } from './inputs';
import { Algorithm } from '../core/algorithm';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';

/**
 * What every deploy-time training run needs, for a single job (`SecureTrainingJob`) and for each
 * job of a tuning job (`TunedModel`).
 */
export interface TrainingSettings {
  /** The algorithm to train, e.g. `Algorithm.kmeans()`. */
  readonly algorithm: Algorithm;

  /** The input channels. */
  readonly inputs: TrainingInput[];

  /**
   * The instance type.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * The number of instances (more than 1 only for algorithms that train distributed).
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
   * How long each training job may train before SageMaker stops it (at most 28 days).
   *
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;

  /**
   * Use managed spot instances, with checkpoints in S3 so an interrupted job resumes. Only for
   * algorithms that checkpoint.
   *
   * @default false
   */
  readonly spot?: boolean;

  /**
   * With spot, how long to wait for spot capacity and training together (at least `maxRuntime`).
   *
   * @default - maxRuntime plus 1 hour
   */
  readonly maxWait?: Duration;

  /**
   * The network the job runs in.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key for the jobs' volumes, output, checkpoints and handler.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket model artifacts and checkpoints are written to.
   *
   * @default - the stack's shared platform bucket (one SecureBucket per stack), or a new
   * SecureBucket of this construct's when `removalPolicy` is set
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * The key prefix for the output, ending in `/`.
   *
   * @default - `training/<the construct's job name prefix>/` in the stack's shared platform bucket,
   * or `training/` in a bucket of your own (`outputBucket`, or one made for `removalPolicy`)
   */
  readonly outputPrefix?: string;

  /**
   * Environment variables of the training containers.
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
   * Give the construct an output bucket of its own, with this removal policy, instead of the
   * stack's shared platform bucket (which is always retained).
   *
   * @default - the shared platform bucket, retained
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long the deployment waits for the job (a tuning job: all of its training jobs) (at most 12 hours, CloudFormation's limit). A job
   * still running then fails the deployment and is stopped by the rollback.
   *
   * @default Duration.hours(12)
   */
  readonly waitTimeout?: Duration;
}
