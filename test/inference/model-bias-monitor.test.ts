import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { BiasBaseline, ModelBiasOptions } from '../../lib/inference/model-bias-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';
import { newApp } from '../helpers/app';

function biasEndpoint(bias: Partial<ModelBiasOptions> = {}, stack: Stack = newStack()) {
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'LinearLearner', {
    algorithm: Algorithm.linearLearner(),
    inputs: [TrainingInput.s3('train', data.bucket, 'churn/train/')],
    hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '10' },
  });
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
    model: job,
    endpointName: 'churn',
    monitoring: {
      bias: {
        label: 'churned', facets: [{ name: 'age', valuesOrThreshold: [40] }], groundTruth: { bucket: data.bucket, prefix: 'churn/labels/' },
        headers: ['age', 'spend', 'churned'],
        ...bias,
      },
    },
  });
  return { stack, data, endpoint, get template() { return Template.fromStack(stack); } };
}

describe('MonitoredEndpoint bias monitor (SageMaker Clarify)', () => {
  test('an isolated, encrypted ModelBias job definition on the region\'s Clarify image, merging captures with ground truth, hourly', () => {
    // GIVEN / WHEN
    const { stack, data, endpoint, template } = biasEndpoint();
    // THEN
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    template.hasResourceProperties('AWS::SageMaker::ModelBiasJobDefinition', {
      JobDefinitionName: 'churn-mb',
      ModelBiasAppSpecification: {
        ImageUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::FindInMap': ['SageMakerClarifyRegistries', { Ref: 'AWS::Region' }, 'account'] }, '/sagemaker-clarify-processing:1.0'])] },
        ConfigUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointBiasAnalysisConfig'), 'S3Uri'] },
      },
      ModelBiasJobInput: {
        EndpointInput: Match.objectLike({ EndpointName: 'churn', InferenceAttribute: 'predictions[0].predicted_label', ProbabilityAttribute: 'predictions[0].score', ProbabilityThresholdAttribute: 0.5 }),
        GroundTruthS3Input: { S3Uri: { 'Fn::Join': ['', ['s3://', stack.resolve(data.bucket.bucketName), '/churn/labels/']] } },
      },
      ModelBiasJobOutputConfig: Match.objectLike({ KmsKeyId: key }),
      NetworkConfig: Match.objectLike({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: Match.anyValue() }),
      JobResources: { ClusterConfig: Match.objectLike({ VolumeKmsKeyId: key }) },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleName: 'churn-model-bias',
      MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'churn-mb', MonitoringType: 'ModelBias', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } },
    });
    expect(endpoint.biasMonitor?.scheduleName).toBe('churn-model-bias');
  });

  test('the analysis configuration is rendered from the typed props and written at deploy, KMS-encrypted', () => {
    const { stack, endpoint, template } = biasEndpoint({ groupVariable: 'region', labelValuesOrThreshold: [1] });
    const [config] = Object.values(template.findResources('Custom::SageMakerClarifyAnalysisConfig')) as any[];
    expect(config.Properties.KmsKeyId).toEqual(stack.resolve(endpoint.encryptionKey.keyArn));
    expect(config.Properties.Key).toBe('model-bias/churn/analysis_config.json');
    expect(JSON.parse(config.Properties.Config)).toEqual({
      label: 'churned', label_values_or_threshold: [1], facet: [{ name_or_index: 'age', value_or_threshold: [40] }], group_variable: 'region',
      headers: ['age', 'spend', 'churned'], probability_threshold: 0.5, methods: { post_training_bias: { methods: 'all' } },
    });
  });

  test('a deploy-time baseline: a Clarify processing job over a dataset of predictions, whose analysis is the constraints', () => {
    // GIVEN / WHEN
    const real = newStack();
    const bucket = new SecureBucket(real, 'Validation').bucket;
    const { template: t } = biasEndpoint({ baseline: BiasBaseline.fromDataset(bucket, 'churn/validation-predictions/', { predictedLabel: 'prediction' }) }, real);
    // THEN
    // (a deploy-time job: the deploy waits for it and fails with its reason)
    t.hasResourceProperties('Custom::SageMakerProcessingJob', {
      ProcessingJob: Match.objectLike({
        AppSpecification: { ImageUri: Match.anyValue() },
        ProcessingInputs: [
          Match.objectLike({ InputName: 'dataset', S3Input: Match.objectLike({ LocalPath: '/opt/ml/processing/input/data' }) }),
          Match.objectLike({ InputName: 'analysis_config', S3Input: Match.objectLike({ LocalPath: '/opt/ml/processing/input/config', S3Uri: { 'Fn::GetAtt': [Match.stringLikeRegexp('BaselineConfig'), 'S3Uri'] } }) }),
        ],
        NetworkConfig: Match.objectLike({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true }),
      }),
    });
    t.hasResourceProperties('AWS::SageMaker::ModelBiasJobDefinition', {
      ModelBiasBaselineConfig: { ConstraintsResource: { S3Uri: { 'Fn::Join': ['', Match.arrayWith(['/model-bias/churn/baseline/analysis.json'])] } } },
    });
    // and the definition is created once the job has completed (its wait condition)
    const waits = Object.keys(t.findResources('AWS::CloudFormation::WaitCondition'));
    const [definition] = Object.values(t.findResources('AWS::SageMaker::ModelBiasJobDefinition')) as any[];
    expect(definition.DependsOn.some((id: string) => waits.includes(id))).toBe(true);
  });

  test('alarms on the magnitude of the named bias metrics, per facet, notify the alarm topic', () => {
    const { stack, endpoint, template } = biasEndpoint({ maxBiasMetrics: { DPPL: 0.1 } });
    expect(endpoint.biasAlarms).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0.1,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MAX([ABS(lower), ABS(upper)])', ReturnData: true })]),
    });
    // Both spellings of the stage SageMaker's documentation gives, with the facet's group and the label's positive value.
    const [alarm] = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Threshold: 0.1 } })) as any[];
    const stats = (alarm.Properties.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
    expect(stats.map((m) => [m.Namespace, m.MetricName])).toEqual([['aws/sagemaker/Endpoints/bias-metrics', 'bias_metric_DPPL'], ['aws/sagemaker/Endpoints/bias-metrics', 'bias_metric_DPPL']]);
    const dims = stats.map((m) => Object.fromEntries((m.Dimensions as any[]).map((d) => [d.Name, d.Value])));
    expect(dims.map((d) => d.BiasStage)).toEqual(['Post-training', 'Post-Training']);
    dims.forEach((d) => expect(d).toMatchObject({ Endpoint: 'churn', MonitoringSchedule: 'churn-model-bias', Label: 'churned', LabelValue: '1', Facet: 'age', FacetValue: '40' }));
  });

  test('an alarm on a facet without its sensitive group is a synth error (Clarify publishes per group)', () => {
    expect(() => biasEndpoint({ facets: [{ name: 'age' }], maxBiasMetrics: { DPPL: 0.1 } }))
      .toThrow(/monitoring\.bias\.facets\[0\]\.valuesOrThreshold: got nothing; allowed: the sensitive group's values \(or threshold\) when maxBiasMetrics alarm on the facet/);
  });

  test('the default bias monitor has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = biasEndpoint();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('an unknown region is a synth error', () => {
    const stack = new Stack(newApp(), 'Moon', { env: { region: 'moon-east-1', account: '111122223333' } });
    expect(() => biasEndpoint({}, stack)).toThrow(/region: got "moon-east-1"/);
  });
});

describe('MonitoredEndpoint bias monitor rejects bad input at synth', () => {
  const messageOf = (bias: Partial<ModelBiasOptions>) => {
    try {
      biasEndpoint(bias);
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  };

  test('empty facets and labels, an unknown metric name, a sub-hourly schedule', () => {
    const message = messageOf({ facets: [], label: '', maxBiasMetrics: { 'not a metric': 1 }, scheduleExpression: 'cron(0/5 * ? * * *)' });
    expect(message).toMatch(/monitoring\.bias\.label: got ""; allowed: the label's column or JMESPath/);
    expect(message).toMatch(/monitoring\.bias\.facets: got \[\]; allowed: at least one sensitive attribute/);
    expect(message).toMatch(/monitoring\.bias\.maxBiasMetrics: got "not a metric"; allowed: Clarify's short names/);
    expect(message).toMatch(/monitoring\.bias\.scheduleExpression: got "cron\(0\/5 \* \? \* \* \*\)"/);
  });

  test('a facet with no values and a model without a default prediction path', () => {
    expect(messageOf({ facets: [{ name: 'age', valuesOrThreshold: [] }] })).toMatch(/monitoring\.bias\.facets\[0\]\.valuesOrThreshold: got \[\]; allowed: at least one value/);
  });
});
