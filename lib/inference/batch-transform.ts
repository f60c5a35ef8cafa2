import * as s3 from 'aws-cdk-lib/aws-s3';
import { InstanceType } from '../core/instance-type';

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

