import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Parser, ReadEntry } from 'tar';
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

/** The largest statistics file read out of an artifact (the companion images' are a few kB). */
const MAX_STATISTICS_BYTES = 1024 * 1024;

/**
 * The model-quality statistics file a companion image wrote beside its model, read out of the
 * job's model.tar.gz (streamed through gunzip and a tar parser: the archive is never held whole); undefined
 * when the archive has none or it is not a JSON object.
 */
export async function statisticsInArtifact(s3Uri: string, file: string): Promise<Record<string, unknown> | undefined> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
  if (!match) return undefined;
  const object = await withRetries(() => s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] })));
  let found: string | undefined;
  const parser = new Parser({
    filter: (entryPath) => entryPath.replace(/^\.\//, '') === file,
    onReadEntry: (entry: ReadEntry) => {
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on('data', (chunk: Buffer) => { size += chunk.length; if (size <= MAX_STATISTICS_BYTES) chunks.push(chunk); });
      entry.on('end', () => { if (size <= MAX_STATISTICS_BYTES) found = Buffer.concat(chunks).toString('utf8'); });
    },
  });
  await pipeline(object.Body as Readable, createGunzip(), parser);
  if (found === undefined) return undefined;
  try {
    const parsed = JSON.parse(found);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `Custom::SageMakerModelMetrics`: writes the model quality statistics of a completed training
 * job to S3, encrypted with the given key, for the model version that registers it: the file the
 * companion images write beside the model (`StatisticsFile`, inside model.tar.gz) where the job
 * has one, else its FinalMetricDataList (what the built-in algorithms publish). A job with no
 * quality metric gets an empty statistics object noted as such.
 */
export async function writeModelMetrics(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId };
  const { TrainingJobName: job, Bucket: bucket, Key: key, KmsKeyId: kmsKeyId, StatisticsFile: file } = event.ResourceProperties as Record<string, string>;
  if (!job || !bucket || !key || !kmsKeyId) throw new Error('TrainingJobName, Bucket, Key and KmsKeyId are required');
  const described = await withRetries(() => sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: job })));
  const artifact = described.ModelArtifacts?.S3ModelArtifacts;
  const statistics = (file && artifact ? await statisticsInArtifact(artifact, file) : undefined)
    ?? modelQualityStatistics(described.FinalMetricDataList ?? [], (described.TrainingEndTime ?? new Date()).toISOString())
    ?? { version: 0.0, dataset: {}, note: `training job ${job} reported no model quality metric` };
  await withRetries(() => s3.send(new PutObjectCommand({
    Bucket: bucket, Key: key, Body: JSON.stringify(statistics, null, 2), ContentType: 'application/json',
    ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId,
  })));
  return { physicalResourceId: `s3://${bucket}/${key}`, data: { S3Uri: `s3://${bucket}/${key}` } };
}
