import { Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { InstanceType } from '../../core/instance-type';
import { regionalRegistryAccount } from '../../core/private/regional-registry';
import { ValidationProblems } from '../../core/private/validation';
import { SageMakerExecutionRole } from '../../core/roles';
import { DebuggerRule, RuleEvaluatorImage } from '../debugger-rule';
import { TrainingObservability } from '../training-observability';

/**
 * Registries of Debugger's built-in rule evaluator (`sagemaker-debugger-rules`), by region.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-reference.html#debuger-built-in-registry-ids
 */
export const BUILT_IN_RULE_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
  'ap-east-1': '199566480951',
  'ap-northeast-1': '430734990657',
  'ap-northeast-2': '578805364391',
  'ap-south-1': '904829902805',
  'ap-southeast-1': '972752614525',
  'ap-southeast-2': '184798709955',
  'ca-central-1': '519511493484',
  'cn-north-1': '618459771430',
  'cn-northwest-1': '658757709296',
  'eu-central-1': '482524230118',
  'eu-north-1': '314864569078',
  'eu-west-1': '929884845733',
  'eu-west-2': '250201462417',
  'eu-west-3': '447278800020',
  'me-south-1': '986000313247',
  'sa-east-1': '818342061345',
  'us-east-1': '503895931360',
  'us-east-2': '915447279597',
  'us-west-1': '685455198987',
  'us-west-2': '895741380848',
};

/**
 * Registries of Debugger's custom rule evaluator (`sagemaker-debugger-rule-evaluator`), by region.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-reference.html#debuger-custom-rule-registry-ids
 */
export const CUSTOM_RULE_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
  'ap-east-1': '645844755771',
  'ap-northeast-1': '670969264625',
  'ap-northeast-2': '326368420253',
  'ap-south-1': '552407032007',
  'ap-southeast-1': '631532610101',
  'ap-southeast-2': '445670767460',
  'ca-central-1': '105842248657',
  'cn-north-1': '617202126805',
  'cn-northwest-1': '658559488188',
  'eu-central-1': '691764027602',
  'eu-north-1': '091235270104',
  'eu-west-1': '606966180310',
  'eu-west-2': '074613877050',
  'eu-west-3': '224335253976',
  'me-south-1': '050406412588',
  'sa-east-1': '466516958431',
  'us-east-1': '864354269164',
  'us-east-2': '840043622174',
  'us-west-1': '952348334681',
  'us-west-2': '759209512951',
};

/** The sampling intervals ProfilerConfig accepts, in milliseconds. */
export const PROFILING_INTERVALS_MS = [100, 200, 500, 1000, 5000, 60000];
/** The API's limit on each of DebugRuleConfigurations and ProfilerRuleConfigurations. */
const MAX_RULES = 20;
const RULE_NAME = /^.{1,256}$/;

/** Checks the profiler and rules; problems are added, not thrown. */
export function checkObservability(problems: ValidationProblems, settings: TrainingObservability): void {
  const profilerRules = settings.profiler?.rules ?? [];
  const debuggerRules = settings.debuggerRules ?? [];
  const interval = settings.profiler?.systemMetricsInterval;
  if (interval && !Token.isUnresolved(interval.toMilliseconds())) {
    problems.require(PROFILING_INTERVALS_MS.includes(interval.toMilliseconds()), 'profiler.systemMetricsInterval', interval.toHumanString(),
      `one of ${PROFILING_INTERVALS_MS.map((ms) => Duration.millis(ms).toHumanString()).join(', ')} (the intervals Debugger samples at)`);
  }
  problems.require(profilerRules.length <= MAX_RULES, 'profiler.rules', `${profilerRules.length} rules`, `at most ${MAX_RULES}`);
  problems.require(debuggerRules.length <= MAX_RULES, 'debuggerRules', `${debuggerRules.length} rules`, `at most ${MAX_RULES}`);
  const names = new Set<string>();
  for (const [prop, name] of [...profilerRules.map((rule) => ['profiler.rules[].ruleName', rule.ruleName]),
    ...debuggerRules.map((rule) => ['debuggerRules[].ruleName', rule.ruleName])]) {
    problems.require(RULE_NAME.test(name), prop, name, '1 to 256 characters');
    problems.require(!names.has(name), prop, name, 'a name no other rule of the job has (each rule once)');
    names.add(name);
  }
  for (const rule of debuggerRules) {
    const custom = rule.customOptions;
    if (!custom) continue;
    const prop = `debuggerRules[${rule.ruleName}]`;
    // jsii languages can pass null where TypeScript insists on a value.
    problems.require(custom.image !== undefined && custom.image !== null, `${prop}.image`, custom.image,
      'RuleEvaluatorImage.customRuleEvaluator() or RuleEvaluatorImage.fromEcrRepository(...)');
    problems.require(typeof custom.ruleClass === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(custom.ruleClass), `${prop}.ruleClass`, custom.ruleClass,
      'the name of a Python class in the source file');
    problems.require(typeof custom.sourceKey === 'string' && custom.sourceKey.endsWith('.py'), `${prop}.sourceKey`, custom.sourceKey,
      'the object key of a Python source file (ending in .py)');
    const gib = custom.volumeSize?.toGibibytes();
    if (gib !== undefined) problems.require(gib >= 1 && gib <= 16384, `${prop}.volumeSize`, `${gib} GiB`, '1 to 16384 GiB');
  }
  problems.require(!settings.stopOnRuleIssues || profilerRules.length + debuggerRules.length > 0, 'stopOnRuleIssues', true,
    'false unless the job has profiler or Debugger rules');
}

