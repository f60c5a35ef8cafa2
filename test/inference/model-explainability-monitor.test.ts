import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { ExplainabilityBaseline, ExplainabilityOptions, ShapAggregation, ShapBaseline } from '../../lib/inference/model-explainability-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function explainedEndpoint(explainability: Partial<ExplainabilityOptions> = {}, stack: Stack = newStack()) {
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'LinearLearner', {
    algorithm: Algorithm.linearLearner(),
    inputs: [TrainingInput.s3('train', data.bucket, 'churn/train/')],
    hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '2' },
  });
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
    model: job,
    endpointName: 'churn',
    monitoring: {
      explainability: { shapBaseline: ShapBaseline.fromValues([40, 120]), headers: ['age', 'spend'], ...explainability },
    },
  });
  return { stack, data, endpoint, get template() { return Template.fromStack(stack); } };
}

describe('MonitoredEndpoint explainability monitor (SageMaker Clarify)', () => {
  test('an encrypted ModelExplainability job definition in the VPC on the region\'s Clarify image, over the captures, hourly', () => {
    // GIVEN / WHEN
    const { stack, endpoint, template } = explainedEndpoint();
    // THEN
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    template.hasResourceProperties('AWS::SageMaker::ModelExplainabilityJobDefinition', {
      JobDefinitionName: 'churn-me',
      ModelExplainabilityAppSpecification: {
        ImageUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::FindInMap': ['SageMakerClarifyRegistries', { Ref: 'AWS::Region' }, 'account'] }, '/sagemaker-clarify-processing:1.0'])] },
        ConfigUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointExplainabilityAnalysisConfig'), 'S3Uri'] },
      },
      ModelExplainabilityJobInput: { EndpointInput: Match.objectLike({ EndpointName: 'churn', LocalPath: '/opt/ml/processing/input/endpoint' }) },
      ModelExplainabilityJobOutputConfig: Match.objectLike({ KmsKeyId: key }),
      NetworkConfig: { EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: true, VpcConfig: Match.anyValue() },
      JobResources: { ClusterConfig: Match.objectLike({ VolumeKmsKeyId: key }) },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleName: 'churn-model-explainability',
      MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'churn-me', MonitoringType: 'ModelExplainability', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } },
    });
    expect(endpoint.explainabilityMonitor?.scheduleName).toBe('churn-model-explainability');
  });

  test('the analysis configuration is rendered from the typed props (SHAP baseline, samples, aggregation, shadow model) and written KMS-encrypted', () => {
    // GIVEN / WHEN
    const { stack, endpoint, template } = explainedEndpoint({ numberOfSamples: 50, aggregationMethod: ShapAggregation.MEDIAN });
    // THEN
    const configs = Object.values(template.findResources('Custom::SageMakerClarifyAnalysisConfig')) as any[];
    const config = configs.find((c) => c.Properties.Key === 'model-explainability/churn/analysis_config.json');
    expect(config.Properties.KmsKeyId).toEqual(stack.resolve(endpoint.encryptionKey.keyArn));
    const raw = config.Properties.Config;
    // The shadow model's name is a reference: it renders as a join.
    const json = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'MODEL')).join('');
    expect(JSON.parse(json)).toEqual({
      headers: ['age', 'spend'],
      methods: { shap: { baseline: [[40, 120]], num_samples: 50, agg_method: 'median', use_logit: false, save_local_shap_values: false } },
      predictor: { model_name: 'MODEL', instance_type: 'ml.m5.large', initial_instance_count: 1, content_type: 'text/csv', accept_type: 'application/jsonlines', probability: 'score' },
    });
  });

  test('the role starts, invokes and deletes only Clarify\'s shadow endpoints and reads only the captures', () => {
    const { template } = explainedEndpoint();
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sagemaker:CreateEndpoint', 'sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint', 'sagemaker:DeleteEndpoint'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([':endpoint/sm-clarify-*'])] },
          }),
          Match.objectLike({
            Action: ['sagemaker:CreateEndpointConfig', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([':endpoint-config/sm-clarify-*'])] },
          }),
        ]),
      },
    });
  });

  test('a baseline from S3 is the constraints; alarms on global SHAP values notify the alarm topic', () => {
    const { stack, endpoint, template } = explainedEndpoint({
      baseline: ExplainabilityBaseline.fromS3('s3://baselines/churn/analysis.json'), maxFeatureAttributions: { age: 0.3 },
    });
    template.hasResourceProperties('AWS::SageMaker::ModelExplainabilityJobDefinition', {
      ModelExplainabilityBaselineConfig: { ConstraintsResource: { S3Uri: 's3://baselines/churn/analysis.json' } },
    });
    expect(endpoint.explainabilityAlarms).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/Endpoints/explainability-metrics',
      MetricName: 'feature_age',
      Dimensions: Match.arrayWith([{ Name: 'ExplainabilityMethod', Value: 'KernelShap' }, { Name: 'ValueType', Value: 'GlobalShapValues' }]),
      Threshold: 0.3,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
    });
  });

  test('the default explainability monitor has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = explainedEndpoint();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('an unknown region is a synth error', () => {
    const stack = new Stack(new App(), 'Moon', { env: { region: 'moon-east-1', account: '111122223333' } });
    expect(() => explainedEndpoint({}, stack)).toThrow(/region: got "moon-east-1"/);
  });
});

describe('MonitoredEndpoint explainability monitor rejects bad input at synth', () => {
  const messageOf = (explainability: Partial<ExplainabilityOptions>) => {
    try {
      explainedEndpoint(explainability);
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  };

  test('an empty SHAP baseline, samples at or below 0, a sub-hourly schedule', () => {
    const message = messageOf({ shapBaseline: ShapBaseline.fromValues([]), numberOfSamples: 0, scheduleExpression: 'cron(0/5 * ? * * *)' });
    expect(message).toMatch(/monitoring\.explainability\.shapBaseline: got \[\]; allowed: a row of at least one feature value/);
    expect(message).toMatch(/monitoring\.explainability\.numberOfSamples: got 0; allowed: a whole number above 0/);
    expect(message).toMatch(/monitoring\.explainability\.scheduleExpression: got "cron\(0\/5 \* \? \* \* \*\)"; allowed: a SageMaker schedule at most hourly/);
  });

  test('an unknown content type, an alarm on a feature not in the headers, a negative sample count', () => {
    const message = messageOf({ contentType: 'application/xml', maxFeatureAttributions: { income: 0.2 }, numberOfSamples: -3 });
    expect(message).toMatch(/monitoring\.explainability\.contentType: got "application\/xml"; allowed: text\/csv or application\/jsonlines/);
    expect(message).toMatch(/monitoring\.explainability\.maxFeatureAttributions: got "income"; allowed: a feature of headers \(age, spend\)/);
    expect(message).toMatch(/monitoring\.explainability\.numberOfSamples: got -3/);
  });
});
