import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ValidationProblems } from '../../core/private/validation';
import { acknowledgeWildcardResource } from '../../core/private/wildcard-acknowledgment';
import { SageMakerExecutionRole } from '../../core/roles';
import { AsyncInferenceLocation, AsyncInferenceOptions } from '../async-inference';

/** An endpoint's asynchronous inference with every default filled in. */
export interface ResolvedAsync {
  readonly options: AsyncInferenceOptions;
  readonly input: AsyncInferenceLocation;
  readonly output: AsyncInferenceLocation;
  /** The failures' prefix in the output bucket. */
  readonly failurePrefix: string;
  readonly successTopic: sns.ITopic;
  readonly errorTopic: sns.ITopic;
}

/** The input location callers put payloads in unless told otherwise. */
export function defaultAsyncInput(options: AsyncInferenceOptions, endpointName: string): AsyncInferenceLocation {
  return options.input ?? { bucket: options.output.bucket, prefix: `async-input/${endpointName}/` };
}

/** The failure prefix unless told otherwise. */
export function defaultFailurePrefix(options: AsyncInferenceOptions): string {
  return options.failurePrefix ?? `${options.output.prefix}failures/`;
}

/** The defaults, and the success and error topics (new ones encrypted with the endpoint's key, TLS only). */
export function resolveAsync(scope: Construct, endpointName: string, options: AsyncInferenceOptions, encryptionKey: kms.IKey): ResolvedAsync {
  const topic = (id: string, what: string) => new sns.Topic(scope, id, {
    displayName: `Asynchronous ${what} of SageMaker endpoint ${endpointName}`,
    masterKey: encryptionKey,
    enforceSSL: true,
  });
  return {
    options,
    input: defaultAsyncInput(options, endpointName),
    output: options.output,
    failurePrefix: defaultFailurePrefix(options),
    successTopic: options.successTopic ?? topic('AsyncSuccess', 'results'),
    errorTopic: options.errorTopic ?? topic('AsyncErrors', 'failures'),
  };
}

/**
 * The endpoint configuration's AsyncInferenceConfig: results and failures KMS-encrypted with the
 * endpoint's key, notifications (with the output location, never the response itself).
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-sagemaker-endpointconfig-asyncinferenceconfig.html
 */
export function renderAsyncConfig(resolved: ResolvedAsync, encryptionKey: kms.IKey): sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty {
  const max = resolved.options.maxConcurrentInvocationsPerInstance;
  return {
    outputConfig: {
      s3OutputPath: resolved.output.bucket.s3UrlForObject(resolved.output.prefix),
      s3FailurePath: resolved.output.bucket.s3UrlForObject(resolved.failurePrefix),
      kmsKeyId: encryptionKey.keyArn,
      notificationConfig: { successTopic: resolved.successTopic.topicArn, errorTopic: resolved.errorTopic.topicArn },
    },
    clientConfig: max !== undefined ? { maxConcurrentInvocationsPerInstance: max } : undefined,
  };
}

/**
 * SageMaker reads the payloads, writes the results and failures and publishes the notifications
 * with the model's role. As for captures, resources of the endpoint's stack grant it in their own
 * policies (the model often lives in another stack, which must not depend on this one); those of
 * other stacks, or imported, through the role itself.
 */
