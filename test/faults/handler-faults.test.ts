/**
 * The deploy-time job handler on every CloudFormation lifecycle path under injected SDK faults
 * (throttling, access denied, resource in use, timeouts, dropped connections, calls that hang).
 * Whatever happens, CloudFormation (or the wait condition) gets exactly one answer before the
 * function's timeout, and no job is left running that no resource owns.
 */
import {
  CreateHyperParameterTuningJobCommand, CreateTrainingJobCommand, DescribeHyperParameterTuningJobCommand, DescribeTrainingJobCommand,
  StopHyperParameterTuningJobCommand, StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { handler } from '../../lib/handlers/sagemaker-job';
import { RESPONSE_MARGIN_MS } from '../../lib/handlers/shared/cfn-response';
import { retryPolicy } from '../../lib/handlers/shared/retry';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { JOB_NAME, jobHandlerHarness } from '../helpers/job-handler-harness';
import { newStack } from '../helpers/nag';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const NAME = JOB_NAME;
const TUNING_NAME = 'platform-tuned-0123456789ab';
const TRAINING_REQUEST = {
  TrainingJobName: NAME,
  AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File' },
  RoleArn: 'arn:aws:iam::111122223333:role/job',
  OutputDataConfig: { S3OutputPath: 's3://b/training/' },
  ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: '1', VolumeSizeInGB: '30' },
  StoppingCondition: { MaxRuntimeInSeconds: '3600' },
};
const TUNING_REQUEST = {
  HyperParameterTuningJobName: TUNING_NAME,
  HyperParameterTuningJobConfig: { Strategy: 'Bayesian', ResourceLimits: { MaxNumberOfTrainingJobs: '4', MaxParallelTrainingJobs: '2' } },
  TrainingJobDefinition: TRAINING_REQUEST,
};

const fault = (name: string, message = name) => Object.assign(new Error(message), { name });
const FAULTS = {
  throttling: () => fault('ThrottlingException', 'Rate exceeded'),
  accessDenied: () => fault('AccessDeniedException', 'User: arn:aws:sts::111122223333:assumed-role/handler is not authorized to perform: sagemaker:CreateTrainingJob'),
  resourceInUse: () => fault('ResourceInUse', 'Job name must be unique within an AWS account and region'),
  timeout: () => fault('TimeoutError', 'Connection timed out after 20000 ms'),
  connectionReset: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
};
const notFound = () => fault('ValidationException', 'Requested resource not found');
const hang = () => new Promise<never>(() => undefined);

const training = (requestType: 'Create' | 'Update' | 'Delete') =>
  cloudFormation.event(requestType, requestType === 'Delete' ? {} : { TrainingJob: TRAINING_REQUEST }, requestType === 'Update' ? 'platform-kmeans-old' : NAME, 'Custom::SageMakerTrainingJob');
const tuning = (requestType: 'Create' | 'Delete') =>
  cloudFormation.event(requestType, requestType === 'Delete' ? {} : { TuningJob: TUNING_REQUEST }, TUNING_NAME, 'Custom::SageMakerTuningJob');
/** A Lambda context whose function times out `ms` after the margin the handler keeps for its answer. */
const contextWith = (ms: number) => ({ getRemainingTimeInMillis: () => RESPONSE_MARGIN_MS + ms });


describe.each([
  ['training job', 'Create', () => training('Create'), CreateTrainingJobCommand, DescribeTrainingJobCommand, StopTrainingJobCommand, NAME],
  ['training job', 'Update', () => training('Update'), CreateTrainingJobCommand, DescribeTrainingJobCommand, StopTrainingJobCommand, NAME],
  ['tuning job', 'Create', () => tuning('Create'), CreateHyperParameterTuningJobCommand, DescribeHyperParameterTuningJobCommand, StopHyperParameterTuningJobCommand, TUNING_NAME],
] as const)('starting a %s (%s) under faults', (_kind, requestType, event, Create, Describe, Stop, name) => {
  test.each(['throttling', 'timeout', 'connectionReset'] as const)('a passing %s is retried and the job starts once', async (kind) => {
    sagemaker.on(Describe as any).rejects(notFound());
    sagemaker.on(Create as any).rejectsOnce(FAULTS[kind]()).resolves({});
    await handler(event());
    expect(sagemaker.commandCalls(Create as any)).toHaveLength(2);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: name })]);
  });

  test('access denied fails the resource at once with the reason, naming the job for the rollback', async () => {
    sagemaker.on(Describe as any).rejects(notFound());
    sagemaker.on(Create as any).rejects(FAULTS.accessDenied());
    await handler(event());
    expect(sagemaker.commandCalls(Create as any)).toHaveLength(1);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'FAILED', Reason: expect.stringMatching(/^AccessDeniedException: .*not authorized to perform/),
      ...(requestType === 'Create' ? { PhysicalResourceId: name } : {}),
    })]);
  });

  test('resource in use (a concurrent retry started it) succeeds with the existing job', async () => {
    sagemaker.on(Describe as any).rejectsOnce(notFound()).resolves({ TrainingJobArn: 'arn:existing', HyperParameterTuningJobArn: 'arn:existing' });
    sagemaker.on(Create as any).rejects(FAULTS.resourceInUse());
    await handler(event());
    expect(sagemaker.commandCalls(Stop as any)).toHaveLength(0);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: name, Data: expect.objectContaining({ JobArn: 'arn:existing' }) })]);
  });

  test('timeouts to the last retry, after the lost call did start the job: the job is stopped and the resource fails', async () => {
    sagemaker.on(Describe as any).rejectsOnce(notFound()).resolves({ TrainingJobStatus: 'InProgress', HyperParameterTuningJobStatus: 'InProgress' });
    sagemaker.on(Create as any).rejects(FAULTS.timeout());
    await handler(event());
    expect(sagemaker.commandCalls(Create as any)).toHaveLength(retryPolicy.attempts);
    expect(sagemaker.commandCalls(Stop as any)).toHaveLength(1);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/^TimeoutError/) })]);
  });

  test('a call that hangs is answered FAILED before the function times out, naming the job for the rollback', async () => {
    sagemaker.on(Describe as any).rejects(notFound());
    sagemaker.on(Create as any).callsFake(hang);
    const began = Date.now();
    await handler(event(), contextWith(300));
    expect(Date.now() - began).toBeLessThan(5000);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'FAILED', Reason: expect.stringMatching(/gave up after 0 s, before the function's own timeout/),
      ...(requestType === 'Create' ? { PhysicalResourceId: name } : {}),
    })]);
  });
});

