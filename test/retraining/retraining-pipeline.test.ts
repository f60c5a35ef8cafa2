import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ServableModel } from '../../lib/models/servable-model';
import { ModelApproval } from '../../lib/retraining/model-approval';
import { RetrainingEvaluation } from '../../lib/retraining/retraining-evaluation';
import { RetrainingSchedule } from '../../lib/retraining/retraining-schedule';
import { TrainingInput } from '../../lib/training/inputs';
import { Profiler, ProfilerRule } from '../../lib/training/profiler';
import { definitionOf } from '../helpers/local-step-functions';
import { unacknowledgedFindings } from '../helpers/nag';
import { retrainingFixture, tuningProps } from './pipeline-fixture';

describe('RetrainingPipeline defaults', () => {
  test('a standard workflow with KMS-encrypted execution data, logs at level ALL and tracing; no unacknowledged finding', () => {
    // GIVEN / WHEN
    const { stack, pipeline, template } = retrainingFixture();
    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: stack.resolve(pipeline.encryptionKey.keyArn) }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: stack.resolve(pipeline.encryptionKey.keyArn), RetentionInDays: 365 });
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('every task\'s request carries the security settings: the training job, and a tuning job\'s definition', () => {
    for (const fixture of [retrainingFixture(), retrainingFixture(({ network, lake }) => tuningProps(network, lake))]) {
      const states = definitionOf(fixture.template).States;
      const job = states.Train?.Parameters ?? states.Tune.Parameters.TrainingJobDefinition;
      expect(job).toMatchObject({
        EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true,
        VpcConfig: { SecurityGroupIds: [expect.any(String)], Subnets: expect.any(Array) },
        ResourceConfig: expect.objectContaining({ VolumeKmsKeyId: expect.any(String) }),
        OutputDataConfig: expect.objectContaining({ KmsKeyId: expect.any(String) }),
        StoppingCondition: expect.objectContaining({ MaxRuntimeInSeconds: 86400 }),
        RoleArn: expect.any(String),
      });
      expect(states.Register.Parameters.SecurityConfig.KmsKeyId).toEqual(expect.any(String));
    }
  });

  test('the state machine\'s role: its own jobs, its registry, the execution role passed to SageMaker only, no "*" beyond what the APIs require', () => {
    const { stack, pipeline, template } = retrainingFixture();
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve((pipeline.stateMachine.role as iam.Role).roleName)]))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const star = statements.filter((s: any) => s.Resource === '*').map((s: any) => s.Action).flat();
    expect(star.sort()).toEqual(['logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery', 'sagemaker:ListModelPackages', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort());
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'iam:PassRole', Resource: stack.resolve(pipeline.executionRole.roleArn), Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
      expect.objectContaining({ Action: expect.arrayContaining(['sagemaker:CreateTrainingJob']), Resource: { 'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:training-job\/teststack-retrain-[0-9a-f]{8}-\*$/)])] } }),
      expect.objectContaining({ Action: expect.arrayContaining(['sagemaker:CreateModelPackage']), Resource: { 'Fn::Join': ['', expect.arrayContaining([':model-package/churn/*'])] } }),
    ]));
  });

  test('a weekly schedule (EventBridge Scheduler, KMS), drift and approval rules start runs; failed, timed-out and rejected runs alarm', () => {
    const { stack, pipeline, endpoint, template } = retrainingFixture();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(7 days)', KmsKeyArn: stack.resolve(pipeline.encryptionKey.keyArn),
      Target: Match.objectLike({ Arn: stack.resolve(pipeline.stateMachine.stateMachineArn) }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'resources': [stack.resolve(endpoint.driftAlarms[0].alarmArn)], 'detail': { state: { value: ['ALARM'] } } },
      Targets: [Match.objectLike({ Arn: stack.resolve(pipeline.stateMachine.stateMachineArn) })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Model Package State Change'], 'detail': { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] } },
      Targets: [Match.objectLike({ Arn: stack.resolve(pipeline.stateMachine.stateMachineArn) })],
    });
    expect(pipeline.alarms.map((a) => a.node.id)).toEqual(['RunsFailed', 'RunsTimedOut', 'RunsRejected']);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: Match.stringLikeRegexp('PassStateEntered.*Rejected') });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: stack.resolve(pipeline.encryptionKey.keyArn) });
    expect(stack.resolve(pipeline.metricRunsFailed().metricName)).toBe('ExecutionsFailed');
    expect(pipeline.metricRunTime().metricName).toBe('ExecutionTime');
    const role = new ManagedPolicyRole(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    expect(pipeline.grantStartExecution(role)).toBeInstanceOf(iam.Grant);
  });

  test('the endpoint\'s dashboard gets a row of the pipeline\'s runs', () => {
    const { stack, endpoint } = retrainingFixture();
    expect(JSON.stringify(stack.resolve((endpoint.dashboard.node.defaultChild as any).dashboardBody))).toContain('Retraining runs');
  });
});