/** Whether the settings give the job any rule, whose status may become IssuesFound. */
export function hasRules(settings: TrainingObservability): boolean {
  return (settings.profiler?.rules.length ?? 0) + (settings.debuggerRules?.length ?? 0) > 0;
}

/**
 * The CreateTrainingJob fields of the profiler and rules, written under the output prefix (which
 * the role writes and reads; SageMaker adds `<job name>/profiler-output`, `debug-output` and
 * `rule-output`), with the role allowed the rule images and custom rules' sources.
 */
export function renderObservability(scope: Construct, role: SageMakerExecutionRole, outputBucket: s3.IBucket, outputPrefix: string,
  settings: TrainingObservability): Record<string, unknown> {
  const { profiler } = settings;
  const debuggerRules = settings.debuggerRules ?? [];
  const s3OutputPath = outputBucket.s3UrlForObject(outputPrefix);
  const fields: Record<string, unknown> = {};
  if (profiler) {
    fields.ProfilerConfig = profiler.isDisabled ? { DisableProfiler: true } : {
      S3OutputPath: s3OutputPath,
      ProfilingIntervalInMilliseconds: profiler.systemMetricsInterval!.toMilliseconds(),
    };
    if (profiler.rules.length > 0) {
      const image = builtInRuleImage(scope, role);
      fields.ProfilerRuleConfigurations = profiler.rules.map((rule) => ({
        RuleConfigurationName: rule.ruleName,
        RuleEvaluatorImage: image,
        S3OutputPath: s3OutputPath,
        RuleParameters: { rule_to_invoke: rule.ruleName, ...rule.parameters },
      }));
    }
  }
  if (debuggerRules.length > 0) {
    fields.DebugHookConfig = { S3OutputPath: s3OutputPath };
    fields.DebugRuleConfigurations = debuggerRules.map((rule) => renderDebuggerRule(scope, role, rule, s3OutputPath));
  }
  return fields;
}

function renderDebuggerRule(scope: Construct, role: SageMakerExecutionRole, rule: DebuggerRule, s3OutputPath: string): Record<string, unknown> {
  const custom = rule.customOptions;
  if (!custom) {
    return {
      RuleConfigurationName: rule.ruleName,
      RuleEvaluatorImage: builtInRuleImage(scope, role),
      S3OutputPath: s3OutputPath,
      RuleParameters: { rule_to_invoke: rule.ruleName, ...rule.parameters },
    };
  }
  role.grantRead(custom.sourceBucket, custom.sourceKey);
  return {
    RuleConfigurationName: rule.ruleName,
    RuleEvaluatorImage: customRuleImage(scope, role, custom.image),
    S3OutputPath: s3OutputPath,
    InstanceType: (custom.instanceType ?? InstanceType.ML_T3_MEDIUM).toString(),
    VolumeSizeInGB: custom.volumeSize?.toGibibytes() ?? 30,
    RuleParameters: {
      ...rule.parameters,
      source_s3_uri: custom.sourceBucket.s3UrlForObject(custom.sourceKey),
      rule_to_invoke: custom.ruleClass,
    },
  };
}

