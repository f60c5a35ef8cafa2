import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Algorithm } from '../../lib/core/algorithm';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SecureBucket } from '../../lib/core/storage';
import { AsyncInferenceOptions } from '../../lib/inference/async-inference';
import { MonitoredEndpoint, MonitoredEndpointProps } from '../../lib/inference/monitored-endpoint';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

/** An asynchronous endpoint of a trained model (whose role SageMaker reads, writes and notifies with). */
function asyncEndpoint(async: Partial<AsyncInferenceOptions> = {}, overrides: Partial<MonitoredEndpointProps> = {}) {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'LinearLearner', {
    algorithm: Algorithm.linearLearner(),
    inputs: [TrainingInput.s3('train', data.bucket, 'churn/train/')],
    hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '10' },
  });
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
    model: job,
    endpointName: 'churn-async',
    asyncInference: { output: { bucket: data.bucket, prefix: 'async/out/' }, ...async },
    ...overrides,
  });
  // Synthesized when first read, so a test may still add to the stack.
  return { stack, data, job, endpoint, get template() { return Template.fromStack(stack); } };
}

const modelRoleOf = (template: Template) =>
  Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('model of TestStack/LinearLearner') } }))[0];

describe('MonitoredEndpoint asynchronous inference', () => {
  test('the config writes results and failures KMS-encrypted with the endpoint\'s key and notifies two KMS-encrypted topics', () => {
    // GIVEN / WHEN
    const { stack, data, endpoint, template } = asyncEndpoint({ maxConcurrentInvocationsPerInstance: 4 });
    // THEN
    const key = stack.resolve(endpoint.encryptionKey.keyArn);
    const uri = (prefix: string) => ({ 'Fn::Join': ['', ['s3://', stack.resolve(data.bucket.bucketName), `/${prefix}`]] });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      AsyncInferenceConfig: {
        OutputConfig: {
          S3OutputPath: uri('async/out/'),
          S3FailurePath: uri('async/out/failures/'),
          KmsKeyId: key,
          NotificationConfig: {
            SuccessTopic: stack.resolve(endpoint.asyncSuccessTopic!.topicArn),
            ErrorTopic: stack.resolve(endpoint.asyncErrorTopic!.topicArn),
            IncludeInferenceResponseIn: Match.absent(),
          },
        },
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
      },
      KmsKeyId: key,
    });
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: key }, 3); // alarms, success, errors
    expect(endpoint.asyncInput).toEqual({ bucket: data.bucket, prefix: 'async-input/churn-async/' });
    expect(endpoint.asyncFailurePrefix).toBe('async/out/failures/');
  });

  test('without a concurrency limit SageMaker chooses: no ClientConfig', () => {
    const { template } = asyncEndpoint();
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', { AsyncInferenceConfig: { OutputConfig: Match.anyValue(), ClientConfig: Match.absent() } });
  });

  test('the model role reads the payloads, writes results and failures, and publishes to both topics (resource policies of the endpoint\'s stack)', () => {
    // GIVEN / WHEN
    const { stack, data, endpoint, template } = asyncEndpoint();
    // THEN
    const role = { 'Fn::GetAtt': [modelRoleOf(template), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [stack.resolve(data.bucket.bucketArn), `/${prefix}*`]] });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(data.bucket.bucketName),
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Principal: { AWS: role }, Action: 's3:GetObject', Resource: objects('async-input/churn-async/') }),
        Match.objectLike({ Principal: { AWS: role }, Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: [objects('async/out/'), objects('async/out/failures/')] }),
      ]) },
    });
    for (const topic of [endpoint.asyncSuccessTopic!, endpoint.asyncErrorTopic!]) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [stack.resolve(topic.topicArn)],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { AWS: role }, Action: 'sns:Publish', Resource: stack.resolve(topic.topicArn) })]) },
      });
    }
  });

  test('queue and failure alarms notify the alarm topic; the dashboard graphs the queue', () => {
    // GIVEN / WHEN
    const { stack, endpoint, template } = asyncEndpoint({ alarms: { maxBacklogAge: Duration.minutes(10), maxFailedInvocationsPer5Minutes: 3 } });
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker', MetricName: 'ApproximateAgeOfOldestRequest', Statistic: 'Maximum', Period: 300, Threshold: 600,
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-async' }],
      AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'InvocationFailures', Statistic: 'Sum', Period: 300, Threshold: 3,
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-async' }, { Name: 'VariantName', Value: 'AllTraffic' }],
      AlarmActions: [stack.resolve(endpoint.alarmTopic.topicArn)],
    });
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain('ApproximateBacklogSize');
  });

  test('default alarms: the oldest request at 30 minutes, one failure per 5 minutes', () => {
    const { template } = asyncEndpoint();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestRequest', Threshold: 1800 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'InvocationFailures', Threshold: 1 });
  });

  test('autoscaling tracks the queue per instance, not invocations, which asynchronous endpoints do not publish', () => {
    // GIVEN / WHEN
    const { template } = asyncEndpoint({ targetBacklogPerInstance: 8 }, { autoScaling: { maxCapacity: 6 } });
    // THEN
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        CustomizedMetricSpecification: Match.objectLike({
          Namespace: 'AWS/SageMaker', MetricName: 'ApproximateBacklogSizePerInstance', Statistic: 'Average',
          Dimensions: [{ Name: 'EndpointName', Value: 'churn-async' }],
        }),
        TargetValue: 8,
      }),
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('SageMakerVariantInvocationsPerInstance');
    template.resourcePropertiesCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' }, 0);
  });

  test('scale to zero: minimum 0, and a step policy on HasBacklogWithoutCapacity adds an instance when a request waits', () => {
    // GIVEN / WHEN
    const { stack, template } = asyncEndpoint({ scaleToZero: true }, { autoScaling: { maxCapacity: 4 } });
    // THEN
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 4 });
    const [policyId] = Object.keys(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy', {
      Properties: {
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: Match.objectLike({
          AdjustmentType: 'ChangeInCapacity', MetricAggregationType: 'Average',
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
        }),
      },
    }));
    expect(policyId).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker', MetricName: 'HasBacklogWithoutCapacity', Dimensions: [{ Name: 'EndpointName', Value: 'churn-async' }],
      Threshold: 1, EvaluationPeriods: 2, DatapointsToAlarm: 2, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: policyId }],
    });
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('grantInvoke also lets the caller put payloads where the endpoint reads them and read the results', () => {
    // GIVEN
    const { stack, data, endpoint } = asyncEndpoint();
    const caller = new ManagedPolicyRole(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    endpoint.grantInvoke(caller);
    // THEN
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [stack.resolve(caller.roleName)] } }))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    const allowing = (action: string, resource: unknown) => statements.some((st: any) => [].concat(st.Action).includes(action as never)
      && JSON.stringify(st.Resource).includes(JSON.stringify(resource).slice(1, -1)));
    expect(allowing('sagemaker:InvokeEndpointAsync', stack.resolve(endpoint.endpointArn))).toBe(true);
    expect(allowing('s3:PutObject', '/async-input/churn-async/*')).toBe(true);
    expect(allowing('s3:GetObject', '/async/out/*')).toBe(true);
    expect(allowing('s3:GetObject', '/async/out/failures/*')).toBe(true);
    expect(allowing('s3:PutObject', '/async/out/*')).toBe(false);
    expect(allowing('kms:Decrypt', stack.resolve(endpoint.encryptionKey.keyArn))).toBe(true);
    expect(allowing('kms:GenerateDataKey', stack.resolve(data.encryptionKey.keyArn))).toBe(true);
    // exact actions, and the prefixes acknowledged on the caller: no unacknowledged finding
    expect(statements.flatMap((st: any) => [].concat(st.Action)).filter((action: string) => action.includes('*'))).toEqual([]);
    expect(unacknowledgedFindings(stack).filter((finding) => finding.path.startsWith('TestStack/Caller'))).toEqual([]);
  });

  test('the default asynchronous endpoint has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = asyncEndpoint();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('the revision given to the model changes with the asynchronous configuration', () => {
    const revisionOf = (overrides: Partial<MonitoredEndpointProps>) => {
      const stack = newStack();
      const data = new SecureBucket(stack, 'Data');
      let revision: string | undefined;
      new MonitoredEndpoint(stack, 'Endpoint', {
        model: { bindForServing: (_scope, options) => { revision = options?.revision; return { modelName: 'm' }; } },
        endpointName: 'churn',
        ...overrides,
        asyncInference: overrides.asyncInference && { ...overrides.asyncInference, output: { bucket: data.bucket, prefix: overrides.asyncInference.output.prefix } },
      });
      return stack.resolve(revision);
    };
    const output = (prefix: string) => ({ asyncInference: { output: { bucket: undefined as any, prefix } } });
    expect(revisionOf(output('a/'))).toEqual(revisionOf(output('a/')));
    expect(revisionOf(output('a/'))).not.toEqual(revisionOf({}));
    expect(revisionOf(output('a/'))).not.toEqual(revisionOf(output('b/')));
    expect(revisionOf({ asyncInference: { ...output('a/').asyncInference, maxConcurrentInvocationsPerInstance: 2 } })).not.toEqual(revisionOf(output('a/')));
  });
});

