import { CfnParameter, CfnResource, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerNetwork } from '../../lib/core/network';
import { Feature } from '../../lib/feature-store/feature';
import { FeatureStore } from '../../lib/feature-store/feature-store';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SecureBucket } from '../../lib/core/storage';
import { DeploymentStrategy } from '../../lib/inference/deployment';
import { DataQualityMonitor, MonitoringBaseline } from '../../lib/inference/model-monitor';
import { MonitoredEndpoint, MonitoredEndpointProps } from '../../lib/inference/monitored-endpoint';
import { ServableModel } from '../../lib/models/servable-model';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function endpointFor(overrides: Partial<MonitoredEndpointProps> = {}) {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'KMeans', {
    algorithm: Algorithm.kmeans(),
    inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')],
    hyperparameters: { k: '10', feature_dim: '784' },
  });
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', { model: job, ...overrides });
  return { stack, data, job, endpoint, template: Template.fromStack(stack) };
}

describe('MonitoredEndpoint defaults', () => {
  test('one variant of 2 instances, KMS on volumes, encrypted capture of 20 % with text content types', () => {
    // GIVEN / WHEN
    const { stack, endpoint, template } = endpointFor();
    // THEN
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ VariantName: 'AllTraffic', InitialInstanceCount: 2, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 })],
      KmsKeyId: key,
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 20,
        DestinationS3Uri: { 'Fn::Join': ['', ['s3://', stack.resolve(endpoint.captureBucket!.bucketName), `/capture/${endpoint.endpointName}/`]] },
        KmsKeyId: key,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json', 'application/jsonlines'] },
      },
    });
  });

  test('a trained artifact is served by an isolated model in the VPC, created after the job', () => {
    const { stack, job, template } = endpointFor();
    const [modelId, model] = Object.entries(template.findResources('AWS::SageMaker::Model'))[0] as [string, any];
    expect(model.Properties).toMatchObject({ EnableNetworkIsolation: true, VpcConfig: expect.any(Object) });
    expect(JSON.stringify(model.Properties.PrimaryContainer.ModelDataUrl)).toContain(`/${job.modelDataKey}`);
    expect(model.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^KMeansJobWait/)]));
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ ModelName: { 'Fn::GetAtt': [modelId, 'ModelName'] } })],
    });
    void stack;
  });

  test('updates are guarded: all at once with a bake, rolling back on the 5XX and latency alarms', () => {
    const { stack, endpoint, template } = endpointFor();
    expect(endpoint.rollbackAlarms).toHaveLength(2);
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: endpoint.endpointName,
      DeploymentConfig: {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 300 } },
        AutoRollbackConfiguration: { Alarms: endpoint.rollbackAlarms.map((alarm) => ({ AlarmName: stack.resolve(alarm.alarmName) })) },
      },
    });
  });

  test('alarms on 5XX, p99 latency, 4XX, CPU, memory and disk notify a KMS-encrypted topic', () => {
    const { stack, endpoint, template } = endpointFor();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency', Namespace: 'AWS/SageMaker', ExtendedStatistic: 'p99', Threshold: 1000000,
      Dimensions: [{ Name: 'EndpointName', Value: endpoint.endpointName }, { Name: 'VariantName', Value: 'AllTraffic' }],
      AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors', Statistic: 'Sum', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DiskUtilization', Namespace: '/aws/sagemaker/Endpoints', Threshold: 80 });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: stack.resolve(endpoint.encryptionKey.keyArn) });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
  });

  test('one dashboard with invocations, latency percentiles, errors, utilization and alarms', () => {
    const { template } = endpointFor();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const word of ['Invocations', 'ModelLatency', 'p99', 'Invocation5XXErrors', 'CPUUtilization', 'GPUUtilization', 'Alarms']) {
      expect(body).toContain(word);
    }
  });

  test('the model role may write the captures; grantInvoke gives invoke on this endpoint only', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const job = new SecureTrainingJob(stack, 'KMeans', {
      algorithm: Algorithm.kmeans(), inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')], hyperparameters: { k: '10', feature_dim: '784' },
    });
    const endpoint = new MonitoredEndpoint(stack, 'Endpoint', { model: job });
    const caller = new ManagedPolicyRole(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    endpoint.grantInvoke(caller);
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [stack.resolve(caller.roleName)],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream'], Resource: stack.resolve(endpoint.endpointArn) })] },
    });
    const [modelRoleId] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('model of TestStack/KMeans') } }));
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(endpoint.captureBucket!.bucketName),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Principal: { AWS: { 'Fn::GetAtt': [modelRoleId, 'Arn'] } },
        Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', Match.arrayWith([`/capture/${endpoint.endpointName}/*`])] },
      })]) },
    });
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const { stack } = endpointFor();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('MonitoredEndpoint features', () => {
  test('autoscaling tracks invocations per instance (and CPU) with cooldowns and schedules', () => {
    const { endpoint, template } = endpointFor({
      autoScaling: {
        maxCapacity: 8, targetInvocationsPerInstance: 300, targetCpuUtilization: 70,
        schedules: [{ schedule: appscaling.Schedule.cron({ hour: '8', minute: '0' }), minCapacity: 4 }],
      },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ResourceId: `endpoint/${endpoint.endpointName}/variant/AllTraffic`,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 2,
      MaxCapacity: 8,
      ScheduledActions: [Match.objectLike({ ScalableTargetAction: { MinCapacity: 4 } })],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 300, ScaleInCooldown: 300, ScaleOutCooldown: 60,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ CustomizedMetricSpecification: Match.objectLike({ MetricName: 'CPUUtilization' }), TargetValue: 70 }),
    });
  });

  test('updates of an autoscaled endpoint keep the scaled instance counts; weights and capture come from the config', () => {
    // GIVEN / WHEN
    const scaled = endpointFor({ autoScaling: { maxCapacity: 8 } }).template;
    const fixed = endpointFor().template;
    // THEN
    scaled.hasResourceProperties('AWS::SageMaker::Endpoint', {
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }, { VariantPropertyType: 'DataCaptureConfig' }],
      DeploymentConfig: Match.objectLike({ AutoRollbackConfiguration: Match.anyValue() }),
    });
    fixed.hasResourceProperties('AWS::SageMaker::Endpoint', { RetainAllVariantProperties: Match.absent(), ExcludeRetainedVariantProperties: Match.absent() });
  });

  test('the revision given to the model changes with the retained properties, not for endpoints without autoscaling', () => {
    const revisionOf = (overrides: Partial<MonitoredEndpointProps>) => {
      const stack = newStack();
      let revision: string | undefined;
      new MonitoredEndpoint(stack, 'Endpoint', {
        model: { bindForServing: (_scope, options) => { revision = options?.revision; return { modelName: 'm' }; } },
        endpointName: 'churn',
        ...overrides,
      });
      return stack.resolve(revision);
    };
    expect(revisionOf({})).toEqual(revisionOf({}));
    expect(revisionOf({ autoScaling: { maxCapacity: 8 } })).not.toEqual(revisionOf({}));
  });

  test('canary, linear and rolling deployments render SageMaker\'s guardrail settings', () => {
    const canary = endpointFor({ deployment: DeploymentStrategy.canary({ canaryPercent: 10, bake: Duration.minutes(10), timeout: Duration.hours(1) }) }).template;
    canary.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } }, MaximumExecutionTimeoutInSeconds: 3600 },
      }),
    });
    endpointFor({ deployment: DeploymentStrategy.linear({ stepPercent: 20, bake: Duration.minutes(5) }) }).template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'LINEAR', WaitIntervalInSeconds: 300, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 20 } } } }),
    });
    endpointFor({ deployment: DeploymentStrategy.rolling({ batchPercent: 25, bake: Duration.minutes(2) }) }).template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({ RollingUpdatePolicy: { MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 120 } }),
    });
  });

  test('A/B variants with weights, a shadow variant, timeouts and a GPU alarm', () => {
    const { template } = endpointFor({
      variants: [{ name: 'A', weight: 9 }, { name: 'B', weight: 1, instanceType: InstanceType.ML_G5_XLARGE }],
      shadowVariants: [{ name: 'Shadow', initialInstanceCount: 2 }],
      containerStartupTimeout: Duration.minutes(10),
      modelDownloadTimeout: Duration.minutes(15),
    });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({ VariantName: 'A', InitialVariantWeight: 9, ContainerStartupHealthCheckTimeoutInSeconds: 600, ModelDataDownloadTimeoutInSeconds: 900 }),
        Match.objectLike({ VariantName: 'B', InitialVariantWeight: 1, InstanceType: 'ml.g5.xlarge' }),
      ],
      ShadowProductionVariants: [Match.objectLike({ VariantName: 'Shadow' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'GPUUtilization', Dimensions: Match.arrayWith([{ Name: 'VariantName', Value: 'B' }]) });
  });

  test('a serverless endpoint: no volume key, no capture, no guardrail', () => {
    const { template } = endpointFor({ variants: [{ name: 'Serverless', serverless: { memorySizeMb: 2048, maxConcurrency: 20, provisionedConcurrency: 2 } }], disableDataCapture: true });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20, ProvisionedConcurrency: 2 } })],
      KmsKeyId: Match.absent(),
      DataCaptureConfig: Match.absent(),
    });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { DeploymentConfig: Match.absent() });
  });

  test('Model Monitor: a deploy-time baseline, an hourly, isolated, encrypted data-quality schedule and drift alarms', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
      model: ServableModel.fromModelName('existing-model'),
      monitoring: { baseline: MonitoringBaseline.fromDataset(data.bucket, 'baseline/'), driftAlarmFeatures: ['age'], driftThreshold: 0.2 },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/Endpoints/data-metrics',
      MetricName: 'feature_baseline_drift_age',
      Dimensions: [{ Name: 'Endpoint', Value: endpoint.endpointName }, { Name: 'MonitoringSchedule', Value: `${endpoint.endpointName}-data-quality` }],
      Threshold: 0.2,
      AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
    });
    expect(JSON.stringify(template.toJSON())).toContain('Drift from the baseline');
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    const network = Match.objectLike({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: Match.anyValue() });
    // The baseline is a deploy-time job: the deploy waits for it, and fails with its reason.
    template.hasResourceProperties('Custom::SageMakerProcessingJob', { ProcessingJob: Match.objectLike({
      NetworkConfig: network,
      ProcessingResources: { ClusterConfig: Match.objectLike({ VolumeKmsKeyId: key }) },
      ProcessingOutputConfig: Match.objectLike({ KmsKeyId: key }),
      Environment: Match.objectLike({ dataset_format: '{"csv":{"header":false}}' }),
      AppSpecification: { ImageUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::FindInMap': ['SageMakerModelMonitorAnalyzerRegistries', { Ref: 'AWS::Region' }, 'account'] }])] } },
    }) });
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      NetworkConfig: network,
      DataQualityJobInput: { EndpointInput: Match.objectLike({ EndpointName: endpoint.endpointName }) },
      DataQualityBaselineConfig: { StatisticsResource: { S3Uri: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('baseline/statistics.json')])] } }, ConstraintsResource: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleConfig: Match.objectLike({ MonitoringType: 'DataQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } }),
    });
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('metrics carry the endpoint and variant', () => {
    const { stack, endpoint } = endpointFor();
    expect(stack.resolve(endpoint.metricModelLatency().dimensions)).toEqual({ EndpointName: endpoint.endpointName, VariantName: 'AllTraffic' });
    expect(endpoint.metricModelLatency().statistic).toBe('p99');
    expect(endpoint.metricCpuUtilization().namespace).toBe('/aws/sagemaker/Endpoints');
  });
});

