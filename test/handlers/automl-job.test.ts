import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateAutoMLJobV2Command, CreateAutoMLJobV2Request, CreateModelCommand, CreateModelInput, CreateModelPackageCommand, CreateModelPackageInput,
  DeleteModelCommand, DeleteModelPackageCommand, DescribeAutoMLJobV2Command, DescribeModelCommand, DescribeModelPackageCommand, StopAutoMLJobCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lib/handlers/sagemaker-job';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const eventBridge = mockClient(EventBridgeClient);
const NAME = 'platform-auto-0123456789ab';
const ARN = `arn:aws:sagemaker:eu-west-1:111122223333:automl-job/${NAME}`;
const MODEL = `${NAME}-abcdefabcdef`;

/** The request as CloudFormation delivers it: every number and boolean a string. */
const AUTOML_JOB = {
  AutoMLJobName: NAME,
  AutoMLJobInputDataConfig: [{
    ChannelType: 'training', ContentType: 'text/csv;header=present', CompressionType: 'None',
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/churn/train/' } },
  }],
  OutputDataConfig: { S3OutputPath: 's3://b/automl/platform-auto/', KmsKeyId: 'key' },
  AutoMLProblemTypeConfig: { TabularJobConfig: {
    TargetAttributeName: 'churned', ProblemType: 'BinaryClassification', Mode: 'ENSEMBLING',
    CompletionCriteria: { MaxCandidates: '10', MaxRuntimePerTrainingJobInSeconds: '3600', MaxAutoMLJobRuntimeInSeconds: '14400' },
  } },
  AutoMLJobObjective: { MetricName: 'AUC' },
  SecurityConfig: { VolumeKmsKeyId: 'key', EnableInterContainerTrafficEncryption: 'true', VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] } },
  RoleArn: 'arn:aws:iam::111122223333:role/auto',
  Tags: [{ Key: 'team', Value: 'ml' }],
};

/** The model resource's properties as CloudFormation delivers them. */
const MODEL_PROPERTIES = {
  AutoMLJobName: NAME, ModelName: MODEL, ExecutionRoleArn: 'arn:aws:iam::111122223333:role/model',
  VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] }, EnableNetworkIsolation: 'true',
};

const event = (requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown> = {}, physicalResourceId = 'existing',
  type = 'Custom::SageMakerAutoMLJob') => cloudFormation.event(requestType, properties, physicalResourceId, type);
const poll = () => ({ poll: { kind: 'automl', waitHandleUrl: cloudFormation.url, jobName: NAME, ruleName: NAME } });
const notFound = Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });
const container = (image: string) => ({ Image: image, ModelDataUrl: `s3://b/automl/${image}.tar.gz`, Environment: { SAGEMAKER_PROGRAM: image } });

beforeEach(() => eventBridge.reset());

