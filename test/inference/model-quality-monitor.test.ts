import { CfnResource, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { SageMakerNetwork } from '../../lib/core/network';
import { SecureBucket } from '../../lib/core/storage';
import { MonitoringBaseline } from '../../lib/inference/model-monitor';
import { ModelQualityBaseline, ModelQualityMonitor, ModelQualityOptions, ProblemType } from '../../lib/inference/model-quality-monitor';
import { MonitoredEndpoint, MonitoredEndpointProps } from '../../lib/inference/monitored-endpoint';
import { ServableModel } from '../../lib/models/servable-model';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

/** A Linear Learner (or K-Means) endpoint whose monitoring is built from the bucket the test gets. */
function endpointWith(monitoring: (data: SecureBucket) => MonitoredEndpointProps['monitoring'], algorithm = Algorithm.linearLearner(), model?: MonitoredEndpointProps['model']) {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'Job', {
    algorithm,
    inputs: [TrainingInput.s3('train', data.bucket, 'churn/train/')],
    hyperparameters: algorithm.name === 'kmeans' ? { k: '10', feature_dim: '784' } : { predictor_type: 'binary_classifier', feature_dim: '10' },
  });
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', { model: model ?? job, monitoring: monitoring(data) });
  return { stack, data, endpoint, template: Template.fromStack(stack) };
}

const binary = (data: SecureBucket, extra: Partial<ModelQualityOptions> = {}): ModelQualityOptions => ({
  problemType: ProblemType.BINARY_CLASSIFICATION,
  groundTruth: { bucket: data.bucket, prefix: 'churn/labels/' },
  ...extra,
});

