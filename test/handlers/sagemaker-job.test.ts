import {
  CreateHyperParameterTuningJobCommand, CreateTrainingJobCommand, DescribeHyperParameterTuningJobCommand, DescribeTrainingJobCommand,
  StopHyperParameterTuningJobCommand, StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { handler } from '../../lib/handlers/sagemaker-job';
import { JOB_NAME, jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const NAME = JOB_NAME;
const ARN = `arn:aws:sagemaker:eu-west-1:111122223333:training-job/${NAME}`;

/** The request as CloudFormation delivers it: every number and boolean a string. */
const TRAINING_JOB = {
  TrainingJobName: NAME,
  AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File', EnableSageMakerMetricsTimeSeries: 'true' },
  RoleArn: 'arn:aws:iam::111122223333:role/job',
  OutputDataConfig: { S3OutputPath: 's3://b/training/', KmsKeyId: 'key' },
  ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: '2', VolumeSizeInGB: '30', VolumeKmsKeyId: 'key' },
  StoppingCondition: { MaxRuntimeInSeconds: '86400' },
  HyperParameters: { k: '10', feature_dim: '784' },
  EnableNetworkIsolation: 'true',
  EnableInterContainerTrafficEncryption: 'true',
  EnableManagedSpotTraining: 'false',
};

/** A custom resource event for the training job resource. */
function trainingEvent(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown> = {}, physicalResourceId = 'existing') {
  return cloudFormation.event(requestType, properties, physicalResourceId, 'Custom::SageMakerTrainingJob');
}

const notFound = Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });


describe('sagemaker-job handler: Create and Update', () => {
  test('Create starts the job with CloudFormation\'s strings turned back into numbers and booleans', async () => {
    // GIVEN
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: ARN });
    // WHEN
    await handler(trainingEvent('Create', { TrainingJob: TRAINING_JOB }));
    // THEN
    const request = sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input;
    expect(request).toMatchObject({
      TrainingJobName: NAME,
      ResourceConfig: { InstanceCount: 2, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      EnableNetworkIsolation: true,
      EnableManagedSpotTraining: false,
      AlgorithmSpecification: { EnableSageMakerMetricsTimeSeries: true },
      HyperParameters: { k: '10', feature_dim: '784' },
    });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobName: NAME, JobArn: ARN },
    })]);
  });

  test('a duplicate Create (CloudFormation retry) does not start a second job', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobArn: ARN, TrainingJobStatus: 'InProgress' });
    await handler(trainingEvent('Create', { TrainingJob: TRAINING_JOB }));
    expect(sagemaker.commandCalls(CreateTrainingJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
  });

  test('a Create racing another one (ResourceInUse) succeeds with the existing job', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejectsOnce(notFound).resolves({ TrainingJobArn: ARN, TrainingJobStatus: 'InProgress' });
    sagemaker.on(CreateTrainingJobCommand).rejects(Object.assign(new Error('Job already exists'), { name: 'ResourceInUse' }));
    await handler(trainingEvent('Create', { TrainingJob: TRAINING_JOB }));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { JobArn: ARN } });
  });

  test('Update with the same configuration (same name) starts no job', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobArn: ARN, TrainingJobStatus: 'Completed' });
    await handler(trainingEvent('Update', { TrainingJob: TRAINING_JOB }, NAME));
    expect(sagemaker.commandCalls(CreateTrainingJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
  });

  test('Update with a new configuration (new name) starts the new job and reports the new physical ID', async () => {
    const renamed = { ...TRAINING_JOB, TrainingJobName: 'platform-kmeans-1a2b3c4d-ffffffffffff' };
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn:new' });
    await handler(trainingEvent('Update', { TrainingJob: renamed }, NAME));
    expect(sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input.TrainingJobName).toBe(renamed.TrainingJobName);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: renamed.TrainingJobName });
  });

  test('throttling is retried with backoff until the call succeeds', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejectsOnce(throttled()).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ TrainingJobArn: ARN });
    await handler(trainingEvent('Create', { TrainingJob: TRAINING_JOB }));
    expect(sagemaker.commandCalls(CreateTrainingJobCommand)).toHaveLength(3);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('a rejected request fails the resource with SageMaker\'s message', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).rejects(Object.assign(new Error('The account-level service limit is 0 Instances'), { name: 'ResourceLimitExceeded' }));
    await handler(trainingEvent('Create', { TrainingJob: TRAINING_JOB }));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'ResourceLimitExceeded: The account-level service limit is 0 Instances' });
  });

  test('a request without a job name fails the resource', async () => {
    await handler(trainingEvent('Create', { TrainingJob: { ...TRAINING_JOB, TrainingJobName: undefined } }));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('The request has no TrainingJobName') });
  });
});

