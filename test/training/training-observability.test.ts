import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SecureBucket } from '../../lib/core/storage';
import { createRequest } from '../../lib/handlers/sagemaker-job/request';
import { DebuggerRule, RuleEvaluatorImage } from '../../lib/training/debugger-rule';
import { TrainingInput } from '../../lib/training/inputs';
import { Profiler, ProfilerRule } from '../../lib/training/profiler';
import { SecureTrainingJob, SecureTrainingJobProps } from '../../lib/training/secure-training-job';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { newStack, unacknowledgedFindings } from '../helpers/nag';
import { retrainingFixture } from '../retraining/pipeline-fixture';
import { newApp } from '../helpers/app';

function kmeansJob(overrides: Partial<SecureTrainingJobProps> = {}, stack: Stack = newStack()) {
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'KMeans', {
    algorithm: Algorithm.kmeans(),
    inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')],
    hyperparameters: { k: '10', feature_dim: '784' },
    instanceType: InstanceType.ML_G5_XLARGE,
    ...overrides,
  });
  return { stack, data, job, get template() { return Template.fromStack(stack); } };
}

function trainingJobRequest(template: Template): any {
  const [resource] = Object.values(template.findResources('Custom::SageMakerTrainingJob')) as any[];
  return resource.Properties.TrainingJob;
}

const OBSERVED: Partial<SecureTrainingJobProps> = {
  profiler: Profiler.withRules(ProfilerRule.lowGpuUtilization({ threshold_p95: '70' }), ProfilerRule.profilerReport()),
  debuggerRules: [DebuggerRule.lossNotDecreasing()],
};

