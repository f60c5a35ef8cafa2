import { Duration, Names, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelApproval } from './model-approval';
import { retrainingDefinition } from './private/definition';
import { grantRetrainingSteps } from './private/permissions';
import { RetrainingConcurrency } from './retraining-concurrency';
import { RetrainingEvaluation } from './retraining-evaluation';
import { RetrainingSchedule } from './retraining-schedule';
import { Algorithm } from '../core/algorithm';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { checkObjectiveMetric } from '../core/private/algorithm-checks';
import { specificationOf } from '../core/private/algorithm-specs';
import { DEFAULT_SERVING_INSTANCE_TYPES } from '../core/private/serving-instance-types';
import { ValidationProblems } from '../core/private/validation';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';
import { MonitoredEndpoint } from '../inference/monitored-endpoint';
import { servedGroupsOf } from '../models/private/served-groups';
import { jobHandler } from '../private/job-handler';
import { IModelRegistry } from '../registry/model-registry-base';
import { APPROVED, modelPackageStateChange } from '../registry/private/events';
import { hasRules, watchRuleIssues } from '../training/private/observability';
import { checkHyperparameters, checkTrainingSettings, renderTags, setUpTraining } from '../training/private/training-setup';
import { SecureTrainingJobProps } from '../training/secure-training-job';
import { checkTuning, tuningJobConfig } from '../tuning/private/tuning-request';
import { TunedModelProps } from '../tuning/tuned-model';

/**
 * Properties of a {@link RetrainingPipeline}.
 */
export interface RetrainingPipelineProps {
  /**
   * Train: the settings a `SecureTrainingJob` takes (with its defaults). Exactly one of
   * `training` and `tuning`.
   *
   * @default - none
   */
  readonly training?: SecureTrainingJobProps;

  /**
   * Tune, then take the best training job: the settings a `TunedModel` takes.
   *
   * @default - none
   */
  readonly tuning?: TunedModelProps;

  /** Every run that passes its evaluation registers a version here. */
  readonly registry: IModelRegistry;

  /**
   * How a new model is judged before it is registered.
   *
   * @default - none: every model that trains is registered (pending approval)
   */
  readonly evaluation?: RetrainingEvaluation;

  /**
   * How a version that passed is approved.
   *
   * @default ModelApproval.MANUAL
   */
  readonly approval?: ModelApproval;

  /**
   * The endpoint approved versions are promoted to, with its own guardrails. Its model must come
   * from the same registry (`ServableModel.fromLatestApproved` or `fromModelPackage`).
   *
   * @default - versions are registered, not promoted
   */
  readonly endpoint?: MonitoredEndpoint;

  /**
   * Run on a schedule.
   *
   * @default - no schedule
   */
  readonly schedule?: RetrainingSchedule;

  /**
   * Start a run when one of the endpoint's drift alarms goes off.
   *
   * @default false
   */
  readonly retrainOnDrift?: boolean;

  /**
   * What a run does while another one is going.
   *
   * @default RetrainingConcurrency.REFUSE
   */
  readonly concurrency?: RetrainingConcurrency;

  /**
   * The longest a run may take.
   *
   * @default - the job's maximum runtime (and wait) plus 2 hours
   */
  readonly timeout?: Duration;

  /**
   * Where the pipeline's alarms notify.
   *
   * @default - a new SNS topic encrypted with the pipeline's key
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Retraining outside deploys: a Step Functions standard workflow that trains (or tunes) with the
 * same settings and defaults as `SecureTrainingJob` (`TunedModel`), evaluates the new model against
 * a threshold and the version in production, registers it in a `ModelRegistry` (approved at once
 * or pending a person), and promotes approved versions to a `MonitoredEndpoint` with the
 * endpoint's own guardrails, whenever the approval happens. Runs start on a schedule, on the
 * endpoint's drift alarms, or by hand; a run that does not pass ends as "rejected", not failed.
 *
 * Execution data and logs (level ALL) are encrypted with a customer-managed key, tracing is on,
 * and failed, timed-out and rejected runs alarm.
 */
export class RetrainingPipeline extends Resource {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;

  /** The role the training (or tuning) jobs run as. */
  public readonly executionRole: iam.IRole;

  /** The alarms: failed, timed-out and rejected runs. */
  public readonly alarms: cloudwatch.Alarm[] = [];

  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;

  /** The key of the execution data, logs and topic. */
  public readonly encryptionKey: kms.IKey;

