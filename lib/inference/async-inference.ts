import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * An S3 location of asynchronous inference: a bucket and a key prefix.
 */
export interface AsyncInferenceLocation {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The key prefix, ending in `/` (or empty for the whole bucket). */
  readonly prefix: string;
}

/**
 * Alarm thresholds of an asynchronous endpoint.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html
 */
export interface AsyncInferenceAlarmOptions {
  /**
   * Alarm when the oldest queued request (`ApproximateAgeOfOldestRequest`) is older than this.
   *
   * @default Duration.minutes(30)
   */
  readonly maxBacklogAge?: Duration;

  /**
   * Alarm on this many failed invocations (`InvocationFailures`) of a variant per 5 minutes.
   *
   * @default 1
   */
  readonly maxFailedInvocationsPer5Minutes?: number;
}

/**
 * Asynchronous inference: callers put the request payload in S3 and call `InvokeEndpointAsync`;
 * SageMaker queues the request and writes the result (or the failure) to S3, KMS-encrypted with
 * the endpoint's key, and notifies an SNS topic. An endpoint with this configuration takes only
 * asynchronous invocations.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html
 */
export interface AsyncInferenceOptions {
  /** Where SageMaker writes the results (`<prefix><inference id>.out`). */
  readonly output: AsyncInferenceLocation;

  /**
   * The key prefix, in the output bucket, where SageMaker writes the failures.
   *
   * @default - `<output.prefix>failures/`
   */
  readonly failurePrefix?: string;

  /**
   * Where callers put the request payloads; `grantInvoke` lets them write there, and the
   * model's role may read there.
   *
   * @default - the output bucket, under `async-input/<endpoint name>/`
   */
  readonly input?: AsyncInferenceLocation;

  /**
   * The topic SageMaker notifies when a request succeeds.
   *
   * @default - a new topic encrypted with the endpoint's key
   */
  readonly successTopic?: sns.ITopic;

  /**
   * The topic SageMaker notifies when a request fails.
   *
   * @default - a new topic encrypted with the endpoint's key
   */
  readonly errorTopic?: sns.ITopic;

  /**
   * The most requests SageMaker sends to the container of one instance at once (1 to 1000).
   *
   * @default - SageMaker chooses
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AsyncInferenceClientConfig.html
   */
  readonly maxConcurrentInvocationsPerInstance?: number;

  /**
   * With `autoScaling`, the queued requests per instance (`ApproximateBacklogSizePerInstance`)
   * autoscaling tracks; asynchronous endpoints publish no invocations per instance.
   *
   * @default 5
   */
  readonly targetBacklogPerInstance?: number;

  /**
   * Let autoscaling take the endpoint down to 0 instances when nothing is queued; a step policy
   * on `HasBacklogWithoutCapacity` brings one instance back when a request arrives. Needs
   * `autoScaling` (its `minCapacity` is then 0).
   *
   * @default false
   */
  readonly scaleToZero?: boolean;

  /**
   * Alarm thresholds on the queue and the failures.
   *
   * @default - see AsyncInferenceAlarmOptions
   */
  readonly alarms?: AsyncInferenceAlarmOptions;
}