export function allowAsyncAccess(endpoint: Construct, modelRole: SageMakerExecutionRole, resolved: ResolvedAsync, encryptionKey: kms.IKey, modelKey?: kms.IKey): void {
  const role = modelRole.role;
  const principal = new iam.ArnPrincipal(role.roleArn);
  const local = (resource: Construct) => Stack.of(resource) === Stack.of(endpoint);
  const inBucketPolicy = (bucket: s3.IBucket, actions: string[], prefixes: string[]) => local(bucket) && bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [principal], actions, resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
  })).statementAdded;
  const keyUse = (key: kms.IKey, actions: string[]) => {
    if (key === modelKey) return; // the model's role already uses its key
    const added = local(key) && key.addToResourcePolicy(new iam.PolicyStatement({ principals: [principal], actions, resources: ['*'] })).statementAdded;
    if (!added) iam.Grant.addToPrincipal({ grantee: role, actions, resourceArns: [key.keyArn] });
  };

  const { input, output, failurePrefix } = resolved;
  if (inBucketPolicy(input.bucket, ['s3:GetObject'], [input.prefix])) {
    if (input.bucket.encryptionKey) keyUse(input.bucket.encryptionKey, ['kms:Decrypt']);
  } else {
    modelRole.grantRead(input.bucket, input.prefix);
  }
  if (!inBucketPolicy(output.bucket, ['s3:PutObject', 's3:AbortMultipartUpload'], [output.prefix, failurePrefix])) {
    modelRole.grantWrite(output.bucket, output.prefix);
    modelRole.grantWrite(output.bucket, failurePrefix);
  }
  keyUse(encryptionKey, ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt']);
  for (const topic of [resolved.successTopic, resolved.errorTopic]) {
    const added = local(topic) && topic.addToResourcePolicy(new iam.PolicyStatement({ principals: [principal], actions: ['sns:Publish'], resources: [topic.topicArn] })).statementAdded;
    if (!added) iam.Grant.addToPrincipal({ grantee: role, actions: ['sns:Publish'], resourceArns: [topic.topicArn] });
  }
}

/**
 * Lets a caller put payloads under the input prefix (encrypted with the input bucket's key) and
 * read the results and failures (encrypted with the endpoint's key): exact actions, objects under
 * the prefixes only.
 */
export function grantAsyncCaller(grantee: iam.IGrantable, resolved: ResolvedAsync, encryptionKey: kms.IKey): iam.Grant {
  const { input, output, failurePrefix } = resolved;
  const payloads = input.bucket.arnForObjects(`${input.prefix}*`);
  const results = [output.bucket.arnForObjects(`${output.prefix}*`), output.bucket.arnForObjects(`${failurePrefix}*`)];
  let grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [payloads] })
    .combine(iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: results }))
    .combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: [encryptionKey.keyArn] }));
  if (input.bucket.encryptionKey) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resourceArns: [input.bucket.encryptionKey.keyArn] }));
  }
  if (Construct.isConstruct(grantee.grantPrincipal)) {
    const reason = 'Puts asynchronous requests and reads their results: objects under the endpoint\'s input, output and failure prefixes, which S3 can only grant by pattern.';
    for (const arn of [payloads, ...results]) acknowledgeWildcardResource(grantee.grantPrincipal, arn, reason);
  }
  return grant;
}

/** An endpoint-wide metric of asynchronous inference (`AWS/SageMaker`, EndpointName only). */
export function asyncEndpointMetric(endpointName: string, metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SageMaker',
    metricName,
    dimensionsMap: { EndpointName: endpointName },
    statistic,
    period: Duration.minutes(1),
    ...props,
  });
}