describe('sagemaker-job handler: Delete', () => {
  test('a running job is stopped', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'InProgress' });
    await handler(trainingEvent('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopTrainingJobCommand)[0].args[0].input).toEqual({ TrainingJobName: NAME });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
  });

  test.each(['Completed', 'Failed', 'Stopped', 'Stopping'])('a %s job is left alone', async (status) => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: status as any });
    await handler(trainingEvent('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopTrainingJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('a job that was never created (failed Create) is ignored', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    await handler(trainingEvent('Delete', {}, 'Resource'));
    expect(sagemaker.commandCalls(StopTrainingJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Resource' });
  });
});

describe('sagemaker-job handler: the state-change signal', () => {
  test('Completed signals SUCCESS to the wait condition handle', async () => {
    await handler({ signal: { kind: 'training', waitHandleUrl: cloudFormation.url, jobName: NAME, status: 'Completed' } });
    expect(cloudFormation.responses).toEqual([{ Status: 'SUCCESS', UniqueId: NAME, Reason: `Training job ${NAME} completed`, Data: 'Completed' }]);
    expect(sagemaker.calls()).toHaveLength(0);
  });

  test('Failed signals FAILURE with the job\'s FailureReason', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'Failed', FailureReason: 'AlgorithmError: k must be at most the number of rows' });
    await handler({ signal: { kind: 'training', waitHandleUrl: cloudFormation.url, jobName: NAME, status: 'Failed' } });
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'FAILURE', UniqueId: NAME, Reason: `Training job ${NAME} failed: AlgorithmError: k must be at most the number of rows`,
    });
  });

  test('Stopped signals FAILURE, with a reason even when SageMaker gives none', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'Stopped' });
    await handler({ signal: { kind: 'training', waitHandleUrl: cloudFormation.url, jobName: NAME, status: 'Stopped' } });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILURE', Reason: `Training job ${NAME} stopped: no failure reason given` });
  });
});