describe('sagemaker-job handler: AutoML jobs', () => {
  test('Create starts the job with numbers and booleans restored', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).rejects(notFound);
    sagemaker.on(CreateAutoMLJobV2Command).resolves({ AutoMLJobArn: ARN });
    await handler(event('Create', { AutoMLJob: AUTOML_JOB }));
    const request = sagemaker.commandCalls(CreateAutoMLJobV2Command)[0].args[0].input;
    expect(request.AutoMLProblemTypeConfig?.TabularJobConfig?.CompletionCriteria).toEqual({
      MaxCandidates: 10, MaxRuntimePerTrainingJobInSeconds: 3600, MaxAutoMLJobRuntimeInSeconds: 14400,
    });
    expect(request.SecurityConfig?.EnableInterContainerTrafficEncryption).toBe(true);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobName: NAME, JobArn: ARN } })]);
  });

  test('the request sent is CreateAutoMLJobV2\'s shape: no field the API model lacks', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).rejects(notFound);
    sagemaker.on(CreateAutoMLJobV2Command).resolves({ AutoMLJobArn: ARN });
    await handler(event('Create', { AutoMLJob: AUTOML_JOB }));
    const request: CreateAutoMLJobV2Request = sagemaker.commandCalls(CreateAutoMLJobV2Command)[0].args[0].input;
    sagemaker.restore();
    expect(await sentBody(new CreateAutoMLJobV2Command(request))).toEqual(withoutUndefined(request));
    const misspelt = { ...request, SecurityConfig: { ...request.SecurityConfig, EnableNetworkIsolation: true } } as CreateAutoMLJobV2Request;
    expect(await sentBody(new CreateAutoMLJobV2Command(misspelt))).not.toEqual(withoutUndefined(misspelt));
  });

  test('a duplicate Create does not start a second job; an Update with a new name starts the new one', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobArn: ARN, AutoMLJobStatus: 'InProgress' });
    await handler(event('Create', { AutoMLJob: AUTOML_JOB }));
    expect(sagemaker.commandCalls(CreateAutoMLJobV2Command)).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { JobArn: ARN } });

    sagemaker.reset();
    const renamed = { ...AUTOML_JOB, AutoMLJobName: 'platform-auto-ffffffffffff' };
    sagemaker.on(DescribeAutoMLJobV2Command).rejects(notFound);
    sagemaker.on(CreateAutoMLJobV2Command).resolves({ AutoMLJobArn: `${ARN}-new` });
    await handler(event('Update', { AutoMLJob: renamed }, NAME));
    expect(sagemaker.commandCalls(CreateAutoMLJobV2Command)[0].args[0].input.AutoMLJobName).toBe(renamed.AutoMLJobName);
    expect(cloudFormation.responses[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: renamed.AutoMLJobName });
  });

  test('Delete stops a running job and leaves a finished one alone', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'InProgress' });
    sagemaker.on(StopAutoMLJobCommand).resolves({});
    await handler(event('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopAutoMLJobCommand)[0].args[0].input).toEqual({ AutoMLJobName: NAME });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });

    sagemaker.reset();
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'Completed' });
    await handler(event('Delete', {}, NAME));
    expect(sagemaker.commandCalls(StopAutoMLJobCommand)).toHaveLength(0);
  });

  test('a poll of a failed job signals FAILURE with its reason and the candidates\' partial failures, then disables its schedule', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({
      AutoMLJobStatus: 'Failed', FailureReason: 'No candidate completed',
      PartialFailureReasons: [{ PartialFailureMessage: 'Target column churned not found' }],
    });
    eventBridge.on(DisableRuleCommand).resolves({});
    await handler(poll());
    expect(cloudFormation.responses).toEqual([{
      Status: 'FAILURE', UniqueId: NAME, Data: 'Failed',
      Reason: `AutoML job ${NAME} failed: No candidate completed | Target column churned not found`,
    }]);
    expect(eventBridge.commandCalls(DisableRuleCommand)[0].args[0].input).toEqual({ Name: NAME });
  });

  test('a poll of a running job signals nothing; of a completed one, SUCCESS', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'InProgress' });
    await handler(poll());
    expect(cloudFormation.responses).toHaveLength(0);
    sagemaker.reset();
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'Completed' });
    eventBridge.on(DisableRuleCommand).resolves({});
    await handler(poll());
    expect(cloudFormation.responses).toEqual([{ Status: 'SUCCESS', UniqueId: NAME, Reason: `AutoML job ${NAME} completed`, Data: 'Completed' }]);
  });

  test('the best candidate of several containers becomes a serial model in the VPC with network isolation', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({
      AutoMLJobStatus: 'Completed',
      BestCandidate: {
        CandidateName: 'churn-auto-xgb-3', FinalAutoMLJobObjectiveMetric: { MetricName: 'validation:auc', Value: 0.91 } as any,
        InferenceContainers: [container('transform'), container('xgboost'), container('inverse-label')],
      } as any,
    });
    sagemaker.on(DescribeModelCommand).rejects(notFound);
    sagemaker.on(CreateModelCommand).resolves({ ModelArn: `arn:model/${MODEL}` });
    await handler(event('Create', MODEL_PROPERTIES, 'x', 'Custom::SageMakerAutoMLModel'));
    const request: CreateModelInput = sagemaker.commandCalls(CreateModelCommand)[0].args[0].input;
    expect(request).toMatchObject({
      ModelName: MODEL, ExecutionRoleArn: MODEL_PROPERTIES.ExecutionRoleArn, EnableNetworkIsolation: true,
      InferenceExecutionConfig: { Mode: 'Serial' }, VpcConfig: MODEL_PROPERTIES.VpcConfig,
    });
    expect(request.Containers?.map((c) => c.Image)).toEqual(['transform', 'xgboost', 'inverse-label']);
    expect(request.PrimaryContainer).toBeUndefined();
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'SUCCESS', PhysicalResourceId: MODEL,
      Data: { ModelName: MODEL, BestCandidateName: 'churn-auto-xgb-3', BestCandidateMetricName: 'validation:auc', BestCandidateMetric: '0.91', ContainerCount: '3' },
    });
    // CreateModel's shape
    sagemaker.restore();
    expect(await sentBody(new CreateModelCommand(request))).toEqual(withoutUndefined(request));
  });

  test('one container is the primary one; a model that exists (a retried Create) is not made again', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({
      AutoMLJobStatus: 'Completed', BestCandidate: { CandidateName: 'c1', InferenceContainers: [container('autogluon')] } as any,
    });
    sagemaker.on(DescribeModelCommand).rejects(notFound);
    sagemaker.on(CreateModelCommand).resolves({});
    await handler(event('Create', MODEL_PROPERTIES, 'x', 'Custom::SageMakerAutoMLModel'));
    const request = sagemaker.commandCalls(CreateModelCommand)[0].args[0].input;
    expect(request.PrimaryContainer?.Image).toBe('autogluon');
    expect(request.Containers).toBeUndefined();

    sagemaker.on(DescribeModelCommand).resolves({ ModelName: MODEL });
    await handler(event('Create', MODEL_PROPERTIES, 'x', 'Custom::SageMakerAutoMLModel'));
    expect(sagemaker.commandCalls(CreateModelCommand)).toHaveLength(1);
    expect(cloudFormation.responses[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: MODEL });
  });

  test('a job without a best candidate fails the model resource with why; Delete removes the model', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'Stopped', FailureReason: 'stopped by user' });
    await handler(event('Create', MODEL_PROPERTIES, 'x', 'Custom::SageMakerAutoMLModel'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`AutoML job ${NAME} has no best candidate to serve (Stopped: stopped by user)`) });

    sagemaker.reset();
    sagemaker.on(DescribeModelCommand).resolves({ ModelName: MODEL });
    sagemaker.on(DeleteModelCommand).resolves({});
    await handler(event('Delete', MODEL_PROPERTIES, MODEL, 'Custom::SageMakerAutoMLModel'));
    expect(sagemaker.commandCalls(DeleteModelCommand)[0].args[0].input).toEqual({ ModelName: MODEL });
    expect(cloudFormation.responses[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: MODEL });
  });
});