describe('MonitoredEndpoint rejects bad input at synth', () => {
  const expectError = (overrides: Partial<MonitoredEndpointProps>, message: RegExp) => expect(() => endpointFor(overrides)).toThrow(message);

  test('all weights zero and duplicate variant names', () => {
    expectError({ variants: [{ name: 'A', weight: 0 }, { name: 'A', weight: 0 }] },
      /variants\[\].name: got "A"; allowed: each variant name once[\s\S]*variants\[\].weight: got \[0,0\]; allowed: at least one weight above 0/);
  });

  test('serverless with data capture, autoscaling or a guardrail', () => {
    expectError({
      variants: [{ name: 'S', serverless: { memorySizeMb: 2048, maxConcurrency: 5 } }],
      autoScaling: { maxCapacity: 4 },
      deployment: DeploymentStrategy.canary({ canaryPercent: 10, bake: Duration.minutes(5) }),
    }, /disableDataCapture: got nothing; allowed: true: SageMaker does not capture data of serverless variants[\s\S]*deployment: got "CANARY"; allowed: nothing: deployment guardrails do not support serverless[\s\S]*autoScaling: got "autoscaling"; allowed: instance-backed variants/);
  });

  test('minCapacity above maxCapacity, sampling outside 0-100, one instance without the opt-out', () => {
    let message = '';
    try {
      endpointFor({ autoScaling: { minCapacity: 5, maxCapacity: 3 }, dataCapture: { samplingPercentage: 120 }, variants: [{ name: 'A', initialInstanceCount: 1 }] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/autoScaling.minCapacity: got 5; allowed: at most maxCapacity \(3\)/);
    expect(message).toMatch(/dataCapture.samplingPercentage: got 120; allowed: a whole number from 0 to 100/);
    expect(message).toMatch(/variants\[A\].initialInstanceCount: got 1; allowed: at least 2, across Availability Zones \(allowSingleInstance: true/);
    expect(() => endpointFor({ variants: [{ name: 'A', initialInstanceCount: 1 }], allowSingleInstance: true })).not.toThrow();
  });

  test('an endpoint name SageMaker rejects', () => {
    expectError({ endpointName: 'bad_name-' }, /endpointName: got "bad_name-"; allowed: 1 to 63 letters, digits or "-"/);
  });

  test('more than 10 variants', () => {
    expectError({ variants: Array.from({ length: 11 }, (_, i) => ({ name: `v${i}` })) }, /variants: got "11 variants"; allowed: 1 to 10 production variants/);
  });

  test('guardrail settings outside SageMaker\'s limits', () => {
    expectError({ deployment: DeploymentStrategy.canary({ canaryPercent: 60, bake: Duration.hours(2), timeout: Duration.minutes(5) }) },
      /deployment.canaryPercent: got "60"; allowed: 1 to 50 percent[\s\S]*deployment.bake: got "2 hours"; allowed: 0 to 3600 seconds[\s\S]*deployment.timeout: got "5 minutes"; allowed: 600 to 28800 seconds/);
    expectError({ deployment: DeploymentStrategy.linear({ stepPercent: 5, bake: Duration.minutes(1) }) }, /deployment.stepPercent: got "5"; allowed: 10 to 50 percent/);
  });
});

describe('MonitoredEndpoint names', () => {
  test('the monitor\'s names stay within SageMaker\'s pattern for the longest endpoint names', () => {
    const stack = newStack();
    const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
      model: ServableModel.fromModelName('m'),
      endpointName: `${'a'.repeat(49)}-b${'c'.repeat(12)}`,
      monitoring: { baseline: MonitoringBaseline.fromS3('s3://b/statistics.json', 's3://b/constraints.json') },
    });
    const template = Template.fromStack(stack);
    const pattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
    const [schedule] = Object.values(template.findResources('AWS::SageMaker::MonitoringSchedule')) as any[];
    const [definition] = Object.values(template.findResources('AWS::SageMaker::DataQualityJobDefinition')) as any[];
    expect(schedule.Properties.MonitoringScheduleName).toMatch(pattern);
    expect(definition.Properties.JobDefinitionName).toMatch(pattern);
    expect(schedule.Properties.MonitoringScheduleConfig.MonitoringJobDefinitionName).toBe(definition.Properties.JobDefinitionName);
    expect(endpoint.endpointName).toMatch(pattern);
  });
});

describe('#27 defects', () => {
  const monitoring = { baseline: MonitoringBaseline.fromS3('s3://b/statistics.json', 's3://b/constraints.json') };
  const namesOf = (template: Template) => ({
    schedule: (Object.values(template.findResources('AWS::SageMaker::MonitoringSchedule'))[0] as any).Properties.MonitoringScheduleName as string,
    definition: (Object.values(template.findResources('AWS::SageMaker::DataQualityJobDefinition'))[0] as any).Properties.JobDefinitionName as string,
  });

  const twoJobs = () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const [a, b] = ['KMeansA', 'KMeansB'].map((id) => new SecureTrainingJob(stack, id, {
      algorithm: Algorithm.kmeans(), inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')], hyperparameters: { k: '10', feature_dim: '784' },
    }));
    return { stack, a, b };
  };
  const modelRoleOf = (template: Template, job: string) =>
    Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp(`model of TestStack/${job}`) } }))[0];

  test('(a) every variant\'s model role may write the captures, not only the first one\'s', () => {
    // GIVEN two variants serving two different models
    const { stack, a, b } = twoJobs();
    // WHEN
    const endpoint = new MonitoredEndpoint(stack, 'Endpoint', { model: a, variants: [{ name: 'A' }, { name: 'B', model: b }] });
    // THEN
    const template = Template.fromStack(stack);
    const roles = [modelRoleOf(template, 'KMeansA'), modelRoleOf(template, 'KMeansB')];
    roles.forEach((role) => expect(role).toBeDefined());
    // One statement for both roles (cdk.json's @aws-cdk/aws-iam:minimizePolicies merges statements that differ only by principal).
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(endpoint.captureBucket!.bucketName),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Principal: { AWS: roles.map((role) => ({ 'Fn::GetAtt': [role, 'Arn'] })) },
        Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
      })]) },
    });
  });

  test('(b) a capture bucket imported into the endpoint\'s stack is granted through the model role', () => {
    // GIVEN
    const { stack, a } = twoJobs();
    const imported = s3.Bucket.fromBucketName(stack, 'Lake', 'data-lake-captures');
    // WHEN
    new MonitoredEndpoint(stack, 'Endpoint', { model: a, dataCapture: { bucket: imported } });
    // THEN the model role's policy allows the writes under the capture prefix of that bucket
    const template = Template.fromStack(stack);
    const role = modelRoleOf(template, 'KMeansA');
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: role }] } }));
    const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements.some((st: any) => [].concat(st.Action).includes('s3:PutObject' as never) && JSON.stringify(st.Resource).includes(':s3:::data-lake-captures/capture/'))).toBe(true);
  });

  test('(c) serverless and instance variants mixed (a serverless shadow too): no guardrail rendered, an explicit one rejected', () => {
    const serverless = { memorySizeMb: 2048, maxConcurrency: 20 };
    const mixed = endpointFor({ variants: [{ name: 'Instances' }, { name: 'Serverless', serverless }], disableDataCapture: true });
    mixed.template.hasResourceProperties('AWS::SageMaker::Endpoint', { DeploymentConfig: Match.absent() });
    const shadow = endpointFor({ variants: [{ name: 'Instances' }], shadowVariants: [{ name: 'Shadow', serverless }], disableDataCapture: true });
    shadow.template.hasResourceProperties('AWS::SageMaker::Endpoint', { DeploymentConfig: Match.absent() });
    expect(() => endpointFor({
      variants: [{ name: 'Instances' }], shadowVariants: [{ name: 'Shadow', serverless }], disableDataCapture: true,
      deployment: DeploymentStrategy.canary({ canaryPercent: 10, bake: Duration.minutes(5) }),
    })).toThrow(/deployment: got .*; allowed: nothing: deployment guardrails do not support serverless variants \(Shadow\)/);
  });

  test('(d) 6 or more variants roll back on at most 10 alarms: two endpoint-wide ones', () => {
    // GIVEN / WHEN
    const variants = Array.from({ length: 6 }, (_, i) => ({ name: `V${i}` }));
    const { endpoint, template } = endpointFor({ variants });
    // THEN
    const [resource] = Object.values(template.findResources('AWS::SageMaker::Endpoint')) as any[];
    const rollback = resource.Properties.DeploymentConfig.AutoRollbackConfiguration.Alarms;
    expect(rollback.length).toBeLessThanOrEqual(10);
    expect(rollback).toHaveLength(2);
    expect(endpoint.rollbackAlarms).toHaveLength(2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'SUM([m0,m1,m2,m3,m4,m5])' })]),
    });
    // each variant still has its own alarms, which notify
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors', Dimensions: Match.arrayWith([{ Name: 'VariantName', Value: 'V5' }]) });
    // with 5 variants, the per-variant alarms roll back as before
    const five = endpointFor({ variants: variants.slice(0, 5) });
    expect(five.endpoint.rollbackAlarms).toHaveLength(10);
  });

  test('(g) two long endpoint names that differ only at the end get different monitoring names', () => {
    // GIVEN two endpoints whose names share their first 60 characters (as generated names, whose hash is at the end)
    const stack = newStack();
    const [a, b] = ['x1', 'y2'].map((tail) => {
      const inner = newStack();
      new MonitoredEndpoint(inner, 'Endpoint', { model: ServableModel.fromModelName('m'), endpointName: `${'a'.repeat(60)}-${tail}`, monitoring });
      return namesOf(Template.fromStack(inner));
    });
    expect(stack).toBeDefined();
    // THEN
    expect(a.schedule).not.toEqual(b.schedule);
    expect(a.definition).not.toEqual(b.definition);
    for (const name of [a.schedule, a.definition, b.schedule, b.definition]) expect(name.length).toBeLessThanOrEqual(63);
  });

  test('(f) an endpoint name known only at deploy time is never cut or lower-cased into a broken token', () => {
    // GIVEN
    const stack = newStack();
    const name = new CfnParameter(stack, 'EndpointName').valueAsString;
    // WHEN
    new DataQualityMonitor(stack, 'Monitor', {
      ...monitoring, endpointName: name, endpoint: new CfnResource(stack, 'E', { type: 'AWS::SageMaker::Endpoint', properties: { EndpointConfigName: 'config' } }),
      captureBucket: new SecureBucket(stack, 'Capture').bucket, capturePrefix: 'capture/', network: new SageMakerNetwork(stack, 'Network'),
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    });
    // THEN the names resolve to plain strings (a cut token would leave "${Token[" text behind) and the input still names the endpoint
    const template = Template.fromStack(stack);
    const names = namesOf(template);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Token\[/);
    expect(names.schedule).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(names.definition).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityJobInput: { EndpointInput: Match.objectLike({ EndpointName: { Ref: 'EndpointName' } }) },
    });
  });

  test('(f) a feature group named at deploy time with a Glue table is rejected, naming the prop', () => {
    const stack = newStack();
    const store = new FeatureStore(stack, 'Features');
    const name = new CfnParameter(stack, 'GroupName').valueAsString;
    expect(() => store.addFeatureGroup('Customers', {
      featureGroupName: name, recordIdentifier: Feature.string('id'), eventTime: Feature.fractional('t'), features: [Feature.integral('age')],
    })).toThrow(/featureGroupName: got .*; allowed: a literal name when the offline store creates its Glue table/);
    // and is accepted without the Glue table
    store.addFeatureGroup('Events', {
      featureGroupName: name, recordIdentifier: Feature.string('id'), eventTime: Feature.fractional('t'), features: [Feature.integral('age')],
      offline: { disableGlueTableCreation: true },
    });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toMatch(/token\[/i);
  });
});