describe('SecureTrainingJob: profiler and Debugger rules', () => {
  test('without them, the request has no profiler, hook or rule configuration and no rule watch is made', () => {
    const { job, template } = kmeansJob();
    const request = trainingJobRequest(template);
    for (const field of ['ProfilerConfig', 'ProfilerRuleConfigurations', 'DebugHookConfig', 'DebugRuleConfigurations']) {
      expect(request[field]).toBeUndefined();
    }
    expect(job.ruleIssuesTopic).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('the profiler samples at 500 ms by default and writes under the job\'s output prefix; built-in rules run the region\'s rule image', () => {
    // GIVEN / WHEN
    const { stack, job, template } = kmeansJob(OBSERVED);
    // THEN
    const request = trainingJobRequest(template);
    const output = request.OutputDataConfig.S3OutputPath;
    expect(request.ProfilerConfig).toEqual({ S3OutputPath: output, ProfilingIntervalInMilliseconds: 500 });
    const image = { 'Fn::Join': ['', [{ 'Fn::FindInMap': ['SageMakerDebuggerRuleRegistries', { Ref: 'AWS::Region' }, 'account'] },
      '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-debugger-rules:latest']] };
    expect(request.ProfilerRuleConfigurations).toEqual([
      { RuleConfigurationName: 'LowGPUUtilization', RuleEvaluatorImage: image, S3OutputPath: output,
        RuleParameters: { rule_to_invoke: 'LowGPUUtilization', threshold_p95: '70' } },
      { RuleConfigurationName: 'ProfilerReport', RuleEvaluatorImage: image, S3OutputPath: output, RuleParameters: { rule_to_invoke: 'ProfilerReport' } },
    ]);
    expect(request.DebugHookConfig).toEqual({ S3OutputPath: output });
    expect(request.DebugRuleConfigurations).toEqual([
      { RuleConfigurationName: 'LossNotDecreasing', RuleEvaluatorImage: image, S3OutputPath: output, RuleParameters: { rule_to_invoke: 'LossNotDecreasing' } },
    ]);
    // The output prefix is where the job's artifact goes: in the bucket encrypted with the job's key.
    expect(output).toEqual(stack.resolve(job.outputBucket.s3UrlForObject(`training/${job.trainingJobName.slice(0, -13)}/`)));
    expect(template.toJSON().Mappings.SageMakerDebuggerRuleRegistries['eu-west-1']).toEqual({ account: '929884845733' });
  });

  test('the execution role may pull the region\'s rule image, and only that repository', () => {
    const { template } = kmeansJob(OBSERVED);
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      // Beside the image's own repository: cdk.json's @aws-cdk/aws-iam:minimizePolicies merges statements of the same actions.
      Resource: expect.arrayContaining([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':',
        { 'Fn::FindInMap': ['SageMakerDebuggerRuleRegistries', { Ref: 'AWS::Region' }, 'account'] }, ':repository/sagemaker-debugger-rules']] }]),
    })]));
  });

  test('a system metrics interval of 1 minute is sent in milliseconds; Profiler.disabled() turns profiling off', () => {
    const minute = trainingJobRequest(kmeansJob({ profiler: Profiler.of({ systemMetricsInterval: Duration.minutes(1) }) }).template);
    expect(minute.ProfilerConfig.ProfilingIntervalInMilliseconds).toBe(60000);
    expect(minute.ProfilerRuleConfigurations).toBeUndefined();
    const off = trainingJobRequest(kmeansJob({ profiler: Profiler.disabled() }).template);
    expect(off.ProfilerConfig).toEqual({ DisableProfiler: true });
  });

  test('a custom rule runs the region\'s custom rule evaluator on its source, which the role may read', () => {
    const stack = newStack();
    const rules = new SecureBucket(stack, 'Rules');
    const { template } = kmeansJob({
      debuggerRules: [DebuggerRule.custom('Gradients', {
        image: RuleEvaluatorImage.customRuleEvaluator(), sourceBucket: rules.bucket, sourceKey: 'rules/gradients.py',
        ruleClass: 'GradientsRule', parameters: { threshold: '20' }, volumeSize: Size.gibibytes(50),
      })],
    }, stack);
    const request = trainingJobRequest(template);
    expect(request.DebugRuleConfigurations).toEqual([{
      RuleConfigurationName: 'Gradients',
      RuleEvaluatorImage: { 'Fn::Join': ['', [{ 'Fn::FindInMap': ['SageMakerDebuggerCustomRuleRegistries', { Ref: 'AWS::Region' }, 'account'] },
        '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-debugger-rule-evaluator:latest']] },
      S3OutputPath: request.OutputDataConfig.S3OutputPath,
      InstanceType: 'ml.t3.medium',
      VolumeSizeInGB: 50,
      RuleParameters: { threshold: '20', source_s3_uri: stack.resolve(rules.bucket.s3UrlForObject('rules/gradients.py')), rule_to_invoke: 'GradientsRule' },
    }]);
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: 's3:GetObject', Resource: expect.arrayContaining([{ 'Fn::Join': ['', [stack.resolve(rules.bucket.bucketArn), '/rules/gradients.py*']] }]),
    })]));
  });

  test('a custom rule in an image of your own: the role may pull it', () => {
    const stack = newStack();
    const rules = new SecureBucket(stack, 'Rules');
    const repository = ecr.Repository.fromRepositoryName(stack, 'RuleRepo', 'my-rules');
    const { template } = kmeansJob({
      debuggerRules: [DebuggerRule.custom('Mine', { image: RuleEvaluatorImage.fromEcrRepository(repository, '2.0'), sourceBucket: rules.bucket, sourceKey: 'r.py', ruleClass: 'Mine' })],
    }, stack);
    expect(JSON.stringify(trainingJobRequest(template).DebugRuleConfigurations[0].RuleEvaluatorImage)).toContain('/my-rules:2.0');
  });

  test('a rule status of IssuesFound notifies an encrypted topic, which EventBridge may use the key for', () => {
    const { stack, job, template } = kmeansJob(OBSERVED);
    expect(job.ruleIssuesTopic).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: stack.resolve(job.encryptionKey.keyArn) });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Training Job State Change'],
        'detail': {
          TrainingJobName: [job.trainingJobName],
          $or: [
            { DebugRuleEvaluationStatuses: { RuleEvaluationStatus: ['IssuesFound'] } },
            { ProfilerRuleEvaluationStatuses: { RuleEvaluationStatus: ['IssuesFound'] } },
          ],
        },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('RuleIssues') } })],
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'AllowEventBridgeToPublishToEncryptedTopics', Principal: { Service: 'events.amazonaws.com' },
      })]) },
    });
  });

  test('stopOnRuleIssues has the job handler stop the job; a topic of your own is told instead of a new one', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Mine');
    const { job, template } = kmeansJob({ ...OBSERVED, stopOnRuleIssues: true, ruleIssuesTopic: topic }, stack);
    expect(job.ruleIssuesTopic).toBe(topic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const [rule] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('found issues') } })) as any[];
    expect(rule.Properties.Targets).toHaveLength(2);
    const lambdaTarget = rule.Properties.Targets.find((target: any) => target.InputTransformer);
    expect(lambdaTarget.InputTransformer.InputTemplate).toContain('"stopForRuleIssues":{"kind":"training","jobName":<detail-TrainingJobName>}');
  });

  test('the job\'s request with rules is CreateTrainingJob\'s shape once the handler restores its types', async () => {
    const { stack, template } = kmeansJob({ ...OBSERVED });
    const rendered = JSON.parse(JSON.stringify(stack.resolve(trainingJobRequest(template)),
      (_key, value) => (typeof value === 'number' || typeof value === 'boolean') ? String(value) : value));
    // References become placeholders, as CloudFormation would resolve them to strings.
    const placeholders = JSON.parse(JSON.stringify(rendered, (_key, value) => value && typeof value === 'object' && !Array.isArray(value)
      && Object.keys(value).some((k) => k.startsWith('Fn::') || k === 'Ref') ? 'resolved' : value));
    const request = createRequest<any>(placeholders, 'TrainingJobName');
    expect(await sentBody(new CreateTrainingJobCommand(request))).toEqual(withoutUndefined(request));
  });

  test('default rules configuration has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = kmeansJob({ ...OBSERVED, stopOnRuleIssues: true });
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('bad input: interval, duplicate rules, a custom rule without an image, stopOnRuleIssues without rules', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    expect(() => new SecureTrainingJob(stack, 'Bad', {
      algorithm: Algorithm.kmeans(),
      inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')],
      hyperparameters: { k: '10', feature_dim: '784' },
      profiler: Profiler.of({ systemMetricsInterval: Duration.seconds(2), rules: [ProfilerRule.cpuBottleneck()] }),
      debuggerRules: [
        DebuggerRule.builtIn('CPUBottleneck'),
        DebuggerRule.custom('NoImage', { image: undefined as any, sourceBucket: data.bucket, sourceKey: 'rules/x.py', ruleClass: 'X' }),
      ],
    })).toThrow(/profiler\.systemMetricsInterval: got "2 seconds"; allowed: one of 100 millis, 200 millis, 500 millis, 1 second, 5 seconds, 1 minute[\s\S]*debuggerRules\[\]\.ruleName: got "CPUBottleneck"; allowed: a name no other rule[\s\S]*debuggerRules\[NoImage\]\.image: got nothing; allowed: RuleEvaluatorImage/);
    expect(() => kmeansJob({ stopOnRuleIssues: true })).toThrow(/stopOnRuleIssues: got true; allowed: false unless the job has profiler or Debugger rules/);
  });

  test('a region without a rule image registry is a synth error', () => {
    const stack = new Stack(newApp(), 'Far', { env: { region: 'il-central-1', account: '111122223333' } });
    expect(() => kmeansJob(OBSERVED, stack)).toThrow(/Debugger built-in rules in Far[\s\S]*region: got "il-central-1"; allowed: .*us-east-1/);
  });

  test('a retraining pipeline\'s training step gets the same profiler and rules from the shared training definition', () => {
    const { template } = retrainingFixture(({ network, lake }) => ({
      training: {
        network, algorithm: Algorithm.linearLearner(),
        inputs: [TrainingInput.s3('train', lake, 'churn/train/'), TrainingInput.s3('validation', lake, 'churn/validation/')],
        hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
        outputBucket: lake, outputPrefix: 'models/churn/',
        profiler: Profiler.withRules(ProfilerRule.cpuBottleneck()),
      },
    }));
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"ProfilerConfig\\":{\\"S3OutputPath\\":\\"s3://data-lake/models/churn/\\",\\"ProfilingIntervalInMilliseconds\\":500}');
    expect(definition).toContain('\\"RuleConfigurationName\\":\\"CPUBottleneck\\"');
  });
});
