import * as s3 from 'aws-cdk-lib/aws-s3';
import { IDependable } from 'constructs';
import { PROCESSING_ROOT } from './processing-inputs';
import { IDataLocation, TrainingInput, TrainingInputOptions } from '../training/inputs';

/**
 * When SageMaker uploads a processing output to S3.
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingS3Output.html
 */
export enum ProcessingUploadMode {
  /** Once the job has ended. */
  END_OF_JOB = 'EndOfJob',
  /** While the job runs, as files are written. */
  CONTINUOUS = 'Continuous',
}

/**
 * Options of a processing job's S3 output.
 */
export interface ProcessingOutputOptions {
  /**
   * The bucket the output is uploaded to (objects are encrypted with the job's key).
   *
   * @default - the job's output bucket (the stack's shared platform bucket, unless the job is given one)
   */
  readonly bucket?: s3.IBucket;

  /**
   * The key prefix the output is uploaded under, ending in `/`.
   *
   * @default - `processing/<the job's name prefix>/<job name>/<output name>/`: a new prefix for each
   * new job, so a changed job never mixes its output with an older job's
   */
  readonly prefix?: string;

  /**
   * The folder the container writes the output to, under `/opt/ml/processing/`.
   *
   * @default - `/opt/ml/processing/output/<output name>`
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingS3Output.html#sagemaker-Type-ProcessingS3Output-LocalPath
   */
  readonly localPath?: string;

  /**
   * When SageMaker uploads the files.
   *
   * @default ProcessingUploadMode.END_OF_JOB
   */
  readonly uploadMode?: ProcessingUploadMode;
}

/**
 * One output of a `SecureProcessingJob`: a folder of the container uploaded to an S3 prefix.
 * Once the job exists, `job.output(name)` says where it lands, for other constructs to read.
 */
export class ProcessingOutput {
  /**
   * A folder of the container uploaded to S3.
   *
   * @param outputName the output's name, unique in the job, e.g. `train`
   */
  public static s3(outputName: string, options: ProcessingOutputOptions = {}): ProcessingOutput {
    return new ProcessingOutput(outputName, options);
  }

  private constructor(
    /** The output's name. */
    public readonly outputName: string,
    /** Its options. */
    public readonly options: ProcessingOutputOptions,
  ) {}

  /** The folder the container writes the output to. */
  public get localPath(): string {
    return this.options.localPath ?? `${PROCESSING_ROOT}output/${this.outputName}`;
  }
}

/**
 * Where a processing job's output lands and when it is there: give it to a training job
 * (`asTrainingInput`) or another processing job (`ProcessingInput.fromLocation`), which then wait
 * for the job.
 */
export class ProcessingJobOutput implements IDataLocation {
  /** @internal */
  public static _of(outputName: string, bucket: s3.IBucket, prefix: string, completion: IDependable): ProcessingJobOutput {
    return new ProcessingJobOutput(outputName, bucket, prefix, completion);
  }

  private constructor(
    /** The output's name. */
    public readonly outputName: string,
    /** The bucket the output is uploaded to. */
    public readonly bucket: s3.IBucket,
    /** The key prefix it is uploaded under. */
    public readonly prefix: string,
    /** Completes when the job has completed (and uploaded the output). */
    public readonly completion: IDependable,
  ) {}

  /** The S3 URI of the output's prefix. */
  public get s3Uri(): string {
    return this.bucket.s3UrlForObject(this.prefix);
  }

  /**
   * The output as a training job's input channel: the training job starts after the processing job.
   *
   * @param channelName the channel, e.g. `train`
   */
  public asTrainingInput(channelName: string, options: TrainingInputOptions = {}): TrainingInput {
    return TrainingInput.fromProcessingOutput(channelName, this, options);
  }
}
