import { CreateAutoMLJobV2Command } from '@aws-sdk/client-sagemaker';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SecureBucket } from '../../lib/core/storage';
import { createRequest } from '../../lib/handlers/sagemaker-job/request';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { AutoMLInput, AutoMLMetric, AutoMLMode, AutoMLProblemType } from '../../lib/jobs/automl-input';
import { AutoMLModel, AutoMLModelProps } from '../../lib/jobs/automl-model';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { ModelApprovalStatus } from '../../lib/registry/model-approval-status';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { newStack, unacknowledgedFindings } from '../helpers/nag';
import { synthError } from '../helpers/synth-error';

function autopilot(overrides: Partial<AutoMLModelProps> = {}, stack: Stack = newStack()) {
  const data = new SecureBucket(stack, 'Data');
  const auto = new AutoMLModel(stack, 'Auto', {
    data: AutoMLInput.csv(data.bucket, 'churn/train/'),
    target: 'churned',
    problemType: AutoMLProblemType.BINARY_CLASSIFICATION,
    objectiveMetric: AutoMLMetric.AUC,
    ...overrides,
  });
  return { stack, data, auto, get template() { return Template.fromStack(stack); } };
}

function autoMLRequest(template: Template): any {
  const [resource] = Object.values(template.findResources('Custom::SageMakerAutoMLJob')) as any[];
  return JSON.parse(JSON.stringify(resource.Properties.AutoMLJob));
}

describe('AutoMLModel defaults', () => {
  test('the AutoML job learns from the CSV prefix in the VPC with inter-container encryption, KMS and runtime limits', () => {
    // GIVEN / WHEN
    const { auto, template } = autopilot();
    // THEN
    const request = autoMLRequest(template);
    expect(request).toMatchObject({
      AutoMLJobName: auto.autoMLJobName,
      AutoMLJobInputDataConfig: [{ ChannelType: 'training', ContentType: 'text/csv;header=present', CompressionType: 'None',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix' } } }],
      OutputDataConfig: { KmsKeyId: expect.anything() },
      AutoMLProblemTypeConfig: { TabularJobConfig: {
        TargetAttributeName: 'churned', ProblemType: 'BinaryClassification', Mode: 'ENSEMBLING',
        CompletionCriteria: { MaxCandidates: 10, MaxRuntimePerTrainingJobInSeconds: 3600, MaxAutoMLJobRuntimeInSeconds: 14400 },
      } },
      AutoMLJobObjective: { MetricName: 'AUC' },
      SecurityConfig: { VolumeKmsKeyId: expect.anything(), EnableInterContainerTrafficEncryption: true, VpcConfig: { SecurityGroupIds: [expect.anything()] } },
    });
    expect(auto.autoMLJobName.length).toBeLessThanOrEqual(32);
  });

  test('SageMaker sends no AutoML event: the handler polls every 2 minutes, then makes a model of the best candidate', () => {
    const { auto, stack, template } = autopilot();
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: Match.anyValue() }, 0);
    template.hasResourceProperties('AWS::Events::Rule', { Name: auto.autoMLJobName, ScheduleExpression: 'rate(2 minutes)' });
    const [[modelId, model]] = Object.entries(template.findResources('Custom::SageMakerAutoMLModel')) as any;
    expect(model.Properties).toMatchObject({
      AutoMLJobName: auto.autoMLJobName,
      ModelName: expect.stringMatching(new RegExp(`^${auto.autoMLJobName}-[0-9a-f]{12}$`)),
      EnableNetworkIsolation: true,
      VpcConfig: { SecurityGroupIds: [expect.anything()] },
      ExecutionRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^AutoModelRole/), 'Arn'] },
    });
    expect(model.DependsOn.some((id: string) => id.startsWith('AutoJobWait'))).toBe(true);
    expect(stack.resolve(auto.bestCandidateMetric)).toEqual({ 'Fn::GetAtt': [modelId, 'BestCandidateMetric'] });
    expect(stack.resolve(auto.modelName)).toEqual({ 'Fn::GetAtt': [modelId, 'ModelName'] });
  });

  test('the handler may create and delete only that model and pass only its role', () => {
    const { template } = autopilot();
    const [model] = Object.values(template.findResources('Custom::SageMakerAutoMLModel')) as any[];
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Description: 'Permissions of TestStack/SageMakerDeployTimeSagemakerJob/Role' },
    }));
    expect(policies).toContain('"sagemaker:AddTags","sagemaker:CreateModel","sagemaker:DeleteModel","sagemaker:DescribeModel"');
    expect(policies).toContain(`:model/${model.Properties.ModelName}`);
    expect(policies).toContain('events:DisableRule');
  });

  test('default configuration has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = autopilot();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('the request is valid against the SageMaker API model after the handler restores its types', async () => {
    const stack = newStack();
    autopilot({
      data: AutoMLInput.parquet(new SecureBucket(stack, 'Parquet').bucket, 'p/', { gzip: true }),
      mode: AutoMLMode.HYPERPARAMETER_TUNING, maxCandidates: 50, maxRuntimePerCandidate: Duration.minutes(20), maxRuntime: Duration.hours(6),
      tags: { team: 'ml' },
    }, stack);
    const delivered = JSON.parse(JSON.stringify(autoMLRequest(Template.fromStack(stack)),
      (_key, value) => typeof value === 'number' || typeof value === 'boolean' ? String(value) : value));
    const request = createRequest<any>(delivered, 'AutoMLJobName');
    expect(await sentBody(new CreateAutoMLJobV2Command(request))).toEqual(withoutUndefined(request));
    expect(request.AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria).toEqual({
      MaxCandidates: 50, MaxRuntimePerTrainingJobInSeconds: 1200, MaxAutoMLJobRuntimeInSeconds: 21600,
    });
    expect(request.SecurityConfig.EnableInterContainerTrafficEncryption).toBe(true);
    expect(request.AutoMLJobInputDataConfig[0]).toMatchObject({ ContentType: 'x-application/vnd.amazon+parquet', CompressionType: 'Gzip' });
  });

  test('MonitoredEndpoint serves the best candidate\'s model, run by the model role', () => {
    const { auto, stack } = autopilot();
    new MonitoredEndpoint(stack, 'Endpoint', { model: auto, endpointName: 'churn-auto' });
    const template = Template.fromStack(stack);
    const [modelId] = Object.keys(template.findResources('Custom::SageMakerAutoMLModel'));
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ ModelName: { 'Fn::GetAtt': [modelId, 'ModelName'] } })],
    });
  });
});

