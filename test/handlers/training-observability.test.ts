import { CreateTrainingJobCommand, CreateTrainingJobRequest, DescribeTrainingJobCommand, StopTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { handler } from '../../lib/handlers/sagemaker-job';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { JOB_NAME, jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const NAME = JOB_NAME;
const ARN = `arn:aws:sagemaker:eu-west-1:111122223333:training-job/${NAME}`;
const RULES_IMAGE = '929884845733.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-debugger-rules:latest';

/** A training job with a profiler and rules, as CloudFormation delivers it: every number and boolean a string. */
const TRAINING_JOB = {
  TrainingJobName: NAME,
  AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File', EnableSageMakerMetricsTimeSeries: 'true' },
  RoleArn: 'arn:aws:iam::111122223333:role/job',
  OutputDataConfig: { S3OutputPath: 's3://b/training/', KmsKeyId: 'key' },
  ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: '1', VolumeSizeInGB: '30', VolumeKmsKeyId: 'key' },
  StoppingCondition: { MaxRuntimeInSeconds: '86400' },
  HyperParameters: { k: '10' },
  EnableNetworkIsolation: 'true',
  EnableInterContainerTrafficEncryption: 'true',
  EnableManagedSpotTraining: 'false',
  ProfilerConfig: { S3OutputPath: 's3://b/training/', ProfilingIntervalInMilliseconds: '500' },
  ProfilerRuleConfigurations: [{
    RuleConfigurationName: 'LowGPUUtilization', RuleEvaluatorImage: RULES_IMAGE, S3OutputPath: 's3://b/training/',
    RuleParameters: { rule_to_invoke: 'LowGPUUtilization', threshold_p95: '70', patience: '1000' },
  }],
  DebugHookConfig: { S3OutputPath: 's3://b/training/' },
  DebugRuleConfigurations: [{
    RuleConfigurationName: 'Gradients', RuleEvaluatorImage: '864354269164.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rule-evaluator:latest',
    S3OutputPath: 's3://b/training/', InstanceType: 'ml.t3.medium', VolumeSizeInGB: '30',
    RuleParameters: { source_s3_uri: 's3://b/rules/gradients.py', rule_to_invoke: 'GradientsRule', threshold: '20' },
  }],
};

const notFound = Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });

describe('sagemaker-job handler: a training job\'s profiler and Debugger rules', () => {
  test('Create restores the profiling interval as a number and leaves rule parameters as strings', async () => {
    // GIVEN
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: ARN });
    // WHEN
    await handler(cloudFormation.event('Create', { TrainingJob: TRAINING_JOB }, 'existing', 'Custom::SageMakerTrainingJob'));
    // THEN
    const request = sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input;
    expect(request.ProfilerConfig).toEqual({ S3OutputPath: 's3://b/training/', ProfilingIntervalInMilliseconds: 500 });
    expect(request.ProfilerRuleConfigurations![0].RuleParameters).toEqual({ rule_to_invoke: 'LowGPUUtilization', threshold_p95: '70', patience: '1000' });
    expect(request.DebugRuleConfigurations![0]).toMatchObject({ VolumeSizeInGB: 30, RuleParameters: { threshold: '20' } });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
  });

  test('a disabled profiler is sent as the boolean DisableProfiler', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: ARN });
    const { ProfilerRuleConfigurations: _rules, ...withoutRules } = TRAINING_JOB;
    await handler(cloudFormation.event('Create', { TrainingJob: { ...withoutRules, ProfilerConfig: { DisableProfiler: 'true' } } },
      'existing', 'Custom::SageMakerTrainingJob'));
    expect(sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input.ProfilerConfig).toEqual({ DisableProfiler: true });
  });

  test('the request sent is CreateTrainingJob\'s shape: no profiler or rule field the API model lacks', async () => {
    sagemaker.on(DescribeTrainingJobCommand).rejects(notFound);
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: ARN });
    await handler(cloudFormation.event('Create', { TrainingJob: TRAINING_JOB }, 'existing', 'Custom::SageMakerTrainingJob'));
    const request: CreateTrainingJobRequest = sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input;
    sagemaker.restore();
    expect(await sentBody(new CreateTrainingJobCommand(request))).toEqual(withoutUndefined(request));
  });

  test('a rule that found issues stops a running job', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'InProgress' });
    sagemaker.on(StopTrainingJobCommand).resolves({});
    await handler({ stopForRuleIssues: { kind: 'training', jobName: NAME } });
    expect(sagemaker.commandCalls(StopTrainingJobCommand)[0].args[0].input).toEqual({ TrainingJobName: NAME });
    // Not a custom resource event: nothing is sent to CloudFormation.
    expect(cloudFormation.responses).toEqual([]);
  });

  test('a rule finding issues after the job ended stops nothing', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'Completed' });
    await handler({ stopForRuleIssues: { kind: 'training', jobName: NAME } });
    expect(sagemaker.commandCalls(StopTrainingJobCommand)).toHaveLength(0);
  });

  test('a job stopped for its rules signals FAILURE naming the rules and what they found', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({
      TrainingJobStatus: 'Stopped',
      ProfilerRuleEvaluationStatuses: [
        { RuleConfigurationName: 'LowGPUUtilization', RuleEvaluationStatus: 'IssuesFound', StatusDetails: 'GPU p95 below 70%' },
        { RuleConfigurationName: 'ProfilerReport', RuleEvaluationStatus: 'NoIssuesFound' },
      ],
      DebugRuleEvaluationStatuses: [{ RuleConfigurationName: 'LossNotDecreasing', RuleEvaluationStatus: 'IssuesFound' }],
    });
    await handler({ signal: { kind: 'training', waitHandleUrl: cloudFormation.url, jobName: NAME, status: 'Stopped' } });
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'FAILURE',
      Reason: `Training job ${NAME} stopped: rule LossNotDecreasing found issues | rule LowGPUUtilization found issues (GPU p95 below 70%)`,
    });
  });
});