describe('MonitoredEndpoint model-quality monitor', () => {
  test('a Linear Learner binary classifier: its JSON response paths, ground truth, an hourly isolated encrypted schedule', () => {
    // GIVEN / WHEN
    const { stack, data, endpoint, template } = endpointWith((d) => ({ modelQuality: binary(d) }));
    // THEN
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    const network = Match.objectLike({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue(), Subnets: Match.anyValue() }) });
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      JobDefinitionName: `${endpoint.endpointName}-mq`,
      ModelQualityAppSpecification: {
        ProblemType: 'BinaryClassification',
        ImageUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::FindInMap': ['SageMakerModelMonitorAnalyzerRegistries', { Ref: 'AWS::Region' }, 'account'] }])] },
      },
      ModelQualityBaselineConfig: Match.absent(),
      ModelQualityJobInput: {
        EndpointInput: {
          EndpointName: endpoint.endpointName,
          LocalPath: '/opt/ml/processing/input/endpoint',
          S3InputMode: 'File',
          S3DataDistributionType: 'FullyReplicated',
          InferenceAttribute: 'predictions[0].predicted_label',
          ProbabilityAttribute: 'predictions[0].score',
          ProbabilityThresholdAttribute: 0.5,
        },
        GroundTruthS3Input: { S3Uri: { 'Fn::Join': ['', ['s3://', stack.resolve(data.bucket.bucketName), '/churn/labels/']] } },
      },
      ModelQualityJobOutputConfig: {
        KmsKeyId: key,
        MonitoringOutputs: [{ S3Output: Match.objectLike({ S3Uri: { 'Fn::Join': ['', Match.arrayWith([`/model-quality/${endpoint.endpointName}/reports/`])] } }) }],
      },
      JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20, VolumeKmsKeyId: key } },
      NetworkConfig: network,
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleName: `${endpoint.endpointName}-model-quality`,
      MonitoringScheduleConfig: { MonitoringJobDefinitionName: `${endpoint.endpointName}-mq`, MonitoringType: 'ModelQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } },
    });
    // No data-quality monitor unless asked for.
    template.resourceCountIs('AWS::SageMaker::DataQualityJobDefinition', 0);
    expect(endpoint.monitor).toBeUndefined();
    expect(endpoint.driftAlarms).toEqual([]);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('its own role reads the captures and the labels, writes only its own prefix', () => {
    const { stack, data, endpoint, template } = endpointWith((d) => ({ modelQuality: binary(d) }));
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^Model quality monitor of') } }));
    const definition = Object.values(template.findResources('AWS::SageMaker::ModelQualityJobDefinition'))[0] as any;
    expect(definition.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .concat(Object.values(template.findResources('AWS::IAM::Policy')))
      .filter((policy: any) => JSON.stringify(policy.Properties.Roles ?? []).includes(roleId))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    const resourcesOf = (action: string) => JSON.stringify(statements.filter((s: any) => [s.Action].flat().includes(action)).map((s: any) => s.Resource));
    expect(resourcesOf('s3:GetObject')).toContain(`/capture/${endpoint.endpointName}/*`);
    expect(resourcesOf('s3:GetObject')).toContain('/churn/labels/*');
    expect(resourcesOf('s3:PutObject')).toContain(`/model-quality/${endpoint.endpointName}/*`);
    expect(resourcesOf('s3:PutObject')).not.toContain('/capture/');
    expect(resourcesOf('s3:PutObject')).not.toContain('/churn/labels/');
    void stack; void data;
  });

  test('a deploy-time baseline from a labelled dataset, alarms per binary metric, graphed on the dashboard', () => {
    // GIVEN / WHEN
    const { stack, endpoint, template } = endpointWith((d) => ({
      modelQuality: binary(d, {
        baseline: ModelQualityBaseline.fromDataset(d.bucket, 'churn/validation-predictions/', { groundTruthAttribute: 'label', inferenceAttribute: 'prediction', probabilityAttribute: 'probability' }),
        alarms: { minAccuracy: 0.8, minF1: 0.7, minAuc: 0.75 },
        labelDelay: Duration.hours(24),
      }),
    }));
    // THEN
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    template.hasResourceProperties('Custom::SageMakerProcessingJob', { ProcessingJob: Match.objectLike({
      Environment: {
        analysis_type: 'MODEL_QUALITY',
        problem_type: 'BinaryClassification',
        ground_truth_attribute: 'label',
        inference_attribute: 'prediction',
        probability_attribute: 'probability',
        probability_threshold_attribute: '0.5',
        dataset_format: '{"csv":{"header":true}}',
        dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
        output_path: '/opt/ml/processing/output',
        publish_cloudwatch_metrics: 'Disabled',
      },
      NetworkConfig: Match.objectLike({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true }),
      ProcessingResources: { ClusterConfig: Match.objectLike({ VolumeKmsKeyId: key }) },
      ProcessingOutputConfig: Match.objectLike({ KmsKeyId: key }),
    }) });
    // The definition waits for the baseline job to complete (the deploy-time job's wait condition).
    const [baselineWait] = Object.keys(template.findResources('AWS::CloudFormation::WaitCondition')).filter((id) => /Baseline/.test(id));
    const [definition] = Object.values(template.findResources('AWS::SageMaker::ModelQualityJobDefinition')) as any[];
    expect(baselineWait).toBeDefined();
    expect(definition.DependsOn).toContain(baselineWait);
    expect(JSON.stringify(definition.Properties.ModelQualityBaselineConfig)).toContain(`/model-quality/${endpoint.endpointName}/baseline/constraints.json`);
    expect(definition.Properties.ModelQualityJobInput.EndpointInput).toMatchObject({ StartTimeOffset: '-PT25H', EndTimeOffset: '-PT24H' });
    const dimensions = [{ Name: 'Endpoint', Value: endpoint.endpointName }, { Name: 'MonitoringSchedule', Value: `${endpoint.endpointName}-model-quality` }];
    for (const [metric, threshold] of [['accuracy', 0.8], ['f1', 0.7], ['auc', 0.75]] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'aws/sagemaker/Endpoints/model-metrics', MetricName: metric, Dimensions: dimensions, Threshold: threshold,
        ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
      });
    }
    expect(endpoint.modelQualityAlarms).toHaveLength(3);
    expect(endpoint.alarms).toEqual(expect.arrayContaining(endpoint.modelQualityAlarms));
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain('Model quality');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('regression reads the score and alarms on RMSE and MAE above their thresholds', () => {
    const { template } = endpointWith((d) => ({
      modelQuality: { problemType: ProblemType.REGRESSION, groundTruth: { bucket: d.bucket, prefix: 'labels/' }, alarms: { maxRmse: 3, maxMae: 2 } },
    }));
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      ModelQualityJobInput: { EndpointInput: Match.objectLike({ InferenceAttribute: 'predictions[0].score', ProbabilityAttribute: Match.absent(), ProbabilityThresholdAttribute: Match.absent() }), GroundTruthS3Input: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'rmse', Threshold: 3, ComparisonOperator: 'GreaterThanThreshold' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'mae', Threshold: 2, ComparisonOperator: 'GreaterThanThreshold' });
  });

  test('multiclass reads the predicted label and alarms on weighted F1', () => {
    const { template } = endpointWith((d) => ({
      modelQuality: { problemType: ProblemType.MULTICLASS_CLASSIFICATION, groundTruth: { bucket: d.bucket, prefix: 'labels/' }, alarms: { minF1: 0.6 } },
    }));
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      ModelQualityJobInput: { EndpointInput: Match.objectLike({ InferenceAttribute: 'predictions[0].predicted_label', ProbabilityAttribute: Match.absent() }), GroundTruthS3Input: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'weighted_f1', Threshold: 0.6, ComparisonOperator: 'LessThanThreshold' });
  });

  test('a baseline computed elsewhere; both monitors side by side, each with its own role and schedule', () => {
    const { endpoint, template } = endpointWith((d) => ({
      dataQuality: { baseline: MonitoringBaseline.fromS3('s3://b/statistics.json', 's3://b/constraints.json'), driftAlarmFeatures: ['_c0'] },
      modelQuality: binary(d, { baseline: ModelQualityBaseline.fromS3('s3://b/mq/constraints.json') }),
    }));
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', { ModelQualityBaselineConfig: { ConstraintsResource: { S3Uri: 's3://b/mq/constraints.json' } } });
    template.resourceCountIs('AWS::SageMaker::MonitoringSchedule', 2);
    template.resourceCountIs('Custom::SageMakerProcessingJob', 0);
    expect(endpoint.driftAlarms).toHaveLength(1);
    expect(endpoint.monitor).toBeDefined();
    expect(endpoint.modelQualityMonitor?.problemType).toBe(ProblemType.BINARY_CLASSIFICATION);
  });

  test('a model of unknown algorithm takes the attributes given', () => {
    const { template } = endpointWith((d) => ({ modelQuality: binary(d, { probabilityAttribute: '0', probabilityThreshold: 0.4 }) }), undefined, ServableModel.fromModelName('xgboost-churn'));
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      ModelQualityJobInput: { EndpointInput: Match.objectLike({ InferenceAttribute: Match.absent(), ProbabilityAttribute: '0', ProbabilityThresholdAttribute: 0.4 }), GroundTruthS3Input: Match.anyValue() },
    });
  });

  test('the monitor alone, on an endpoint of another app', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const monitor = new ModelQualityMonitor(stack, 'Quality', {
      ...binary(data, { inferenceAttribute: 'predictions[0].predicted_label' }),
      endpointName: 'churn', endpoint: new CfnResource(stack, 'E', { type: 'AWS::SageMaker::Endpoint' }),
      captureBucket: data.bucket, capturePrefix: 'capture/churn/', network: new SageMakerNetwork(stack, 'Network'), encryptionKey: data.encryptionKey,
    });
    expect(stack.resolve(monitor.metric('auc').dimensions)).toEqual({ Endpoint: 'churn', MonitoringSchedule: 'churn-model-quality' });
    expect(() => new ModelQualityMonitor(stack, 'Bad', {
      problemType: ProblemType.REGRESSION, groundTruth: { bucket: data.bucket, prefix: 'labels' },
      endpointName: 'churn', endpoint: new CfnResource(stack, 'E2', { type: 'AWS::SageMaker::Endpoint' }),
      captureBucket: data.bucket, capturePrefix: 'capture/churn/', network: new SageMakerNetwork(stack, 'Network2'), encryptionKey: data.encryptionKey,
    })).toThrow(/ModelQualityMonitor at 'TestStack\/Bad'[\s\S]*groundTruth.prefix: got "labels"; allowed: a key prefix ending in "\/"[\s\S]*inferenceAttribute: got nothing; allowed: the path of the predicted value/);
  });
});

