import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sagemaker } from './jobs';
import { CustomResourceResult } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';

/** The registry's resources this handler answers. */
export const APPROVED_MODEL_PACKAGE_RESOURCE_TYPE = 'Custom::SageMakerApprovedModelPackage';
export const MODEL_METRICS_RESOURCE_TYPE = 'Custom::SageMakerModelMetrics';

const s3 = new S3Client({ maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });

/**
 * `Custom::SageMakerApprovedModelPackage`: the newest approved version of a model package group,
 * read whenever the resource's properties change (the endpoint passes a hash of everything else
 * it deploys, so any deploy that would update the endpoint reads it again: a deploy never puts
 * back a version older than the one a promotion approved meanwhile).
 */
export async function resolveApprovedPackage(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId };
  const group = String(event.ResourceProperties.ModelPackageGroupName ?? '');
  if (!group) throw new Error('The ModelPackageGroupName property is missing');
  const listed = await withRetries(() => sagemaker.send(new ListModelPackagesCommand({
    ModelPackageGroupName: group, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1,
  })));
  const newest = listed.ModelPackageSummaryList?.[0];
  if (!newest?.ModelPackageArn) {
    throw new Error(`Model package group ${group} has no approved version to serve: approve one `
      + '(aws sagemaker update-model-package --model-approval-status Approved --model-package-arn ...) and deploy again');
  }
  return { physicalResourceId: newest.ModelPackageArn, data: { ModelPackageArn: newest.ModelPackageArn, ModelPackageVersion: String(newest.ModelPackageVersion ?? '') } };
}

/** Metric names of the training job (`<channel>:<metric>`) in SageMaker's model quality statistics. */
const QUALITY_METRICS: Record<string, [section: string, name: string]> = {
  binary_classification_accuracy: ['binary_classification_metrics', 'accuracy'],
  precision: ['binary_classification_metrics', 'precision'],
  recall: ['binary_classification_metrics', 'recall'],
  multiclass_accuracy: ['multiclass_classification_metrics', 'accuracy'],
  rmse: ['regression_metrics', 'rmse'],
  mse: ['regression_metrics', 'mse'],
  absolute_loss: ['regression_metrics', 'mae'],
};

/**
 * The model quality statistics of a training job's final metrics, in the format of SageMaker
 * Model Monitor's model-quality `statistics.json` (what the model registry shows): the test
 * channel's metrics where the job had one, else the validation channel's.
 */
export function modelQualityStatistics(metrics: Array<{ MetricName?: string; Value?: number }>, evaluationTime: string): Record<string, unknown> | undefined {
  const byChannel = (channel: string) => metrics.filter((m) => m.MetricName?.startsWith(`${channel}:`) && Number.isFinite(m.Value));
  const chosen = byChannel('test').length > 0 ? byChannel('test') : byChannel('validation');
  const sections: Record<string, Record<string, { value: number; standard_deviation: number }>> = {};
  for (const metric of chosen) {
    const mapped = QUALITY_METRICS[metric.MetricName!.split(':')[1]];
    if (!mapped) continue;
    const [section, name] = mapped;
    (sections[section] ??= {})[name] = { value: metric.Value!, standard_deviation: 0 };
  }
  if (Object.keys(sections).length === 0) return undefined;
  return { version: 0.0, dataset: { evaluation_time: evaluationTime }, ...sections };
}

/**
 * `Custom::SageMakerModelMetrics`: writes the model quality statistics of a completed training
 * job (its FinalMetricDataList) to S3, encrypted with the given key, for the model version that
 * registers it. A job with no quality metric gets an empty `{}` statistics object noted as such.
 */
export async function writeModelMetrics(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId };
  const { TrainingJobName: job, Bucket: bucket, Key: key, KmsKeyId: kmsKeyId } = event.ResourceProperties as Record<string, string>;
  if (!job || !bucket || !key || !kmsKeyId) throw new Error('TrainingJobName, Bucket, Key and KmsKeyId are required');
  const described = await withRetries(() => sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: job })));
  const statistics = modelQualityStatistics(described.FinalMetricDataList ?? [], (described.TrainingEndTime ?? new Date()).toISOString())
    ?? { version: 0.0, dataset: {}, note: `training job ${job} reported no model quality metric` };
  await withRetries(() => s3.send(new PutObjectCommand({
    Bucket: bucket, Key: key, Body: JSON.stringify(statistics, null, 2), ContentType: 'application/json',
    ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId,
  })));
  return { physicalResourceId: `s3://${bucket}/${key}`, data: { S3Uri: `s3://${bucket}/${key}` } };
}
