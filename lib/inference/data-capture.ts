import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Data capture of requests and responses.
 */
export interface DataCaptureOptions {
  /**
   * The percentage of requests captured (0 to 100).
   *
   * @default 20
   */
  readonly samplingPercentage?: number;

  /**
   * The bucket captures (and monitoring reports) go to.
   *
   * @default - the stack's shared platform bucket (one SecureBucket per stack), under `capture/<endpoint name>/`
   */
  readonly bucket?: s3.IBucket;
}
