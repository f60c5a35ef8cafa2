import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateCompilationJobCommand, CreateCompilationJobRequest, DescribeCompilationJobCommand, StopCompilationJobCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lib/handlers/sagemaker-job';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const eventBridge = mockClient(EventBridgeClient);
const NAME = 'platform-neo-1a2b3c4d-0123456789ab';
const ARN = `arn:aws:sagemaker:eu-west-1:111122223333:compilation-job/${NAME}`;

/** The request as CloudFormation delivers it: every number a string. */
const COMPILATION_JOB = {
  CompilationJobName: NAME,
  RoleArn: 'arn:aws:iam::111122223333:role/neo',
  InputConfig: { S3Uri: 's3://b/xgb/model.tar.gz', Framework: 'PYTORCH', FrameworkVersion: '1.8', DataInputConfig: '{"input0":[1,3,224,224]}' },
  OutputConfig: { S3OutputLocation: `s3://b/compiled/${NAME}/`, TargetDevice: 'ml_c5', KmsKeyId: 'key' },
  VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] },
  StoppingCondition: { MaxRuntimeInSeconds: '3600' },
  Tags: [{ Key: 'team', Value: 'ml' }],
};

function compilationEvent(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown> = {}, physicalResourceId = 'existing',
  type = 'Custom::SageMakerCompilationJob') {
  return cloudFormation.event(requestType, properties, physicalResourceId, type);
}

const poll = () => ({ poll: { kind: 'compilation', waitHandleUrl: cloudFormation.url, jobName: NAME, ruleName: NAME } });
const notFound = Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });

beforeEach(() => eventBridge.reset());

