import {
  CreateProcessingJobCommand, CreateProcessingJobRequest, DescribeProcessingJobCommand, StopProcessingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { handler } from '../../lib/handlers/sagemaker-job';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const NAME = 'platform-prep-1a2b3c4d-0123456789ab';
const ARN = `arn:aws:sagemaker:eu-west-1:111122223333:processing-job/${NAME}`;

/** The request as CloudFormation delivers it: every number and boolean a string. */
const PROCESSING_JOB = {
  ProcessingJobName: NAME,
  AppSpecification: { ImageUri: 'img', ContainerEntrypoint: ['python3', 'prep.py'], ContainerArguments: ['--split', '0.8'] },
  ProcessingInputs: [{
    InputName: 'raw',
    S3Input: { S3Uri: 's3://b/raw/', LocalPath: '/opt/ml/processing/input/raw', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated', S3CompressionType: 'None' },
  }],
  ProcessingOutputConfig: {
    Outputs: [{ OutputName: 'train', S3Output: { S3Uri: `s3://b/processing/${NAME}/train/`, LocalPath: '/opt/ml/processing/output/train', S3UploadMode: 'EndOfJob' } }],
    KmsKeyId: 'key',
  },
  ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: '2', VolumeSizeInGB: '30', VolumeKmsKeyId: 'key' } },
  NetworkConfig: { EnableNetworkIsolation: 'true', EnableInterContainerTrafficEncryption: 'true', VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] } },
  StoppingCondition: { MaxRuntimeInSeconds: '86400' },
  RoleArn: 'arn:aws:iam::111122223333:role/job',
  Environment: { SPLIT: '0.8', DEBUG: 'true' },
};

function processingEvent(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown> = {}, physicalResourceId = 'existing') {
  return cloudFormation.event(requestType, properties, physicalResourceId, 'Custom::SageMakerProcessingJob');
}

const notFound = Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });

describe('sagemaker-job handler: processing jobs', () => {
  test('Create starts the job with numbers and booleans restored, arguments and environment left as strings', async () => {
    // GIVEN
    sagemaker.on(DescribeProcessingJobCommand).rejects(notFound);
    sagemaker.on(CreateProcessingJobCommand).resolves({ ProcessingJobArn: ARN });
    // WHEN
    await handler(processingEvent('Create', { ProcessingJob: PROCESSING_JOB }));
    // THEN
    const request = sagemaker.commandCalls(CreateProcessingJobCommand)[0].args[0].input;
    expect(request).toMatchObject({
      ProcessingJobName: NAME,
      ProcessingResources: { ClusterConfig: { InstanceCount: 2, VolumeSizeInGB: 30 } },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
      AppSpecification: { ContainerArguments: ['--split', '0.8'] },
      Environment: { SPLIT: '0.8', DEBUG: 'true' },
    });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobName: NAME, JobArn: ARN },
    })]);
  });

  test('the request sent is CreateProcessingJob\'s shape: no field the API model lacks', async () => {
    sagemaker.on(DescribeProcessingJobCommand).rejects(notFound);
    sagemaker.on(CreateProcessingJobCommand).resolves({ ProcessingJobArn: ARN });
    await handler(processingEvent('Create', { ProcessingJob: PROCESSING_JOB }));
    const request: CreateProcessingJobRequest = sagemaker.commandCalls(CreateProcessingJobCommand)[0].args[0].input;
    sagemaker.restore();
    expect(await sentBody(new CreateProcessingJobCommand(request))).toEqual(withoutUndefined(request));
    // The check has teeth: a misspelt field is not sent.
    const misspelt = { ...request, NetworkConfig: { ...request.NetworkConfig, EnableNetworkIsolated: true } } as CreateProcessingJobRequest;
    expect(await sentBody(new CreateProcessingJobCommand(misspelt))).not.toEqual(withoutUndefined(misspelt));
  });

  test('a duplicate Create (CloudFormation retry) does not start a second job', async () => {
    sagemaker.on(DescribeProcessingJobCommand).resolves({ ProcessingJobArn: ARN, ProcessingJobStatus: 'InProgress' });
    await handler(processingEvent('Create', { ProcessingJob: PROCESSING_JOB }));
    expect(sagemaker.commandCalls(CreateProcessingJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobArn: ARN } });
  });

  test('Update with a new configuration (new name) starts the new job and reports the new physical ID', async () => {
    const renamed = { ...PROCESSING_JOB, ProcessingJobName: 'platform-prep-1a2b3c4d-ffffffffffff' };
    sagemaker.on(DescribeProcessingJobCommand).rejects(notFound);
    sagemaker.on(CreateProcessingJobCommand).resolves({ ProcessingJobArn: `${ARN}-new` });
    await handler(processingEvent('Update', { ProcessingJob: renamed }, NAME));
    expect(sagemaker.commandCalls(CreateProcessingJobCommand)[0].args[0].input.ProcessingJobName).toBe(renamed.ProcessingJobName);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: renamed.ProcessingJobName });
  });

  test('Update with the same configuration starts nothing', async () => {
    sagemaker.on(DescribeProcessingJobCommand).resolves({ ProcessingJobArn: ARN, ProcessingJobStatus: 'Completed' });
    await handler(processingEvent('Update', { ProcessingJob: PROCESSING_JOB }, NAME));
    expect(sagemaker.commandCalls(CreateProcessingJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
  });

  test('Delete stops a running job and leaves a finished one alone', async () => {
    sagemaker.on(DescribeProcessingJobCommand).resolves({ ProcessingJobStatus: 'InProgress' });
    sagemaker.on(StopProcessingJobCommand).resolves({});
    await handler(processingEvent('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopProcessingJobCommand)[0].args[0].input).toEqual({ ProcessingJobName: NAME });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });

    sagemaker.reset();
    sagemaker.on(DescribeProcessingJobCommand).resolves({ ProcessingJobStatus: 'Completed' });
    await handler(processingEvent('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopProcessingJobCommand)).toHaveLength(0);
  });

  test('a failed processing job signals FAILURE with its reason and the container\'s exit message', async () => {
    sagemaker.on(DescribeProcessingJobCommand).resolves({
      ProcessingJobStatus: 'Failed', FailureReason: 'AlgorithmError: See job logs for more information', ExitMessage: 'KeyError: churned',
    });
    await handler({ signal: { kind: 'processing', waitHandleUrl: cloudFormation.url, jobName: NAME, status: 'Failed' } });
    expect(sagemaker.commandCalls(DescribeProcessingJobCommand)[0].args[0].input).toEqual({ ProcessingJobName: NAME });
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'FAILURE', UniqueId: NAME,
      Reason: `Processing job ${NAME} failed: AlgorithmError: See job logs for more information | KeyError: churned`,
    });
  });

  test('a completed processing job signals SUCCESS', async () => {
    await handler({ signal: { kind: 'processing', waitHandleUrl: cloudFormation.url, jobName: NAME, status: 'Completed' } });
    expect(cloudFormation.responses).toEqual([{ Status: 'SUCCESS', UniqueId: NAME, Reason: `Processing job ${NAME} completed`, Data: 'Completed' }]);
  });
});
