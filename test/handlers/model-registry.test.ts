import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import * as tar from 'tar';
import { handler } from '../../lib/handlers/sagemaker-job';
import { modelQualityStatistics } from '../../lib/handlers/sagemaker-job/model-registry';
import { JOB_NAME, jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const GROUP = 'churn';
const version = (n: number) => `arn:aws:sagemaker:eu-west-1:111122223333:model-package/${GROUP}/${n}`;

describe('sagemaker-job handler: the newest approved version of a group', () => {
  test('reads the newest approved version, newest first, and returns its ARN', async () => {
    // GIVEN
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: version(7), ModelPackageVersion: 7 } as any] });
    // WHEN
    await handler(cloudFormation.event('Update', { ModelPackageGroupName: GROUP, Revision: 'abc' }, version(5), 'Custom::SageMakerApprovedModelPackage'));
    // THEN
    expect(sagemaker.commandCalls(ListModelPackagesCommand)[0].args[0].input).toEqual({
      ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1,
    });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'SUCCESS', PhysicalResourceId: version(7), Data: { ModelPackageArn: version(7), ModelPackageVersion: '7' },
    })]);
  });

  test('a group with no approved version fails the deploy, saying how to approve one', async () => {
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    await handler(cloudFormation.event('Create', { ModelPackageGroupName: GROUP }, '', 'Custom::SageMakerApprovedModelPackage'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED' });
    expect(cloudFormation.responses[0].Reason).toMatch(/churn has no approved version to serve: approve one \(aws sagemaker update-model-package --model-approval-status Approved/);
  });

  test('Delete reads nothing (the version is not the stack\'s to remove)', async () => {
    await handler(cloudFormation.event('Delete', { ModelPackageGroupName: GROUP }, version(7), 'Custom::SageMakerApprovedModelPackage'));
    expect(sagemaker.commandCalls(ListModelPackagesCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: version(7) });
  });
});

describe('sagemaker-job handler: model quality metrics of a training job', () => {
  const properties = { TrainingJobName: JOB_NAME, Bucket: 'artifacts', Key: 'training/p/model-metrics/v1.json', KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' };

  test('writes the final metrics as model quality statistics, encrypted with the key', async () => {
    // GIVEN a binary classifier's final metrics on both channels
    sagemaker.on(DescribeTrainingJobCommand).resolves({
      TrainingEndTime: new Date('2026-11-29T10:00:00Z'),
      FinalMetricDataList: [
        { MetricName: 'validation:binary_classification_accuracy', Value: 0.91 },
        { MetricName: 'test:binary_classification_accuracy', Value: 0.93 },
        { MetricName: 'test:precision', Value: 0.9 },
        { MetricName: 'test:objective_loss', Value: 0.2 },
      ],
    } as any);
    s3.on(PutObjectCommand).resolves({});
    // WHEN
    await handler(cloudFormation.event('Create', properties, '', 'Custom::SageMakerModelMetrics'));
    // THEN
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).toMatchObject({ Bucket: 'artifacts', Key: properties.Key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: properties.KmsKeyId, ContentType: 'application/json' });
    expect(JSON.parse(String(put.Body))).toEqual({
      version: 0,
      dataset: { evaluation_time: '2026-11-29T10:00:00.000Z' },
      binary_classification_metrics: { accuracy: { value: 0.93, standard_deviation: 0 }, precision: { value: 0.9, standard_deviation: 0 } },
    });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { S3Uri: 's3://artifacts/training/p/model-metrics/v1.json' } });
  });

  /** A model.tar.gz as SageMaker packs /opt/ml/model, holding these files. */
  function modelArchive(files: Record<string, string>): Buffer {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-archive-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const archive = path.join(dir, 'model.tar.gz');
    tar.c({ gzip: true, cwd: dir, sync: true, file: archive }, Object.keys(files));
    return fs.readFileSync(archive);
  }
  const artifact = 's3://artifacts/training/p/job/output/model.tar.gz';
  const companionStatistics = {
    version: 0, dataset: { item_count: 400, evaluation_time: '2026-11-29T09:59:00.000Z' },
    binary_classification_metrics: { accuracy: { value: 0.95, standard_deviation: 0.01 }, auc: { value: 0.98, standard_deviation: 0.005 } },
  };

  test('a companion model\'s statistics file is read out of its model.tar.gz in preference to the final metrics', async () => {
    // GIVEN a job whose artifact holds the model and its statistics file, and final metrics too
    sagemaker.on(DescribeTrainingJobCommand).resolves({
      ModelArtifacts: { S3ModelArtifacts: artifact },
      FinalMetricDataList: [{ MetricName: 'test:binary_classification_accuracy', Value: 0.93 }],
    } as any);
    const archive = modelArchive({ 'model.json': '{"algorithm":"linear-learner"}', 'model_quality_statistics.json': JSON.stringify(companionStatistics) });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([archive]) }));
    s3.on(PutObjectCommand).resolves({});
    // WHEN the resource names the file the algorithm writes
    await handler(cloudFormation.event('Create', { ...properties, StatisticsFile: 'model_quality_statistics.json' }, '', 'Custom::SageMakerModelMetrics'));
    // THEN the artifact was read and the file's statistics are what is written, encrypted
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({ Bucket: 'artifacts', Key: 'training/p/job/output/model.tar.gz' });
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: properties.KmsKeyId });
    expect(JSON.parse(String(put.Body))).toEqual(companionStatistics);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('an artifact without the statistics file falls back to the final metrics', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({
      ModelArtifacts: { S3ModelArtifacts: artifact }, TrainingEndTime: new Date('2026-11-29T10:00:00Z'),
      FinalMetricDataList: [{ MetricName: 'test:binary_classification_accuracy', Value: 0.93 }],
    } as any);
    const archive = modelArchive({ 'model.json': '{}' });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([archive]) }));
    s3.on(PutObjectCommand).resolves({});
    await handler(cloudFormation.event('Create', { ...properties, StatisticsFile: 'model_quality_statistics.json' }, '', 'Custom::SageMakerModelMetrics'));
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body)).binary_classification_metrics)
      .toEqual({ accuracy: { value: 0.93, standard_deviation: 0 } });
  });

  test('without StatisticsFile (a built-in algorithm) the artifact is not read', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ ModelArtifacts: { S3ModelArtifacts: artifact }, FinalMetricDataList: [] } as any);
    s3.on(PutObjectCommand).resolves({});
    await handler(cloudFormation.event('Create', properties, '', 'Custom::SageMakerModelMetrics'));
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body)).note).toContain('reported no model quality metric');
  });

  test('regression metrics land under regression_metrics, from the validation channel when there is no test channel', () => {
    expect(modelQualityStatistics([{ MetricName: 'validation:rmse', Value: 2 }, { MetricName: 'validation:absolute_loss', Value: 1.5 }, { MetricName: 'train:objective_loss', Value: 9 }], 't'))
      .toEqual({ version: 0, dataset: { evaluation_time: 't' }, regression_metrics: { rmse: { value: 2, standard_deviation: 0 }, mae: { value: 1.5, standard_deviation: 0 } } });
    expect(modelQualityStatistics([{ MetricName: 'test:msd', Value: 3 }], 't')).toBeUndefined();
  });

  test('a job that cannot be described fails the resource (the version is not registered without its metrics)', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await handler(cloudFormation.event('Create', properties, '', 'Custom::SageMakerModelMetrics'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