/** The age of the oldest queued request and each variant's failed invocations; each notifies the topic. */
export function createAsyncAlarms(scope: Construct, endpointName: string, variantNames: string[], options: AsyncInferenceOptions, topic: sns.ITopic): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const add = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${endpointName}: ${description}`,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    alarms.push(alarm);
  };
  const age = options.alarms?.maxBacklogAge ?? Duration.minutes(30);
  add('AsyncBacklogAge', asyncEndpointMetric(endpointName, 'ApproximateAgeOfOldestRequest', 'Maximum', { period: Duration.minutes(5) }),
    age.toSeconds(), 'age of the oldest queued asynchronous request (seconds)');
  for (const variantName of variantNames) {
    add(`${variantName}AsyncInvocationFailures`, new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'InvocationFailures',
      dimensionsMap: { EndpointName: endpointName, VariantName: variantName },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }), options.alarms?.maxFailedInvocationsPer5Minutes ?? 1, `${variantName}: failed asynchronous invocations`);
  }
  return alarms;
}

/** Where an endpoint captures, to compare with the asynchronous locations. */
export interface CaptureLocation {
  readonly bucket?: s3.IBucket;
  readonly prefix: string;
}

/** Every problem with asynchronous inference on this endpoint. */
export function asyncProblems(problems: ValidationProblems, options: AsyncInferenceOptions, endpointName: string, context: {
  readonly serverless: string[];
  readonly shadows: string[];
  readonly capture?: CaptureLocation;
  readonly autoScaling?: { readonly minCapacity?: number; readonly targetInvocationsPerInstance?: number };
}): void {
  // Required in the types; JavaScript callers can still leave it out.
  const output = options.output as AsyncInferenceLocation | undefined;
  problems.require(output?.bucket !== undefined, 'asyncInference.output', output,
    'the bucket and prefix SageMaker writes the results to (an asynchronous endpoint returns only their location)');
  const prefixOk = (prefix: string | undefined) => prefix === undefined || Token.isUnresolved(prefix) || prefix === '' || prefix.endsWith('/');
  problems.require(prefixOk(output?.prefix), 'asyncInference.output.prefix', output?.prefix, 'a key prefix ending in "/"');
  problems.require(prefixOk(options.failurePrefix), 'asyncInference.failurePrefix', options.failurePrefix, 'a key prefix ending in "/"');
  problems.require(prefixOk(options.input?.prefix), 'asyncInference.input.prefix', options.input?.prefix, 'a key prefix ending in "/"');
  problems.require(context.serverless.length === 0, 'variants[].serverless', context.serverless,
    'nothing with asyncInference: asynchronous inference runs on instances only');
  problems.require(context.shadows.length === 0, 'shadowVariants', context.shadows,
    'nothing with asyncInference: shadow variants are for real-time endpoints');
  const max = options.maxConcurrentInvocationsPerInstance;
  if (max !== undefined) problems.require(Number.isInteger(max) && max >= 1 && max <= 1000, 'asyncInference.maxConcurrentInvocationsPerInstance', max, 'a whole number from 1 to 1000');
  const target = options.targetBacklogPerInstance;
  if (target !== undefined) problems.require(target > 0, 'asyncInference.targetBacklogPerInstance', target, 'a number of queued requests above 0');
  const age = options.alarms?.maxBacklogAge;
  if (age !== undefined) problems.require(age.toSeconds() > 0, 'asyncInference.alarms.maxBacklogAge', age.toHumanString(), 'a duration above 0');
  const failures = options.alarms?.maxFailedInvocationsPer5Minutes;
  if (failures !== undefined) problems.require(failures >= 1, 'asyncInference.alarms.maxFailedInvocationsPer5Minutes', failures, 'at least 1');

  const scaling = context.autoScaling;
  if (options.scaleToZero) {
    problems.require(scaling !== undefined, 'autoScaling', scaling, 'a maxCapacity to scale back up to: asyncInference.scaleToZero scales with autoScaling');
    if (scaling?.minCapacity !== undefined) {
      problems.require(scaling.minCapacity === 0, 'autoScaling.minCapacity', scaling.minCapacity, '0 (or nothing) with asyncInference.scaleToZero');
    }
  }
  if (scaling?.targetInvocationsPerInstance !== undefined) {
    problems.add('autoScaling.targetInvocationsPerInstance', scaling.targetInvocationsPerInstance,
      'nothing with asyncInference: asynchronous endpoints publish no InvocationsPerInstance (use asyncInference.targetBacklogPerInstance)');
  }

  // Captures written inside the locations of requests or results would be read back as one or the other.
  const capture = context.capture;
  if (output?.bucket && capture?.bucket) {
    const locations: Array<[string, AsyncInferenceLocation]> = [
      ['output', output],
      ['failure', { bucket: output.bucket, prefix: defaultFailurePrefix(options) }],
      ['input', defaultAsyncInput(options, endpointName)],
    ];
    for (const [what, location] of locations) {
      if (location.bucket !== capture.bucket || Token.isUnresolved(location.prefix)) continue;
      const overlaps = location.prefix.startsWith(capture.prefix) || capture.prefix.startsWith(location.prefix);
      problems.require(!overlaps, 'dataCapture.bucket', `${capture.prefix} (the ${what} prefix is ${JSON.stringify(location.prefix)})`,
        `a bucket or prefix apart from the asynchronous ${what} location: captures must not mix with requests, results or failures`);
    }
  }
}