describe('MonitoredEndpoint monitoring rejects bad input at synth', () => {
  const messageOf = (build: () => unknown) => {
    try {
      build();
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  };

  test('model quality of a K-Means endpoint', () => {
    expect(messageOf(() => endpointWith((d) => ({ modelQuality: binary(d) }), Algorithm.kmeans())))
      .toMatch(/monitoring.modelQuality: got "kmeans"; allowed: a model that predicts labels or values: K-Means assigns clusters/);
  });

  test('no ground truth, or a prefix without its slash', () => {
    expect(messageOf(() => endpointWith(() => ({ modelQuality: { problemType: ProblemType.BINARY_CLASSIFICATION, groundTruth: undefined as any } }))))
      .toMatch(/monitoring.modelQuality.groundTruth: got nothing; allowed: the bucket and prefix where the ground truth labels are uploaded/);
    expect(messageOf(() => endpointWith((d) => ({ modelQuality: { ...binary(d), groundTruth: { bucket: d.bucket, prefix: 'labels' } } }))))
      .toMatch(/monitoring.modelQuality.groundTruth.prefix: got "labels"; allowed: a key prefix ending in "\/"/);
  });

  test('an unknown model without the attributes to read', () => {
    expect(messageOf(() => endpointWith((d) => ({ modelQuality: binary(d) }), undefined, ServableModel.fromModelName('m'))))
      .toMatch(/monitoring.modelQuality.inferenceAttribute: got nothing; allowed: the path of the predicted label \(or probabilityAttribute\)/);
  });

  test('alarms of another problem type, thresholds out of range, a probability for regression', () => {
    const message = messageOf(() => endpointWith((d) => ({
      modelQuality: { problemType: ProblemType.REGRESSION, groundTruth: { bucket: d.bucket, prefix: 'l/' }, probabilityAttribute: 'p', alarms: { minAuc: 1.5, maxRmse: -1 } },
    })));
    expect(message).toMatch(/monitoring.modelQuality.probabilityAttribute: got "p"; allowed: nothing: a probability is read for binary classification only/);
    expect(message).toMatch(/monitoring.modelQuality.alarms.minAuc: got 1.5; allowed: nothing: Model Monitor publishes it for binary classification only \(problem type Regression\)/);
    expect(message).toMatch(/monitoring.modelQuality.alarms.minAuc: got 1.5; allowed: a fraction from 0 to 1/);
    expect(message).toMatch(/monitoring.modelQuality.alarms.maxRmse: got -1; allowed: a value of at least 0/);
  });

  test('schedules more often than hourly', () => {
    const message = messageOf(() => endpointWith((d) => ({
      dataQuality: { baseline: MonitoringBaseline.fromS3('s3://b/s.json', 's3://b/c.json'), scheduleExpression: 'cron(*/15 * ? * * *)' },
      modelQuality: binary(d, { scheduleExpression: 'rate(5 minutes)' }),
    })));
    expect(message).toMatch(/monitoring.dataQuality.scheduleExpression: got "cron\(\*\/15 \* \? \* \* \*\)"; allowed: a SageMaker schedule at most hourly/);
    expect(message).toMatch(/monitoring.modelQuality.scheduleExpression: got "rate\(5 minutes\)"; allowed: a SageMaker schedule at most hourly/);
    expect(() => endpointWith((d) => ({ modelQuality: binary(d, { scheduleExpression: 'cron(0 0/6 ? * * *)' }) }))).not.toThrow();
  });

  test('a baseline dataset without its prediction column', () => {
    expect(messageOf(() => endpointWith((d) => ({
      modelQuality: { problemType: ProblemType.REGRESSION, groundTruth: { bucket: d.bucket, prefix: 'l/' }, baseline: ModelQualityBaseline.fromDataset(d.bucket, 'b/', { groundTruthAttribute: 'y', format: 'parquet' }) },
    })))).toMatch(/monitoring.modelQuality.baseline.format: got "parquet"; allowed: "csv" or "json"[\s\S]*monitoring.modelQuality.baseline.inferenceAttribute: got nothing/);
  });

  test('the deprecated top-level data-quality settings mixed with dataQuality, or without a baseline; no monitor at all', () => {
    const baseline = MonitoringBaseline.fromS3('s3://b/s.json', 's3://b/c.json');
    expect(messageOf(() => endpointWith(() => ({ baseline, dataQuality: { baseline } }))))
      .toMatch(/monitoring: got \["monitoring.baseline"\]; allowed: the data-quality settings in one place: under monitoring.dataQuality/);
    expect(messageOf(() => endpointWith((d) => ({ driftAlarmFeatures: ['age'], modelQuality: binary(d) }))))
      .toMatch(/monitoring.baseline: got nothing; allowed: a baseline for the data-quality settings given \(driftAlarmFeatures\)/);
    expect(messageOf(() => endpointWith(() => ({})))).toMatch(/monitoring: got "no monitor"; allowed: dataQuality, modelQuality, bias, explainability or more/);
  });
});

describe('MonitoredEndpoint deprecated top-level monitoring settings', () => {
  test('still make the data-quality monitor with its drift alarms', () => {
    const { endpoint, template } = endpointWith(() => ({ baseline: MonitoringBaseline.fromS3('s3://b/s.json', 's3://b/c.json'), driftAlarmFeatures: ['_c0'], driftThreshold: 0.3 }));
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', { DataQualityBaselineConfig: { StatisticsResource: { S3Uri: 's3://b/s.json' }, ConstraintsResource: { S3Uri: 's3://b/c.json' } } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'feature_baseline_drift__c0', Threshold: 0.3 });
    expect(endpoint.driftAlarms).toHaveLength(1);
    template.resourceCountIs('AWS::SageMaker::ModelQualityJobDefinition', 0);
  });
});
