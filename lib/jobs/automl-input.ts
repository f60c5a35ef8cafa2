import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Options of an Autopilot data set.
 */
export interface AutoMLInputOptions {
  /**
   * Whether the files are gzip-compressed.
   *
   * @default false
   */
  readonly gzip?: boolean;

  /**
   * The key the files are encrypted with, when it is not the bucket's default key.
   *
   * @default - the bucket's key
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The tabular data an Autopilot job learns from: every CSV (with a header row) or Parquet file
 * under an S3 prefix.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoMLJobChannel.html
 */
export class AutoMLInput {
  /** CSV files with a header row naming the columns (the target column among them). */
  public static csv(bucket: s3.IBucket, prefix: string, options: AutoMLInputOptions = {}): AutoMLInput {
    return new AutoMLInput(bucket, prefix, 'text/csv;header=present', options);
  }

  /** Parquet files. */
  public static parquet(bucket: s3.IBucket, prefix: string, options: AutoMLInputOptions = {}): AutoMLInput {
    return new AutoMLInput(bucket, prefix, 'x-application/vnd.amazon+parquet', options);
  }

  private constructor(
    /** The bucket of the data. */
    public readonly bucket: s3.IBucket,
    /** The key prefix of the data. */
    public readonly prefix: string,
    /** The content type Autopilot is told. */
    public readonly contentType: string,
    /** The options. */
    public readonly options: AutoMLInputOptions,
  ) {}
}

/**
 * The kind of tabular problem Autopilot solves.
 */
export enum AutoMLProblemType {
  /** Two classes. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number. */
  REGRESSION = 'Regression',
}

/**
 * The metric Autopilot optimizes, which must fit the problem type.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoMLJobObjective.html
 */
export enum AutoMLMetric {
  /** Binary or multiclass classification. */
  ACCURACY = 'Accuracy',
  /** Binary classification. */
  AUC = 'AUC',
  /** Binary or multiclass classification. */
  BALANCED_ACCURACY = 'BalancedAccuracy',
  /** Binary classification. */
  F1 = 'F1',
  /** Multiclass classification. */
  F1_MACRO = 'F1macro',
  /** Binary classification. */
  PRECISION = 'Precision',
  /** Multiclass classification. */
  PRECISION_MACRO = 'PrecisionMacro',
  /** Binary classification. */
  RECALL = 'Recall',
  /** Multiclass classification. */
  RECALL_MACRO = 'RecallMacro',
  /** Regression. */
  MAE = 'MAE',
  /** Regression. */
  MSE = 'MSE',
  /** Regression. */
  R2 = 'R2',
  /** Regression. */
  RMSE = 'RMSE',
}

/**
 * How Autopilot builds its candidates.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/autopilot-model-support-validation.html
 */
export enum AutoMLMode {
  /** AutoGluon trains base models and stacks them into one ensemble (one inference container). */
  ENSEMBLING = 'ENSEMBLING',
  /** Candidate pipelines (feature engineering, algorithm, label transform) tuned with HPO (several containers, run in series). */
  HYPERPARAMETER_TUNING = 'HYPERPARAMETER_TUNING',
}
