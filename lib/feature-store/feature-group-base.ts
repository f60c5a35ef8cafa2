import { Duration, IResource, Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Options of a feature group's metrics: the CloudWatch options, and the operation measured.
 */
export interface FeatureGroupMetricOptions extends cloudwatch.MetricOptions {
  /**
   * The online store operation measured, e.g. `GetRecord`, `PutRecord`, `BatchGetRecord`.
   *
   * @default - the metric's natural operation (`GetRecord`, or `PutRecord` for write units)
   */
  readonly operation?: string;
}

/**
 * A SageMaker feature group, made in this app (`FeatureStore.addFeatureGroup`) or imported
 * (`FeatureGroup.fromFeatureGroupName`).
 */
export interface IFeatureGroup extends IResource {
  /**
   * The feature group's name.
   *
   * @attribute
   */
  readonly featureGroupName: string;

  /**
   * The feature group's ARN.
   *
   * @attribute
   */
  readonly featureGroupArn: string;

  /** Lets the grantee read records from the online store (GetRecord, BatchGetRecord). */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /** Lets the grantee put and delete records (PutRecord, DeleteRecord). */
  grantWrite(grantee: iam.IGrantable): iam.Grant;

  /** A metric of the online store in `AWS/SageMaker`. @default - sum over 5 minutes, operation GetRecord */
  metric(metricName: string, props?: FeatureGroupMetricOptions): cloudwatch.Metric;

  /** Read units consumed. @default - sum over 5 minutes, operation GetRecord */
  metricConsumedReadUnits(props?: FeatureGroupMetricOptions): cloudwatch.Metric;

  /** Write units consumed. @default - sum over 5 minutes, operation PutRecord */
  metricConsumedWriteUnits(props?: FeatureGroupMetricOptions): cloudwatch.Metric;

  /** Latency of an operation. @default - average over 5 minutes, operation GetRecord */
  metricOperationLatency(props?: FeatureGroupMetricOptions): cloudwatch.Metric;
}

/**
 * A feature group that exists outside this app.
 */
export interface FeatureGroupAttributes {
  /** The feature group's name. */
  readonly featureGroupName: string;

  /**
   * The key of its online store; grants include using it.
   *
   * @default - none: the group's store is encrypted with a key you grant yourself
   */
  readonly encryptionKey?: kms.IKey;
}

/** Key use for writing records: no wildcard actions. */
const KEY_USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/**
 * What every feature group offers, made here or imported: record grants and online-store metrics.
 */
export abstract class FeatureGroupBase extends Resource implements IFeatureGroup {
  public abstract readonly featureGroupName: string;
  public abstract readonly featureGroupArn: string;

  /** The key of the online store, when known. */
  protected abstract readonly storeKey?: kms.IKey;

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    if (this.storeKey) iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt', 'kms:DescribeKey'], resourceArns: [this.storeKey.keyArn] });
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:GetRecord', 'sagemaker:BatchGetRecord'], resourceArns: [this.featureGroupArn] });
  }

  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    if (this.storeKey) iam.Grant.addToPrincipal({ grantee, actions: KEY_USE, resourceArns: [this.storeKey.keyArn] });
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:PutRecord', 'sagemaker:DeleteRecord'], resourceArns: [this.featureGroupArn] });
  }

  public metric(metricName: string, props: FeatureGroupMetricOptions = {}): cloudwatch.Metric {
    const { operation, ...options } = props;
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { FeatureGroupName: this.featureGroupName, OperationName: operation ?? 'GetRecord' },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...options,
    });
  }

  public metricConsumedReadUnits(props?: FeatureGroupMetricOptions): cloudwatch.Metric {
    return this.metric('ConsumedReadRequestsUnits', { operation: 'GetRecord', ...props });
  }

  public metricConsumedWriteUnits(props?: FeatureGroupMetricOptions): cloudwatch.Metric {
    return this.metric('ConsumedWriteRequestsUnits', { operation: 'PutRecord', ...props });
  }

  public metricOperationLatency(props?: FeatureGroupMetricOptions): cloudwatch.Metric {
    return this.metric('OperationLatency', { statistic: 'Average', ...props });
  }
}