describe('sagemaker-job handler: tuning jobs', () => {
  const TUNING_NAME = 'platform-tuned-0123456789ab';
  const TUNING_JOB = {
    HyperParameterTuningJobName: TUNING_NAME,
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:objective_loss' },
      ResourceLimits: { MaxNumberOfTrainingJobs: '20', MaxParallelTrainingJobs: '2' },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: 'learning_rate', MinValue: '0.0001', MaxValue: '0.1', ScalingType: 'Logarithmic' }] },
      TrainingJobEarlyStoppingType: 'Off',
    },
    TrainingJobDefinition: { ...TRAINING_JOB, TrainingJobName: undefined, StaticHyperParameters: { predictor_type: 'binary_classifier' } },
  };
  const tuningEvent = (requestType: 'Create' | 'Delete', physicalResourceId = 'existing') =>
    cloudFormation.event(requestType, { TuningJob: TUNING_JOB }, physicalResourceId, 'Custom::SageMakerTuningJob');
  const bestEvent = (requestType: 'Create' | 'Delete') =>
    cloudFormation.event(requestType, { TuningJobName: TUNING_NAME }, 'best', 'Custom::SageMakerBestTrainingJob');

  test('Create starts the tuning job with numbers restored and range bounds left as strings', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).rejects(notFound);
    sagemaker.on(CreateHyperParameterTuningJobCommand).resolves({ HyperParameterTuningJobArn: 'arn:tuning' });
    await handler(tuningEvent('Create'));
    const request = sagemaker.commandCalls(CreateHyperParameterTuningJobCommand)[0].args[0].input;
    expect(request.HyperParameterTuningJobConfig).toMatchObject({
      ResourceLimits: { MaxNumberOfTrainingJobs: 20, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { ContinuousParameterRanges: [{ MinValue: '0.0001', MaxValue: '0.1' }] },
    });
    expect(request.TrainingJobDefinition).toMatchObject({ ResourceConfig: { InstanceCount: 2 }, EnableNetworkIsolation: true, StaticHyperParameters: { predictor_type: 'binary_classifier' } });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: TUNING_NAME, Data: { JobArn: 'arn:tuning' } });
  });

  test('throttling on Create is retried', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).rejects(notFound);
    sagemaker.on(CreateHyperParameterTuningJobCommand).rejectsOnce(throttled()).resolves({ HyperParameterTuningJobArn: 'arn:tuning' });
    await handler(tuningEvent('Create'));
    expect(sagemaker.commandCalls(CreateHyperParameterTuningJobCommand)).toHaveLength(2);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('Delete stops a running tuning job', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).resolves({ HyperParameterTuningJobStatus: 'InProgress' } as any);
    await handler(tuningEvent('Delete', TUNING_NAME));
    expect(sagemaker.commandCalls(StopHyperParameterTuningJobCommand)[0].args[0].input).toEqual({ HyperParameterTuningJobName: TUNING_NAME });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('a failed tuning job signals FAILURE with its reason', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).resolves({ HyperParameterTuningJobStatus: 'Failed', FailureReason: 'All training jobs failed' } as any);
    await handler({ signal: { kind: 'tuning', waitHandleUrl: cloudFormation.url, jobName: TUNING_NAME, status: 'Failed' } });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILURE', Reason: `Tuning job ${TUNING_NAME} failed: All training jobs failed` });
  });

  test('the best training job, its objective value and artifact are read after the tuning job', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).resolves({
      HyperParameterTuningJobStatus: 'Completed',
      BestTrainingJob: { TrainingJobName: `${TUNING_NAME}-007-abcdef12`, FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'validation:objective_loss', Value: 0.0712 } },
    } as any);
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: `${TUNING_NAME}-007-abcdef12` })
      .resolves({ ModelArtifacts: { S3ModelArtifacts: `s3://b/training/${TUNING_NAME}-007-abcdef12/output/model.tar.gz` } } as any);
    await handler(bestEvent('Create'));
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `${TUNING_NAME}-007-abcdef12`,
      Data: {
        BestTrainingJobName: `${TUNING_NAME}-007-abcdef12`,
        BestObjectiveValue: '0.0712',
        ModelData: `s3://b/training/${TUNING_NAME}-007-abcdef12/output/model.tar.gz`,
      },
    });
  });

  test('a tuning job without a completed training job fails the best-job resource with a clear reason', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).resolves({
      HyperParameterTuningJobStatus: 'Completed',
      TrainingJobStatusCounters: { Completed: 0, NonRetryableError: 18, RetryableError: 0, Stopped: 2 },
    } as any);
    await handler(bestEvent('Create'));
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'FAILED',
      Reason: `Error: Tuning job ${TUNING_NAME} ended (Completed) without a completed training job to use: 18 failed, 2 stopped`,
    });
  });

  test('deleting the best-job resource calls nothing', async () => {
    await handler(bestEvent('Delete'));
    expect(sagemaker.calls()).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'best' });
  });
});
