import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerExecutionRole } from '../core/roles';
import { IDataLocation, S3DataDistribution } from '../training/inputs';

/** Where SageMaker mounts a processing job's inputs and collects its outputs: under this folder only. */
export const PROCESSING_ROOT = '/opt/ml/processing/';

/**
 * How a processing input reaches the container.
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingS3Input.html
 */
export enum ProcessingInputMode {
  /** Downloaded to the instance's volume before the container starts. */
  FILE = 'File',
  /** Streamed through a FIFO. */
  PIPE = 'Pipe',
}

/**
 * Options of a processing job's S3 input.
 */
export interface ProcessingInputOptions {
  /**
   * Where the container finds the objects, under `/opt/ml/processing/`.
   *
   * @default - `/opt/ml/processing/input/<input name>`
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingS3Input.html#sagemaker-Type-ProcessingS3Input-LocalPath
   */
  readonly localPath?: string;

  /**
   * How the objects reach the container.
   *
   * @default ProcessingInputMode.FILE
   */
  readonly inputMode?: ProcessingInputMode;

  /**
   * How objects are spread over the job's instances.
   *
   * @default S3DataDistribution.FULLY_REPLICATED
   */
  readonly distribution?: S3DataDistribution;

  /**
   * Whether the objects are gzip-compressed (SageMaker decompresses them; Pipe mode only).
   *
   * @default false
   */
  readonly gzip?: boolean;
}

/**
 * One input of a `SecureProcessingJob`: S3 objects under a prefix, mounted in the container.
 */
export class ProcessingInput {
  /**
   * All objects under a key prefix of a bucket.
   *
   * @param inputName the input's name, unique in the job, e.g. `raw`
   * @param prefix the key prefix, e.g. `churn/raw/`
   */
  public static s3(inputName: string, bucket: s3.IBucket, prefix: string, options: ProcessingInputOptions = {}): ProcessingInput {
    return new ProcessingInput(inputName, bucket, prefix, options);
  }

  /**
   * Objects another construct writes at deploy time, e.g. another processing job's output: the
   * job starts only once they exist.
   *
   * @param inputName the input's name, unique in the job
   */
  public static fromLocation(inputName: string, location: IDataLocation, options: ProcessingInputOptions = {}): ProcessingInput {
    return new ProcessingInput(inputName, location.bucket, location.prefix, options, location);
  }

  private constructor(
    /** The input's name. */
    public readonly inputName: string,
    private readonly bucket: s3.IBucket,
    private readonly prefix: string,
    private readonly options: ProcessingInputOptions,
    private readonly location?: IDataLocation,
  ) {}

  /** Where the container finds the objects. */
  public get localPath(): string {
    return this.options.localPath ?? `${PROCESSING_ROOT}input/${this.inputName}`;
  }

  /**
   * Renders the input (a `ProcessingInput` of a CreateProcessingJob request), grants the role
   * read access to exactly its objects, and says what it waits for.
   *
   * @internal
   */
  public _bind(role: SageMakerExecutionRole): { input: Record<string, unknown>; completion?: IDataLocation['completion'] } {
    role.grantRead(this.bucket, this.prefix);
    return {
      input: {
        InputName: this.inputName,
        S3Input: {
          S3Uri: this.bucket.s3UrlForObject(this.prefix),
          LocalPath: this.localPath,
          S3DataType: 'S3Prefix',
          S3InputMode: this.options.inputMode ?? ProcessingInputMode.FILE,
          S3DataDistributionType: this.options.distribution ?? S3DataDistribution.FULLY_REPLICATED,
          S3CompressionType: this.options.gzip ? 'Gzip' : 'None',
        },
      },
      completion: this.location?.completion,
    };
  }

  /** @internal */
  public get _gzip(): boolean {
    return this.options.gzip ?? false;
  }

  /** @internal */
  public get _inputMode(): ProcessingInputMode {
    return this.options.inputMode ?? ProcessingInputMode.FILE;
  }
}