describe.each([
  ['training job', () => training('Delete'), DescribeTrainingJobCommand, StopTrainingJobCommand, { TrainingJobStatus: 'InProgress' }],
  ['tuning job', () => tuning('Delete'), DescribeHyperParameterTuningJobCommand, StopHyperParameterTuningJobCommand, { HyperParameterTuningJobStatus: 'InProgress' }],
] as const)('deleting (rolling back) a running %s under faults', (_kind, event, Describe, Stop, running) => {
  test.each(['throttling', 'timeout', 'connectionReset'] as const)('a passing %s on Stop is retried and the job is stopped', async (kind) => {
    sagemaker.on(Describe as any).resolves(running);
    sagemaker.on(Stop as any).rejectsOnce(FAULTS[kind]()).resolves({});
    await handler(event());
    expect(sagemaker.commandCalls(Stop as any)).toHaveLength(2);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
  });

  test('access denied on Stop fails the delete, so a running job is never left behind silently', async () => {
    sagemaker.on(Describe as any).resolves(running);
    sagemaker.on(Stop as any).rejects(FAULTS.accessDenied());
    await handler(event());
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/^AccessDeniedException/) })]);
  });

  test('a Describe throttled to the last retry fails the delete rather than assume the job ended', async () => {
    sagemaker.on(Describe as any).rejects(FAULTS.throttling());
    await handler(event());
    expect(sagemaker.commandCalls(Describe as any)).toHaveLength(retryPolicy.attempts);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/^ThrottlingException/) })]);
  });

  test('a Stop that hangs is answered FAILED before the function times out', async () => {
    sagemaker.on(Describe as any).resolves(running);
    sagemaker.on(Stop as any).callsFake(hang);
    await handler(event(), contextWith(200));
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining('gave up') })]);
  });
});

describe('the state-change signal under faults', () => {
  const signal = (status: string) => ({ signal: { kind: 'training', waitHandleUrl: cloudFormation.url, jobName: NAME, status } });

  test.each(['throttling', 'accessDenied', 'timeout'] as const)('a Failed job whose reason cannot be read (%s) still signals FAILURE', async (kind) => {
    sagemaker.on(DescribeTrainingJobCommand).rejects(FAULTS[kind]());
    await handler(signal('Failed'));
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'FAILURE', UniqueId: NAME, Reason: expect.stringMatching(new RegExp(`^Training job ${NAME} failed: \\(its failure reason could not be read: ${FAULTS[kind]().name}`)),
    })]);
  });

  test('a throttled Describe is retried and the reason is passed on', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejectsOnce(FAULTS.throttling()).resolves({ FailureReason: 'AlgorithmError: out of memory' });
    await handler(signal('Failed'));
    expect(cloudFormation.responses[0].Reason).toBe(`Training job ${NAME} failed: AlgorithmError: out of memory`);
  });
});

describe('reading the best training job under faults', () => {
  const best = () => cloudFormation.event('Create', { TuningJobName: TUNING_NAME }, 'x', 'Custom::SageMakerBestTrainingJob');

  test('throttling is retried', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).rejectsOnce(FAULTS.throttling()).resolves({ BestTrainingJob: { TrainingJobName: 'best' } as any });
    sagemaker.on(DescribeTrainingJobCommand).resolves({ ModelArtifacts: { S3ModelArtifacts: 's3://b/model.tar.gz' } });
    await handler(best());
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', Data: expect.objectContaining({ ModelData: 's3://b/model.tar.gz' }) })]);
  });

  test('access denied fails the resource with the reason', async () => {
    sagemaker.on(DescribeHyperParameterTuningJobCommand).rejects(FAULTS.accessDenied());
    await handler(best());
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/^AccessDeniedException/) })]);
  });
});

describe('CloudFormation\'s own bound on the handler', () => {
  test('every resource our handlers serve waits at most three tries of its function plus five minutes, not an hour', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    new SecureTrainingJob(stack, 'Job', { algorithm: Algorithm.kmeans(), inputs: [TrainingInput.s3('train', data.bucket, 'in/')], hyperparameters: { k: '2', feature_dim: '2' } });
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    const customs = Object.values(template.toJSON().Resources as Record<string, any>).filter((r) => /^Custom::(SageMaker|S3PrefixList)/.test(r.Type));
    // The training job's start resource and the network's prefix-list lookup.
    expect(customs.map((r) => r.Type).sort()).toEqual(['Custom::S3PrefixList', 'Custom::SageMakerTrainingJob']);
    for (const resource of customs) {
      const [functionId] = resource.Properties.ServiceToken['Fn::GetAtt'];
      const timeout = functions[functionId].Properties.Timeout;
      expect(resource.Properties.ServiceTimeout).toBe(String(Math.min(3600, 3 * timeout + 300)));
    }
  });
});