  /**
   * The topic told when a profiler or Debugger rule of a run's training job finds issues; none
   * unless `training` has rules.
   */
  public readonly ruleIssuesTopic?: sns.ITopic;

  private readonly rejectedRunsMetric: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: RetrainingPipelineProps) {
    super(scope, id);
    const settings = props.training ?? props.tuning;
    validate(scope, id, props);
    const prefix = Names.uniqueResourceName(this, { maxLength: props.tuning ? 23 : 54, separator: '-' }).toLowerCase();
    const stack = Stack.of(this);
    const setup = setUpTraining(this, settings!, prefix, stack.formatArn({ service: 'sagemaker', resource: props.tuning ? '*' : 'training-job', resourceName: `${prefix}-*` }));
    this.executionRole = setup.role.role;
    this.encryptionKey = setup.encryptionKey;
    const algorithm: Algorithm = settings!.algorithm;

    const request: Record<string, any> = props.training ? {
      ...setup.definition,
      AlgorithmSpecification: { ...setup.definition.AlgorithmSpecification, EnableSageMakerMetricsTimeSeries: true },
      HyperParameters: props.training.hyperparameters ?? {},
      Tags: renderTags(props.training.tags),
    } : {
      HyperParameterTuningJobConfig: tuningJobConfig(props.tuning!),
      TrainingJobDefinition: { ...setup.definition, StaticHyperParameters: props.tuning!.staticHyperparameters ?? {} },
      Tags: renderTags(props.tuning!.tags),
    };

    // The promotion step runs in the stack's deploy-time function (in the VPC), which copies the
    // endpoint's configuration with the new version's model.
    const handler = props.endpoint ? jobHandler(this, setup.encryptionKey, setup.network) : undefined;
    // The registered version serves on these CPU instance types: the CPU variant of a companion image.
    const servingInstanceTypes = [...DEFAULT_SERVING_INSTANCE_TYPES];
    const image = algorithm.bind(this, setup.role, { instanceTypes: servingInstanceTypes });
    const spec = specificationOf(algorithm)?.specification;
    const evaluation = props.evaluation;
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const definition = retrainingDefinition({
      partition: '',
      kind: props.training ? 'training' : 'tuning',
      request,
      namePrefix: prefix,
      checkpointUri: settings!.spot ? setup.outputBucket.s3UrlForObject(`${setup.outputPrefix}checkpoints/`) : undefined,
      evaluation: evaluation ? {
        metricName: evaluation.metricName,
        higherIsBetter: evaluation.higherIsBetter,
        threshold: evaluation.options.threshold,
        mustBeatProduction: evaluation.options.mustBeatProduction ?? false,
      } : undefined,
      registration: {
        modelPackageGroupName: props.registry.modelPackageGroupName,
        image: image.imageUri,
        contentTypes: [...(spec?.inference.accept ?? ['text/csv'])],
        responseTypes: [...(spec?.inference.produce ?? ['application/json'])],
        instanceTypes: servingInstanceTypes.map(String),
        kmsKeyArn: setup.encryptionKey.keyArn,
        approvalStatus: props.approval === ModelApproval.AUTOMATIC ? 'Approved' : 'PendingManualApproval',
      },
      promotion: props.endpoint && handler ? {
        functionArn: handler.function.functionArn,
        endpointName: props.endpoint.endpointName,
        namePrefix: prefix.slice(0, 40),
      } : undefined,
      waitForOtherRuns: props.concurrency === RetrainingConcurrency.WAIT,
    });

    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Runs the retraining pipeline ${this.node.path}`,
    });
    grantRetrainingSteps(this, role, {
      kind: props.training ? 'training' : 'tuning',
      namePrefix: prefix,
      executionRole: setup.role.role,
      encryptionKey: setup.encryptionKey,
      registry: props.registry,
      stateMachineName,
      promotion: props.endpoint && handler ? { endpoint: props.endpoint, handler, servedRoles: servedGroupsOf(props.endpoint).map((g) => g.role.role), namePrefix: prefix.slice(0, 40) } : undefined,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', { encryptionKey: setup.encryptionKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const longest = (settings!.spot ? setup.maxWait ?? setup.maxRuntime : setup.maxRuntime);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      role,
      timeout: props.timeout ?? longest.plus(Duration.hours(2)),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(setup.encryptionKey),
    });

    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'Alarms', {
      displayName: `Alarms of the retraining pipeline ${this.node.path}`,
      masterKey: setup.encryptionKey,
      enforceSSL: true,
    });
    this.rejectedRunsMetric = this.createAlarms(logGroup, stateMachineName);
    this.createTriggers(props, stack);
    if (props.training && hasRules(props.training)) {
      // Each run's training job is named `<prefix>-<run>`: the rule matches the prefix, and a job
      // stopped for its rules' issues fails the run's training step (and so alarms).
      const jobs = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${prefix}-*` });
      const stopper = props.training.stopOnRuleIssues ? jobHandler(this, setup.encryptionKey, setup.network) : undefined;
      if (stopper) {
        stopper.allow(['sagemaker:StopTrainingJob'], jobs);
        acknowledgeWildcardResource(stopper.role, jobs, 'Stops only this pipeline\'s training jobs, named with the pipeline\'s prefix and a per-run suffix, when their Debugger or profiler rules find issues.');
      }
      this.ruleIssuesTopic = watchRuleIssues(this, {
        jobNamePrefix: `${prefix}-`, encryptionKey: setup.encryptionKey, topic: props.training.ruleIssuesTopic, stopWith: stopper?.function,
      });
    }
    if (props.endpoint) {
      // Beside the endpoint's graphs when in its stack; a dashboard of its own otherwise (the
      // endpoint's stack must not depend on this one, which depends on it).
      this.addDashboardRow(Stack.of(props.endpoint) === stack ? props.endpoint.dashboard : new cloudwatch.Dashboard(this, 'Dashboard'));
    }
  }

  /** Lets the grantee start runs by hand (an execution input may name a `partition` of the inputs). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Runs that failed. @default - sum over 5 minutes */
  public metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ period: Duration.minutes(5), ...props });
  }

  /** Runs that ended successfully (registered, rejected or promoted). @default - sum over 5 minutes */
  public metricRunsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded({ period: Duration.minutes(5), ...props });
  }

  /** Runs that timed out. @default - sum over 5 minutes */
  public metricRunsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut({ period: Duration.minutes(5), ...props });
  }

  /** Runs whose model did not pass the evaluation. @default - sum over 5 minutes */
  public metricRunsRejected(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.rejectedRunsMetric.with({ ...props });
  }

  /** How long runs take, in milliseconds. @default - average over 5 minutes */
  public metricRunTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime({ period: Duration.minutes(5), ...props });
  }

  private createAlarms(logGroup: logs.LogGroup, stateMachineName: string): cloudwatch.Metric {
    // Step Functions publishes no metric per state: a rejected run is counted from the log.
    const rejected = new logs.MetricFilter(this, 'RejectedRuns', {
      logGroup,
      filterPattern: logs.FilterPattern.literal('{ ($.type = "PassStateEntered") && (($.details.name = "Rejected") || ($.details.name = "MetricNotReported")) }'),
      metricNamespace: 'SageMakerSecureConstructs/Retraining',
      metricName: `${stateMachineName}-RunsRejected`,
      metricValue: '1',
      defaultValue: 0,
    });
    const rejectedMetric = rejected.metric({ statistic: 'Sum', period: Duration.minutes(5) });
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${this.node.path}: ${description}`,
      });
      created.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
      this.alarms.push(created);
    };
    alarm('RunsFailed', this.metricRunsFailed(), 'a retraining run failed (a job, the registration or a promotion)');
    alarm('RunsTimedOut', this.metricRunsTimedOut(), 'a retraining run timed out');
    alarm('RunsRejected', rejectedMetric, 'a retrained model did not pass its evaluation');
    return rejectedMetric;
  }

  private createTriggers(props: RetrainingPipelineProps, stack: Stack): void {
    if (props.endpoint) {
      // Its own role, whose grant lands in a managed policy (the HIPAA/NIST/PCI packs reject inline ones).
      const eventsRole = new ManagedPolicyRole(this, 'EventsRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Starts the runs of ${this.node.path} on approvals and drift alarms`,
      });
      const target = new targets.SfnStateMachine(this.stateMachine, { role: eventsRole, retryAttempts: 3, maxEventAge: Duration.hours(2) });
      // Whenever a version of the registry is approved (by this pipeline or a person), promote it.
      // The rule is the pipeline's, so a registry in another stack does not depend on this one.
      new events.Rule(this, 'OnApproval', {
        description: `Promotes approved versions of ${props.registry.modelPackageGroupName} to ${props.endpoint.endpointName}`,
        eventPattern: modelPackageStateChange(props.registry.modelPackageGroupName, APPROVED),
        targets: [target],
      });
      if (props.retrainOnDrift) {
        new events.Rule(this, 'OnDrift', {
          description: `Retrains when ${props.endpoint.endpointName} drifts from its baseline`,
          eventPattern: {
            source: ['aws.cloudwatch'],
            detailType: ['CloudWatch Alarm State Change'],
            resources: props.endpoint.driftAlarms.map((a) => a.alarmArn),
            detail: { state: { value: ['ALARM'] } },
          },
          targets: [target],
        });
      }
    }
    if (props.schedule) {
      const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Starts the retraining runs of ${this.node.path} on schedule`,
      });
      this.stateMachine.grantStartExecution(schedulerRole);
      schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.encryptionKey.keyArn] }));
      new scheduler.CfnSchedule(this, 'Schedule', {
        description: `Retrains ${this.node.path}`,
        scheduleExpression: props.schedule.expressionString,
        scheduleExpressionTimezone: props.schedule.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        kmsKeyArn: this.encryptionKey.keyArn,
        target: { arn: this.stateMachine.stateMachineArn, roleArn: schedulerRole.roleArn, input: JSON.stringify({ trigger: 'schedule' }) },
      });
    }
  }

  private addDashboardRow(dashboard: cloudwatch.Dashboard): void {
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Retraining runs', left: [this.metricRunsSucceeded(), this.metricRunsFailed(), this.metricRunsRejected(), this.metricRunsTimedOut()] }),
      new cloudwatch.GraphWidget({ title: 'Retraining run time (ms)', left: [this.metricRunTime()] }),
      new cloudwatch.AlarmStatusWidget({ title: 'Retraining alarms', alarms: this.alarms }),
    );
  }
}

const RETRAINING = 'RetrainingPipeline';

function validate(scope: Construct, id: string, props: RetrainingPipelineProps): void {
  const problems = ValidationProblems.of(RETRAINING, scope, id);
  problems.require((props.training === undefined) !== (props.tuning === undefined), 'training / tuning',
    props.training && props.tuning ? 'both' : 'neither', 'exactly one of training and tuning');
  if (props.training) {
    checkTrainingSettings(problems, props.training);
    checkHyperparameters(problems, props.training.algorithm, 'training.hyperparameters', props.training.hyperparameters ?? {});
  }
  if (props.tuning) checkTuning(problems, props.tuning);
  const settings = props.training ?? props.tuning;
  if (settings && props.evaluation) {
    const hyperparameters = props.training?.hyperparameters ?? props.tuning?.staticHyperparameters ?? {};
    checkObjectiveMetric(problems, settings.algorithm, 'evaluation', props.evaluation.metricName, hyperparameters, settings.inputs.map((input) => input.channelName));
  }
  problems.require(!(props.approval === ModelApproval.AUTOMATIC && !props.evaluation), 'approval', props.approval,
    'ModelApproval.MANUAL without an evaluation (an automatic approval needs one to pass)');
  problems.require(!(props.evaluation?.options.mustBeatProduction && !props.endpoint), 'evaluation.mustBeatProduction', true,
    'false without an endpoint (production is what the endpoint serves)');
  problems.require(!(props.retrainOnDrift && !props.endpoint), 'retrainOnDrift', true, 'false without an endpoint (its drift alarms start runs)');
  if (props.endpoint) {
    const groups = servedGroupsOf(props.endpoint).map((g) => g.modelPackageGroupName);
    problems.require(groups.includes(props.registry.modelPackageGroupName), 'endpoint', props.endpoint.endpointName,
      `an endpoint whose model comes from the registry ${props.registry.modelPackageGroupName} (ServableModel.fromLatestApproved or fromModelPackage); it serves ${groups.length ? groups.join(', ') : 'no registry version'}`);
    problems.require(!props.retrainOnDrift || props.endpoint.driftAlarms.length > 0, 'retrainOnDrift', true,
      'an endpoint with drift alarms (monitoring.driftAlarmFeatures)');
  }
  for (const [prop, value, allowed] of props.schedule?._problems() ?? []) problems.add(prop, value, allowed);
  if (props.timeout) {
    problems.require(props.timeout.toSeconds() >= 60 && props.timeout.toSeconds() <= Duration.days(365).toSeconds(), 'timeout', props.timeout.toHumanString(), '1 minute to 1 year');
  }
  problems.throwIfAny();
}