describe('sagemaker-job handler: compilation jobs', () => {
  test('Create starts the job with its numbers restored and reports its name and ARN', async () => {
    // GIVEN
    sagemaker.on(DescribeCompilationJobCommand).rejects(notFound);
    sagemaker.on(CreateCompilationJobCommand).resolves({ CompilationJobArn: ARN });
    // WHEN
    await handler(compilationEvent('Create', { CompilationJob: COMPILATION_JOB }));
    // THEN
    const request = sagemaker.commandCalls(CreateCompilationJobCommand)[0].args[0].input;
    expect(request).toMatchObject({ CompilationJobName: NAME, StoppingCondition: { MaxRuntimeInSeconds: 3600 }, OutputConfig: { TargetDevice: 'ml_c5' } });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobName: NAME, JobArn: ARN },
    })]);
  });

  test('the request sent is CreateCompilationJob\'s shape: no field the API model lacks', async () => {
    sagemaker.on(DescribeCompilationJobCommand).rejects(notFound);
    sagemaker.on(CreateCompilationJobCommand).resolves({ CompilationJobArn: ARN });
    await handler(compilationEvent('Create', { CompilationJob: COMPILATION_JOB }));
    const request: CreateCompilationJobRequest = sagemaker.commandCalls(CreateCompilationJobCommand)[0].args[0].input;
    sagemaker.restore();
    expect(await sentBody(new CreateCompilationJobCommand(request))).toEqual(withoutUndefined(request));
    // The check has teeth: a misspelt field is not sent.
    const misspelt = { ...request, OutputConfig: { ...request.OutputConfig, TargetDevise: 'ml_c5' } } as CreateCompilationJobRequest;
    expect(await sentBody(new CreateCompilationJobCommand(misspelt))).not.toEqual(withoutUndefined(misspelt));
  });

  test('a duplicate Create (CloudFormation retry) does not start a second job', async () => {
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobArn: ARN, CompilationJobStatus: 'INPROGRESS' } as any);
    await handler(compilationEvent('Create', { CompilationJob: COMPILATION_JOB }));
    expect(sagemaker.commandCalls(CreateCompilationJobCommand)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobArn: ARN } });
  });

  test('a Create racing a retry of itself (ResourceInUse) reports the job the other started', async () => {
    sagemaker.on(DescribeCompilationJobCommand).rejectsOnce(notFound).resolves({ CompilationJobArn: ARN, CompilationJobStatus: 'STARTING' } as any);
    sagemaker.on(CreateCompilationJobCommand).rejects(Object.assign(new Error('exists'), { name: 'ResourceInUse' }));
    await handler(compilationEvent('Create', { CompilationJob: COMPILATION_JOB }));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobArn: ARN } });
  });

  test('Update with a new configuration (new name) starts the new job; with the same one, nothing', async () => {
    const renamed = { ...COMPILATION_JOB, CompilationJobName: 'platform-neo-1a2b3c4d-ffffffffffff' };
    sagemaker.on(DescribeCompilationJobCommand).rejects(notFound);
    sagemaker.on(CreateCompilationJobCommand).resolves({ CompilationJobArn: `${ARN}-new` });
    await handler(compilationEvent('Update', { CompilationJob: renamed }, NAME));
    expect(sagemaker.commandCalls(CreateCompilationJobCommand)[0].args[0].input.CompilationJobName).toBe(renamed.CompilationJobName);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: renamed.CompilationJobName });

    sagemaker.reset();
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobArn: ARN, CompilationJobStatus: 'COMPLETED' } as any);
    await handler(compilationEvent('Update', { CompilationJob: COMPILATION_JOB }, NAME));
    expect(sagemaker.commandCalls(CreateCompilationJobCommand)).toHaveLength(0);
  });

  test('Delete stops a running (or starting) job and leaves a finished one alone', async () => {
    for (const status of ['INPROGRESS', 'STARTING']) {
      sagemaker.reset();
      sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: status } as any);
      sagemaker.on(StopCompilationJobCommand).resolves({});
      await handler(compilationEvent('Delete', {}, NAME));
      expect(sagemaker.commandCalls(StopCompilationJobCommand)[0].args[0].input).toEqual({ CompilationJobName: NAME });
    }
    expect(cloudFormation.responses.every((response) => response.Status === 'SUCCESS')).toBe(true);

    sagemaker.reset();
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: 'COMPLETED' } as any);
    await handler(compilationEvent('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopCompilationJobCommand)).toHaveLength(0);
  });

  test('a poll of a running job signals nothing and keeps polling', async () => {
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: 'INPROGRESS' } as any);
    await handler(poll());
    expect(cloudFormation.responses).toHaveLength(0);
    expect(eventBridge.commandCalls(DisableRuleCommand)).toHaveLength(0);
  });

  test('a poll of a failed job signals FAILURE with the job\'s reason, then disables its schedule', async () => {
    sagemaker.on(DescribeCompilationJobCommand).resolves({
      CompilationJobStatus: 'FAILED', FailureReason: 'ClientError: InputConfiguration: Unable to load the PyTorch model',
    } as any);
    eventBridge.on(DisableRuleCommand).resolves({});
    await handler(poll());
    expect(cloudFormation.responses).toEqual([{
      Status: 'FAILURE', UniqueId: NAME, Data: 'Failed',
      Reason: `Compilation job ${NAME} failed: ClientError: InputConfiguration: Unable to load the PyTorch model`,
    }]);
    expect(eventBridge.commandCalls(DisableRuleCommand)[0].args[0].input).toEqual({ Name: NAME });
    // The reason came from the one Describe of the poll.
    expect(sagemaker.commandCalls(DescribeCompilationJobCommand)).toHaveLength(1);
  });

  test('a poll of a completed job signals SUCCESS and disables its schedule; a stopped one FAILURE', async () => {
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: 'COMPLETED' } as any);
    eventBridge.on(DisableRuleCommand).resolves({});
    await handler(poll());
    expect(cloudFormation.responses).toEqual([{ Status: 'SUCCESS', UniqueId: NAME, Reason: `Compilation job ${NAME} completed`, Data: 'Completed' }]);
    expect(eventBridge.commandCalls(DisableRuleCommand)).toHaveLength(1);

    sagemaker.reset();
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: 'STOPPED' } as any);
    await handler(poll());
    expect(cloudFormation.responses[1]).toMatchObject({ Status: 'FAILURE', Reason: `Compilation job ${NAME} stopped: no failure reason given` });
  });

  test('the compiled artifact is read from the completed job; a job without one fails the resource with why', async () => {
    sagemaker.on(DescribeCompilationJobCommand).resolves({
      CompilationJobStatus: 'COMPLETED', ModelArtifacts: { S3ModelArtifacts: `s3://b/compiled/${NAME}/model-ml_c5.tar.gz` },
    } as any);
    await handler(compilationEvent('Create', { CompilationJobName: NAME }, 'x', 'Custom::SageMakerCompiledArtifact'));
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { ModelData: `s3://b/compiled/${NAME}/model-ml_c5.tar.gz` },
    });

    sagemaker.reset();
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: 'FAILED', FailureReason: 'out of memory' } as any);
    await handler(compilationEvent('Create', { CompilationJobName: NAME }, 'x', 'Custom::SageMakerCompiledArtifact'));
    expect(cloudFormation.responses[1]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`Compilation job ${NAME} has no compiled artifact (FAILED: out of memory)`) });
  });
});