function builtInRuleImage(scope: Construct, role: SageMakerExecutionRole): string {
  return regionalImage(scope, role, 'SageMakerDebuggerRuleRegistries', BUILT_IN_RULE_REGISTRY_ACCOUNTS, 'sagemaker-debugger-rules',
    'Debugger built-in rules');
}

function customRuleImage(scope: Construct, role: SageMakerExecutionRole, image: RuleEvaluatorImage): string {
  if (image.repository) {
    role.grantPull(image.repository);
    return image.repository.repositoryUriForTag(image.tag);
  }
  return regionalImage(scope, role, 'SageMakerDebuggerCustomRuleRegistries', CUSTOM_RULE_REGISTRY_ACCOUNTS, 'sagemaker-debugger-rule-evaluator',
    'Debugger custom rules');
}

/** The region's image of an AWS registry (an unknown region is a synth error), pullable by the role. */
function regionalImage(scope: Construct, role: SageMakerExecutionRole, mappingId: string, accounts: Readonly<Record<string, string>>,
  repositoryName: string, what: string): string {
  const stack = Stack.of(scope);
  const account = regionalRegistryAccount(scope, mappingId, accounts, what);
  role.grantPullFrom(`arn:${stack.partition}:ecr:${stack.region}:${account}:repository/${repositoryName}`, `The region's ${what} image (${repositoryName}).`);
  return Fn.join('', [account, '.dkr.ecr.', stack.region, '.', stack.urlSuffix, `/${repositoryName}:latest`]);
}

/** What watches a job's rule statuses. */
export interface RuleIssueWatchProps {
  /** The job watched; or, for the jobs a pipeline names per run, `jobNamePrefix`. */
  readonly jobName?: string;
  readonly jobNamePrefix?: string;
  readonly encryptionKey: kms.IKey;
  readonly topic?: sns.ITopic;
  /** The stack's job handler, told to stop the job, if it should be stopped. */
  readonly stopWith?: lambda.IFunction;
}

/**
 * An EventBridge rule on the job's state change events that carry a rule status of IssuesFound:
 * it tells the topic (a new one, encrypted with the job's key, unless given) and, if asked, has
 * the job handler stop the job. Returns the topic.
 */
export function watchRuleIssues(scope: Construct, props: RuleIssueWatchProps): sns.ITopic {
  const topic = props.topic ?? new sns.Topic(scope, 'RuleIssues', {
    displayName: `Debugger and profiler rule issues of ${scope.node.path}`,
    masterKey: props.encryptionKey,
    enforceSSL: true,
  });
  if (!props.topic) {
    // EventBridge publishes to the encrypted topic with the key.
    props.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeToPublishToEncryptedTopics',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }));
  }
  const rule = new events.Rule(scope, 'RuleIssuesFound', {
    description: props.jobNamePrefix
      ? `A Debugger or profiler rule of a SageMaker training job named ${props.jobNamePrefix}* found issues`
      : `A Debugger or profiler rule of SageMaker training job ${props.jobName} found issues`,
    eventPattern: {
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Training Job State Change'],
      detail: {
        TrainingJobName: props.jobNamePrefix ? [{ prefix: props.jobNamePrefix }] : [props.jobName!],
        $or: [
          { DebugRuleEvaluationStatuses: { RuleEvaluationStatus: ['IssuesFound'] } },
          { ProfilerRuleEvaluationStatuses: { RuleEvaluationStatus: ['IssuesFound'] } },
        ],
      },
    },
  });
  // The whole event: it names every rule and its status (an input transformer could not, as a
  // job with only one kind of rule has no list of the other).
  rule.addTarget(new targets.SnsTopic(topic));
  if (props.stopWith) {
    rule.addTarget(new targets.LambdaFunction(props.stopWith, {
      event: events.RuleTargetInput.fromObject({
        stopForRuleIssues: { kind: 'training', jobName: events.EventField.fromPath('$.detail.TrainingJobName') },
      }),
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    }));
  }
  return topic;
}