describe('RetrainingPipeline rejects bad input at synth', () => {
  test('neither or both of training and tuning', () => {
    expect(() => retrainingFixture(() => ({ training: undefined }))).toThrow(/training \/ tuning: got "neither"; allowed: exactly one of training and tuning/);
    expect(() => retrainingFixture(({ network, lake }) => ({ ...tuningProps(network, lake), training: retrainingFixtureTraining(network, lake) })))
      .toThrow(/training \/ tuning: got "both"/);
  });

  test('an evaluation metric the predictor type does not emit; automatic approval without an evaluation; mustBeatProduction or drift without an endpoint', () => {
    expect(() => retrainingFixture(() => ({ evaluation: RetrainingEvaluation.metric('validation:rmse') })))
      .toThrow(/evaluation: got "validation:rmse"; allowed: a metric the linear-learner algorithm emits on channel validation for predictor_type binary_classifier/);
    expect(() => retrainingFixture(() => ({ evaluation: undefined, approval: ModelApproval.AUTOMATIC })))
      .toThrow(/approval: got "AUTOMATIC"; allowed: ModelApproval.MANUAL without an evaluation/);
    expect(() => retrainingFixture(() => ({ endpoint: undefined })))
      .toThrow(/evaluation.mustBeatProduction: got true; allowed: false without an endpoint[\s\S]*retrainOnDrift: got true/);
  });

  test('a schedule that is not rate(...) or cron(...)', () => {
    expect(() => retrainingFixture(() => ({ schedule: RetrainingSchedule.expression('every monday') })))
      .toThrow(/schedule: got "every monday"; allowed: rate\(<n> minutes\|hours\|days\) or cron/);
    expect(() => retrainingFixture(() => ({ schedule: RetrainingSchedule.cron('cron(0 3 ? * MON *)', { timeZone: 'Europe/Paris' }) }))).not.toThrow();
  });

  test('an endpoint whose model is not from the same registry', () => {
    expect(() => retrainingFixture(({ stack, network }) => ({
      endpoint: new MonitoredEndpoint(stack, 'Other', { network, model: ServableModel.fromModelName('hand-made') }),
      retrainOnDrift: false,
    }))).toThrow(/endpoint: got "TestStack-Other-[0-9A-F]+"; allowed: an endpoint whose model comes from the registry churn/);
  });
});

function retrainingFixtureTraining(network: any, _lake: any): any {
  return { network, algorithm: Algorithm.linearLearner(), inputs: [], hyperparameters: {}, maxRuntime: Duration.hours(1) };
}

describe('RetrainingPipeline: profiler and Debugger rules on each run\'s training job', () => {
  test('the Train task carries the rules; an EventBridge rule on any run\'s job tells the topic and stops the job', () => {
    // GIVEN a retraining pipeline whose training has profiler rules and stops on their issues
    const { stack, pipeline, template } = retrainingFixture(({ network, lake }) => ({
      training: {
        network, algorithm: Algorithm.linearLearner(),
        inputs: [TrainingInput.s3('train', lake, 'churn/train/'), TrainingInput.s3('validation', lake, 'churn/validation/')],
        hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
        instanceType: InstanceType.ML_G5_XLARGE, outputBucket: lake, outputPrefix: 'models/churn/',
        profiler: Profiler.withRules(ProfilerRule.lowGpuUtilization()), stopOnRuleIssues: true,
      },
    }));
    // THEN the run's training job has the rule
    const train = definitionOf(template).States.Train.Parameters;
    expect(train.ProfilerRuleConfigurations).toEqual([expect.objectContaining({ RuleConfigurationName: 'LowGPUUtilization', RuleParameters: { rule_to_invoke: 'LowGPUUtilization' } })]);
    // and issues of any run's job (named with the pipeline's prefix) reach the topic and the job handler
    const [rule] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('Debugger or profiler rule') } })) as any[];
    const prefix = rule.Properties.EventPattern.detail.TrainingJobName[0].prefix;
    expect(train['TrainingJobName.$']).toBe('$.run.jobName');
    expect(prefix).toMatch(/-$/);
    expect(rule.Properties.EventPattern.detail.$or).toEqual([
      { DebugRuleEvaluationStatuses: { RuleEvaluationStatus: ['IssuesFound'] } },
      { ProfilerRuleEvaluationStatuses: { RuleEvaluationStatus: ['IssuesFound'] } },
    ]);
    expect(rule.Properties.Targets).toHaveLength(2);
    expect(stack.resolve(rule.Properties.Targets[0].Arn)).toEqual(stack.resolve(pipeline.ruleIssuesTopic!.topicArn));
    // the handler may stop this pipeline's jobs only
    const stops = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Action === 'sagemaker:StopTrainingJob');
    expect(JSON.stringify(stops)).toContain(`:training-job/${prefix}*`);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('without rules there is no rule-issue topic or EventBridge rule', () => {
    const { pipeline, template } = retrainingFixture();
    expect(pipeline.ruleIssuesTopic).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('Debugger or profiler rule') } }))).toHaveLength(0);
  });
});
