import * as s3 from 'aws-cdk-lib/aws-s3';
import { IDependable } from 'constructs';
import { SageMakerExecutionRole } from '../core/roles';

/**
 * S3 objects that another construct of the app writes at deploy time (a `SecureProcessingJob`'s
 * output): where they will be, and when they exist.
 */
export interface IDataLocation {
  /** The bucket the objects are written to. */
  readonly bucket: s3.IBucket;

  /** The key prefix they are written under, ending in `/`. */
  readonly prefix: string;

  /** Completes when the objects exist: whatever reads them depends on it. */
  readonly completion: IDependable;
}

/**
 * How SageMaker makes a channel's data available to the algorithm.
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Channel.html
 */
export enum InputMode {
  /** Downloaded to the instance's volume before training starts. */
  FILE = 'File',
  /** Streamed from S3 on demand, presented as files. */
  FAST_FILE = 'FastFile',
  /** Streamed through a FIFO per epoch. */
  PIPE = 'Pipe',
}

/**
 * How a channel's objects are spread over the instances of a distributed job.
 */
export enum S3DataDistribution {
  /** Every instance gets every object. */
  FULLY_REPLICATED = 'FullyReplicated',
  /** Each instance gets a share of the objects. */
  SHARDED_BY_S3_KEY = 'ShardedByS3Key',
}

/**
 * Options of an S3 training input.
 */
export interface TrainingInputOptions {
  /**
   * The MIME type of the channel's data, e.g. `text/csv` or `application/x-recordio-protobuf`.
   *
   * @default - the algorithm's default
   */
  readonly contentType?: string;

  /**
   * How objects are spread over instances.
   *
   * @default S3DataDistribution.FULLY_REPLICATED
   */
  readonly distribution?: S3DataDistribution;

  /**
   * How the data reaches the algorithm.
   *
   * @default InputMode.FILE
   */
  readonly inputMode?: InputMode;

  /**
   * Whether the objects are gzip-compressed.
   *
   * @default false
   */
  readonly gzip?: boolean;
}

/**
 * Options of a manifest training input.
 */
export interface ManifestInputOptions extends TrainingInputOptions {
  /**
   * The key prefix the manifest's entries live under; the job's role may read only these.
   *
   * @default - the folder of the manifest file
   */
  readonly dataPrefix?: string;
}

/**
 * One input channel of a training job: S3 objects under a prefix, or listed by a manifest.
 */
export class TrainingInput {
  /**
   * All objects under a key prefix of a bucket.
   *
   * @param channelName the channel, e.g. `train`, `validation`, `test`
   * @param prefix the key prefix, e.g. `kmeans/train/`
   */
  public static s3(channelName: string, bucket: s3.IBucket, prefix: string, options: TrainingInputOptions = {}): TrainingInput {
    return new TrainingInput(channelName, bucket, prefix, 'S3Prefix', prefix, options);
  }

  /**
   * The objects another construct writes at deploy time, e.g. a processing job's output
   * (`processingJob.output('train')`): the training job starts only once they exist.
   *
   * @param channelName the channel, e.g. `train`
   */
  public static fromProcessingOutput(channelName: string, location: IDataLocation, options: TrainingInputOptions = {}): TrainingInput {
    return new TrainingInput(channelName, location.bucket, location.prefix, 'S3Prefix', location.prefix, options, location.completion);
  }

  /**
   * The objects a manifest file lists.
   *
   * @param manifestKey the key of the manifest file
   */
  public static manifest(channelName: string, bucket: s3.IBucket, manifestKey: string, options: ManifestInputOptions = {}): TrainingInput {
    const folder = manifestKey.includes('/') ? manifestKey.slice(0, manifestKey.lastIndexOf('/') + 1) : '';
    return new TrainingInput(channelName, bucket, manifestKey, 'ManifestFile', options.dataPrefix ?? folder, options);
  }

  private constructor(
    /** The channel name. */
    public readonly channelName: string,
    private readonly bucket: s3.IBucket,
    private readonly key: string,
    private readonly dataType: string,
    private readonly readablePrefix: string,
    private readonly options: TrainingInputOptions,
    private readonly producedBy?: IDependable,
  ) {}

  /** Completes when the channel's objects exist, when another construct of the app writes them. */
  public get completion(): IDependable | undefined {
    return this.producedBy;
  }

  /** The MIME type of the channel's data, if declared. */
  public get contentType(): string | undefined {
    return this.options.contentType;
  }

  /** The input mode the channel uses. */
  public get inputMode(): InputMode {
    return this.options.inputMode ?? InputMode.FILE;
  }

  /**
   * Renders the channel (the `Channel` of a CreateTrainingJob request) and grants the role read
   * access to exactly its objects.
   *
   * @internal
   */
  public _bind(role: SageMakerExecutionRole): { channel: Record<string, unknown> } {
    role.grantRead(this.bucket, this.readablePrefix);
    if (this.dataType === 'ManifestFile') {
      role.grantRead(this.bucket, this.key);
    }
    return {
      channel: {
        ChannelName: this.channelName,
        DataSource: {
          S3DataSource: {
            S3DataType: this.dataType,
            S3Uri: this.bucket.s3UrlForObject(this.key),
            S3DataDistributionType: this.options.distribution ?? S3DataDistribution.FULLY_REPLICATED,
          },
        },
        ContentType: this.options.contentType,
        InputMode: this.inputMode,
        CompressionType: this.options.gzip ? 'Gzip' : 'None',
      },
    };
  }
}