describe('MonitoredEndpoint.fromEndpointName', () => {
  test('an endpoint of another app can be invoked and measured like one of this app', () => {
    // GIVEN
    const stack = newStack();
    const api = new ManagedPolicyRole(stack, 'Api', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    const imported = MonitoredEndpoint.fromEndpointName(stack, 'Scoring', 'Churn-Scoring');
    imported.grantInvoke(api);
    const errors = imported.metric5xxErrors({ variantName: 'Blue', period: Duration.minutes(5) });
    // THEN: the ARN carries the name in lower case, as SageMaker's do
    expect(stack.resolve(imported.endpointArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':endpoint/churn-scoring']] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sagemaker:InvokeEndpoint']), Resource: stack.resolve(imported.endpointArn) })]) },
    });
    expect(errors.dimensions).toEqual({ EndpointName: 'Churn-Scoring', VariantName: 'Blue' });
    expect(errors.statistic).toBe('Sum');
    expect(imported.metricInvocations().dimensions).toEqual({ EndpointName: 'Churn-Scoring', VariantName: 'AllTraffic' });
  });

  test('metric props name the variant of an endpoint of this app; the L1 is node.defaultChild', () => {
    // GIVEN / WHEN
    const { endpoint } = endpointFor();
    // THEN
    expect(endpoint.metricModelLatency().dimensions).toEqual({ EndpointName: endpoint.endpointName, VariantName: 'AllTraffic' });
    expect(endpoint.metricCpuUtilization({ variantName: 'Other' }).namespace).toBe('/aws/sagemaker/Endpoints');
    expect((endpoint.node.defaultChild as any).cfnResourceType).toBe('AWS::SageMaker::Endpoint');
  });
});

describe('MonitoredEndpoint GPU alarms', () => {
  test('every NVIDIA instance gets a GPU utilization alarm, also one the companion CUDA build cannot use (p3, V100); CPU instances get none', () => {
    const gpuAlarms = (instanceType: InstanceType) => Object.values(endpointFor({ instanceType }).template.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm: any) => alarm.Properties.MetricName === 'GPUUtilization');
    expect(gpuAlarms(InstanceType.of('ml.p3.2xlarge'))).toHaveLength(1);
    expect(gpuAlarms(InstanceType.ML_G5_XLARGE)).toHaveLength(1);
    expect(gpuAlarms(InstanceType.ML_M5_LARGE)).toHaveLength(0);
  });
});