describe('sagemaker-job handler: registering an AutoML job\'s best candidate', () => {
  const REGISTRATION = {
    AutoMLJobName: NAME, ModelPackageGroupName: 'churn', ModelApprovalStatus: 'PendingManualApproval',
    InstanceTypes: ['ml.m5.large', 'ml.c5.xlarge'], KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
  };
  const VERSION = 'arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn/3';
  const completed = () => sagemaker.on(DescribeAutoMLJobV2Command).resolves({
    AutoMLJobStatus: 'Completed', AutoMLJobArn: ARN,
    BestCandidate: { CandidateName: 'churn-auto-xgb-3', InferenceContainers: [container('transform'), container('xgboost'), container('inverse-label')] } as any,
  });

  test('Create registers the candidate\'s containers (environment included) with the job as lineage and the key, in CreateModelPackage\'s shape', async () => {
    // GIVEN a completed job
    completed();
    sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: VERSION });
    // WHEN
    await handler(event('Create', REGISTRATION, 'x', 'Custom::SageMakerAutoMLModelPackage'));
    // THEN
    const request: CreateModelPackageInput = sagemaker.commandCalls(CreateModelPackageCommand)[0].args[0].input;
    expect(request).toMatchObject({
      ModelPackageGroupName: 'churn', ModelApprovalStatus: 'PendingManualApproval',
      MetadataProperties: { GeneratedBy: ARN }, SecurityConfig: { KmsKeyId: REGISTRATION.KmsKeyId },
      InferenceSpecification: { SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'], SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large', 'ml.c5.xlarge'] },
    });
    expect(request.InferenceSpecification?.Containers).toEqual([container('transform'), container('xgboost'), container('inverse-label')]);
    expect(request.ClientToken).toMatch(/^[0-9a-f]{36}$/);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: VERSION, Data: { ModelPackageArn: VERSION, BestCandidateName: 'churn-auto-xgb-3' } });
    sagemaker.restore();
    expect(await sentBody(new CreateModelPackageCommand(request))).toEqual(withoutUndefined(request));
  });

  test('a retried Create sends the same ClientToken (no second version); other properties, another', async () => {
    completed();
    sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: VERSION });
    await handler(event('Create', REGISTRATION, 'x', 'Custom::SageMakerAutoMLModelPackage'));
    await handler(event('Create', REGISTRATION, 'x', 'Custom::SageMakerAutoMLModelPackage'));
    await handler(event('Update', { ...REGISTRATION, ModelApprovalStatus: 'Approved' }, VERSION, 'Custom::SageMakerAutoMLModelPackage'));
    const tokens = sagemaker.commandCalls(CreateModelPackageCommand).map((call) => call.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  test('a job without a best candidate fails the registration with why; Delete removes the version if it exists', async () => {
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'Failed', FailureReason: 'no candidate' });
    await handler(event('Create', REGISTRATION, 'x', 'Custom::SageMakerAutoMLModelPackage'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`AutoML job ${NAME} has no best candidate to register (Failed: no candidate)`) });
    expect(sagemaker.commandCalls(CreateModelPackageCommand)).toHaveLength(0);

    sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: VERSION } as any);
    sagemaker.on(DeleteModelPackageCommand).resolves({});
    await handler(event('Delete', REGISTRATION, VERSION, 'Custom::SageMakerAutoMLModelPackage'));
    expect(sagemaker.commandCalls(DeleteModelPackageCommand)[0].args[0].input).toEqual({ ModelPackageName: VERSION });
  });
});