describe('MonitoredEndpoint asynchronous inference rejects bad input at synth', () => {
  const messageOf = (async: Partial<AsyncInferenceOptions>, overrides: Partial<MonitoredEndpointProps> = {}) => {
    try {
      asyncEndpoint(async, overrides);
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  };

  test('serverless variants and shadow variants', () => {
    const message = messageOf({}, {
      variants: [{ name: 'S', serverless: { memorySizeMb: 2048, maxConcurrency: 5 } }], disableDataCapture: true,
    });
    expect(message).toMatch(/variants\[\]\.serverless: got \["S"\]; allowed: nothing with asyncInference: asynchronous inference runs on instances only/);
    expect(messageOf({}, { shadowVariants: [{ name: 'Shadow' }] })).toMatch(/shadowVariants: got \["Shadow"\]; allowed: nothing with asyncInference/);
  });

  test('no output location', () => {
    expect(messageOf({ output: undefined as any })).toMatch(/asyncInference\.output: got nothing; allowed: the bucket and prefix SageMaker writes the results to/);
    expect(messageOf({ failurePrefix: 'failed' })).toMatch(/asyncInference\.failurePrefix: got "failed"; allowed: a key prefix ending in "\/"/);
  });

  test('scale to zero with a minimum above zero, or without autoscaling', () => {
    expect(messageOf({ scaleToZero: true }, { autoScaling: { minCapacity: 2, maxCapacity: 4 } }))
      .toMatch(/autoScaling\.minCapacity: got 2; allowed: 0 \(or nothing\) with asyncInference\.scaleToZero/);
    expect(messageOf({ scaleToZero: true })).toMatch(/autoScaling: got nothing; allowed: a maxCapacity to scale back up to/);
    expect(messageOf({ scaleToZero: true }, { autoScaling: { minCapacity: 0, maxCapacity: 4 } })).toBe('');
  });

  test('data capture into the asynchronous locations, and an invocation target the endpoint does not publish', () => {
    // GIVEN captures in the output bucket under a prefix that holds the results
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    expect(() => new MonitoredEndpoint(stack, 'Endpoint', {
      model: { bindForServing: () => ({ modelName: 'm' }) },
      endpointName: 'churn',
      dataCapture: { bucket: data.bucket },
      asyncInference: { output: { bucket: data.bucket, prefix: '' } },
    })).toThrow(/dataCapture\.bucket: got "capture\/churn\/ \(the output prefix is \\"\\"\)"; allowed: a bucket or prefix apart from the asynchronous output location/);
    // the same bucket under other prefixes is fine
    expect(() => new MonitoredEndpoint(stack, 'Other', {
      model: { bindForServing: () => ({ modelName: 'm' }) },
      endpointName: 'churn-2',
      dataCapture: { bucket: data.bucket },
      asyncInference: { output: { bucket: data.bucket, prefix: 'async/out/' } },
    })).not.toThrow();
    expect(messageOf({}, { autoScaling: { maxCapacity: 4, targetInvocationsPerInstance: 100 } }))
      .toMatch(/autoScaling\.targetInvocationsPerInstance: got 100; allowed: nothing with asyncInference: asynchronous endpoints publish no InvocationsPerInstance/);
  });

  test('a concurrency outside 1 to 1000 and a backlog target of 0', () => {
    const message = messageOf({ maxConcurrentInvocationsPerInstance: 1001, targetBacklogPerInstance: 0 });
    expect(message).toMatch(/asyncInference\.maxConcurrentInvocationsPerInstance: got 1001; allowed: a whole number from 1 to 1000/);
    expect(message).toMatch(/asyncInference\.targetBacklogPerInstance: got 0; allowed: a number of queued requests above 0/);
  });
});