describe('AutoMLModel bad input', () => {
  test('an empty target column is a synth error', () => {
    expect(synthError(() => autopilot({ target: '  ' })))
      .toMatch(/AutoMLModel at 'TestStack\/Auto'[\s\S]*target: got " {2}"; allowed: the name of the column to predict \(not empty\)/);
  });

  test('an objective metric that does not fit the problem type is a synth error listing those that do', () => {
    expect(synthError(() => autopilot({ problemType: AutoMLProblemType.REGRESSION, objectiveMetric: AutoMLMetric.AUC })))
      .toMatch(/objectiveMetric: got "AUC"; allowed: for Regression, one of MAE, MSE, R2, RMSE/);
    expect(synthError(() => autopilot({ problemType: AutoMLProblemType.MULTICLASS_CLASSIFICATION, objectiveMetric: AutoMLMetric.F1 })))
      .toMatch(/objectiveMetric: got "F1"; allowed: for MulticlassClassification, one of Accuracy, BalancedAccuracy, F1macro, PrecisionMacro, RecallMacro/);
    expect(synthError(() => autopilot({ problemType: undefined, objectiveMetric: AutoMLMetric.MSE })))
      .toMatch(/objectiveMetric: got "MSE"; allowed: no objective metric unless problemType is given/);
  });

  test('candidate counts and runtimes out of range, all at once', () => {
    const message = synthError(() => autopilot({ maxCandidates: 0, maxRuntime: Duration.hours(13), maxRuntimePerCandidate: Duration.seconds(30) }));
    expect(message).toMatch(/maxCandidates: got 0; allowed: a whole number from 1 to 750/);
    expect(message).toMatch(/maxRuntime: got "13 hours"; allowed: from 1 minute to 12 hours/);
    expect(message).toMatch(/maxRuntimePerCandidate: got "30 seconds"; allowed: at least 1 minute/);
  });
});

describe('AutoMLModel.registerIn', () => {
  test('registers the best candidate in the registry once the model exists: group, approval, instance types and key; the handler may create only that group\'s versions', () => {
    // GIVEN an Autopilot model and a registry
    const { stack, auto } = autopilot();
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
    // WHEN
    const arn = auto.registerIn(registry, { approval: ModelApprovalStatus.APPROVED });
    // THEN
    const template = Template.fromStack(stack);
    const [id, registration] = Object.entries(template.findResources('Custom::SageMakerAutoMLModelPackage'))[0] as [string, any];
    expect(registration.Properties).toEqual({
      ServiceToken: expect.anything(), ServiceTimeout: expect.any(String), AutoMLJobName: stack.resolve(auto.autoMLJobName), ModelPackageGroupName: 'churn', ModelApprovalStatus: 'Approved',
      InstanceTypes: ['ml.m5.large', 'ml.m5.xlarge', 'ml.c5.xlarge', 'ml.c5.2xlarge'], KmsKeyId: JSON.parse(JSON.stringify(stack.resolve(auto.encryptionKey.keyArn))),
    });
    expect(stack.resolve(arn)).toEqual({ 'Fn::GetAtt': [id, 'ModelPackageArn'] });
    // after the best candidate's model (so after the job) and the group
    const [modelId] = Object.keys(template.findResources('Custom::SageMakerAutoMLModel'));
    expect(registration.DependsOn).toEqual(expect.arrayContaining([modelId, expect.stringMatching(/^Registry/)]));
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const create = statements.find((s: any) => [s.Action].flat().includes('sagemaker:CreateModelPackage'));
    expect(JSON.stringify(create.Resource)).toContain(':model-package/churn/*');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});
