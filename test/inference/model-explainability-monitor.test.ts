import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { ExplainabilityBaseline, ExplainabilityOptions, ShapAggregation, ShapBaseline } from '../../lib/inference/model-explainability-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';
import { newApp } from '../helpers/app';

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
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('Explainability/Role') } })) as any[];
    const statements = (policy.Properties.PolicyDocument.Statement as any[]).filter((s) => JSON.stringify(s.Resource).includes('sm-clarify-'));
    const granted = statements.map((s) => [[...[s.Action].flat()].sort(), s.Resource['Fn::Join'][1].slice(-1)[0]]);
    expect(granted).toEqual([
      [['sagemaker:CreateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'], ':endpoint/sm-clarify-*'],
      [['sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DescribeEndpointConfig'], ':endpoint-config/sm-clarify-*'],
    ]);
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

  test('a baseline from a dataset: a Clarify processing job at deploy over the dataset, on a shadow copy of the model, whose analysis.json is the constraints', () => {
    // GIVEN a labelled validation set
    const stack = newStack();
    const validation = new SecureBucket(stack, 'Validation');
    // WHEN
    const { endpoint, template } = explainedEndpoint({
      baseline: ExplainabilityBaseline.fromDataset(validation.bucket, 'churn/validation/', { label: 'churned', headers: ['churned', 'age', 'spend'] }),
    }, stack);
    // THEN the job runs the region's Clarify image with the monitor's role, in the VPC with ICE and KMS, waited for
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    const jobs = Object.values(template.findResources('Custom::SageMakerProcessingJob')) as any[];
    expect(jobs).toHaveLength(1);
    const request = jobs[0].Properties.ProcessingJob;
    expect(request.ProcessingJobName).toMatch(/-[0-9a-f]{12}$/);
    expect(request.AppSpecification.ImageUri).toEqual({ 'Fn::Join': ['', expect.arrayContaining(['/sagemaker-clarify-processing:1.0'])] });
    expect(request.RoleArn).toEqual(template.findResources('AWS::SageMaker::ModelExplainabilityJobDefinition')[Object.keys(template.findResources('AWS::SageMaker::ModelExplainabilityJobDefinition'))[0]].Properties.RoleArn);
    expect(request.ProcessingInputs).toEqual([
      { InputName: 'dataset', S3Input: { S3Uri: stack.resolve(validation.bucket.s3UrlForObject('churn/validation/')), LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
      { InputName: 'analysis_config', S3Input: expect.objectContaining({ LocalPath: '/opt/ml/processing/input/config', S3DataType: 'S3Prefix' }) },
    ]);
    expect(request.ProcessingOutputConfig).toEqual({
      KmsKeyId: key,
      Outputs: [{ OutputName: 'analysis_result', S3Output: expect.objectContaining({ LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' }) }],
    });
    expect(request.NetworkConfig).toEqual({ EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: true, VpcConfig: { SecurityGroupIds: expect.any(Array), Subnets: expect.any(Array) } });
    const cluster = request.ProcessingResources.ClusterConfig;
    expect(JSON.stringify([cluster.InstanceCount, cluster.InstanceType, cluster.VolumeKmsKeyId])).toEqual(JSON.stringify([1, 'ml.m5.xlarge', key]));
    template.resourceCountIs('AWS::CloudFormation::WaitCondition', 2); // the training job's and the baseline's
    // The configuration it reads: the monitor's SHAP settings, the dataset's columns and its label, under a key named by its hash.
    const configs = Object.values(template.findResources('Custom::SageMakerClarifyAnalysisConfig')) as any[];
    const baselineConfig = configs.find((c) => /^model-explainability\/churn\/baseline\/config\/[0-9a-f]{12}\/analysis_config\.json$/.test(c.Properties.Key));
    expect(baselineConfig).toBeDefined();
    const raw = baselineConfig.Properties.Config;
    const json = JSON.parse(typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'MODEL')).join(''));
    expect(json).toMatchObject({ dataset_type: 'text/csv', headers: ['churned', 'age', 'spend'], label: 'churned', methods: { shap: { baseline: [[40, 120]] } }, predictor: { model_name: 'MODEL' } });
    expect(stack.resolve(request.ProcessingInputs[1].S3Input.S3Uri)['Fn::Join'][1]).toContain(`/${baselineConfig.Properties.Key.replace(/analysis_config\.json$/, '')}`);
    // AND the schedule compares with the job's analysis.json, once the job has completed
    const [definition] = Object.values(template.findResources('AWS::SageMaker::ModelExplainabilityJobDefinition')) as any[];
    expect(definition.Properties.ModelExplainabilityBaselineConfig.ConstraintsResource.S3Uri['Fn::Join'][1]).toContain('/model-explainability/churn/baseline/analysis.json');
    expect(stack.resolve(endpoint.explainabilityMonitor!.constraintsUri)).toEqual(definition.Properties.ModelExplainabilityBaselineConfig.ConstraintsResource.S3Uri);
    const waits = Object.keys(template.findResources('AWS::CloudFormation::WaitCondition'));
    expect(definition.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${waits.join('|')})$`))]));
    // AND the role reads the dataset
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('Explainability/Role') } })) as any[];
    const reads = (policy.Properties.PolicyDocument.Statement as any[]).filter((st) => JSON.stringify(st.Resource).includes('/churn/validation/*'));
    expect(reads.map((st) => st.Action)).toEqual(['s3:GetObject']);
  });

  test('a changed dataset configuration is a new baselining job', () => {
    const jobName = (label?: string) => {
      const stack = newStack();
      const validation = new SecureBucket(stack, 'Validation');
      const { template } = explainedEndpoint({
        baseline: ExplainabilityBaseline.fromDataset(validation.bucket, 'churn/validation/', label ? { label, headers: [label, 'age', 'spend'] } : {}),
      }, stack);
      return (Object.values(template.findResources('Custom::SageMakerProcessingJob')) as any[])[0].Properties.ProcessingJob.ProcessingJobName;
    };
    expect(jobName('churned')).toEqual(jobName('churned'));
    expect(jobName('churned')).not.toEqual(jobName('left'));
    expect(jobName()).not.toEqual(jobName('churned'));
  });

  test('a baseline from a dataset keeps the explainability monitor free of unacknowledged findings', () => {
    const stack = newStack();
    const validation = new SecureBucket(stack, 'Validation');
    explainedEndpoint({ baseline: ExplainabilityBaseline.fromDataset(validation.bucket, 'churn/validation/') }, stack);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('the default explainability monitor has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = explainedEndpoint();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('an unknown region is a synth error', () => {
    const stack = new Stack(newApp(), 'Moon', { env: { region: 'moon-east-1', account: '111122223333' } });
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

  test('a dataset baseline whose label is not among its headers, whose features are not the monitor\'s, or with JSON Lines requests', () => {
    const stack = newStack();
    const bucket = new SecureBucket(stack, 'Validation').bucket;
    const unlisted = messageOf({ baseline: ExplainabilityBaseline.fromDataset(bucket, 'v/', { label: 'churned' }) });
    expect(unlisted).toMatch(/monitoring\.explainability\.baseline\.dataset\.headers: got nothing; allowed: the dataset's column names, the label \(churned\) among them/);
    const reordered = messageOf({ baseline: ExplainabilityBaseline.fromDataset(bucket, 'v/', { label: 'churned', headers: ['spend', 'age', 'churned'] }) });
    expect(reordered).toMatch(/monitoring\.explainability\.baseline\.dataset\.headers: got \["spend","age","churned"\]; allowed: the monitor's headers \(age, spend\) in their order, and the label churned/);
    const jsonLines = messageOf({ contentType: 'application/jsonlines', featuresAttribute: 'features', baseline: ExplainabilityBaseline.fromDataset(bucket, 'v/') });
    expect(jsonLines).toMatch(/monitoring\.explainability\.contentType: got "application\/jsonlines"; allowed: text\/csv for a baseline from a dataset/);
  });

  test('an unknown content type, an alarm on a feature not in the headers, a negative sample count', () => {
    const message = messageOf({ contentType: 'application/xml', maxFeatureAttributions: { income: 0.2 }, numberOfSamples: -3 });
    expect(message).toMatch(/monitoring\.explainability\.contentType: got "application\/xml"; allowed: text\/csv or application\/jsonlines/);
    expect(message).toMatch(/monitoring\.explainability\.maxFeatureAttributions: got "income"; allowed: a feature of headers \(age, spend\)/);
    expect(message).toMatch(/monitoring\.explainability\.numberOfSamples: got -3/);
  });
});
