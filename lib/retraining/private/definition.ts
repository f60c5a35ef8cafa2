/**
 * The Amazon States Language definition of a retraining pipeline, as plain JSON (tokens inside
 * are rendered by the stack). One state machine runs two kinds of execution:
 *
 * - a retraining run (schedule, drift alarm, manual start): train or tune, evaluate, register;
 * - a promotion run (the registry's approval event): put the approved version on the endpoint
 *   with the endpoint's own guardrails, then wait until the endpoint serves it or rolled back.
 */

/** Where every evaluation-related value is read from in the run's state. */
const METRIC_VALUE = '$.evaluation.value[0]';

export interface EvaluationConfig {
  readonly metricName: string;
  readonly higherIsBetter: boolean;
  readonly threshold?: number;
  readonly mustBeatProduction: boolean;
}

export interface RegistrationConfig {
  readonly modelPackageGroupName: string;
  readonly image: string;
  readonly contentTypes: string[];
  readonly responseTypes: string[];
  readonly instanceTypes: string[];
  readonly kmsKeyArn: string;
  /** The status a version that passed gets. */
  readonly approvalStatus: 'Approved' | 'PendingManualApproval';
}

export interface PromotionConfig {
  readonly functionArn: string;
  readonly endpointName: string;
  readonly namePrefix: string;
}

export interface DefinitionConfig {
  readonly partition: string;
  readonly kind: 'training' | 'tuning';
  /** The job's Create request, without its name and with `InputDataConfig` to be completed. */
  readonly request: Record<string, any>;
  /** `<prefix>-` and 8 hex digits of a UUID: a new name per run. */
  readonly namePrefix: string;
  /** The S3 URI prefix checkpoints go under (spot), or undefined. */
  readonly checkpointUri?: string;
  readonly evaluation?: EvaluationConfig;
  readonly registration: RegistrationConfig;
  readonly promotion?: PromotionConfig;
  readonly waitForOtherRuns: boolean;
}

export function retrainingDefinition(config: DefinitionConfig): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  const run = config.kind === 'training' ? trainState(config, states) : tuneStates(config, states);

  states.Route = {
    Type: 'Choice',
    Comment: 'An approval event promotes; anything else (schedule, drift alarm, manual start) retrains.',
    Choices: [{ Variable: '$.detail.ModelPackageArn', IsPresent: true, Next: config.promotion ? 'Promote' : 'NothingToPromote' }],
    Default: 'OtherRuns',
  };
  if (!config.promotion) states.NothingToPromote = { Type: 'Pass', Comment: 'No endpoint to promote to.', End: true };
  states.OtherRuns = {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:sfn:listExecutions',
    Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'StatusFilter': 'RUNNING', 'MaxResults': 2 },
    ResultSelector: { 'running.$': 'States.ArrayLength($.Executions)' },
    ResultPath: '$.concurrency',
    Next: 'OneRunAtATime',
  };
  states.OneRunAtATime = {
    Type: 'Choice',
    Choices: [{ Variable: '$.concurrency.running', NumericGreaterThan: 1, Next: config.waitForOtherRuns ? 'WaitForOtherRun' : 'AlreadyRunning' }],
    Default: 'Defaults',
  };
  if (config.waitForOtherRuns) {
    states.WaitForOtherRun = { Type: 'Wait', Seconds: 300, Next: 'OtherRuns' };
  } else {
    states.AlreadyRunning = { Type: 'Fail', Error: 'AlreadyRunning', Cause: 'Another run of this retraining pipeline is still going.' };
  }
  // The execution input may name a partition (e.g. "2026-11-29/") appended to every channel's prefix.
  states.Defaults = { Type: 'Pass', Parameters: { partition: config.partition }, ResultPath: '$.defaults', Next: 'Run' };
  states.Run = {
    Type: 'Pass',
    Parameters: {
      'input.$': 'States.JsonMerge($.defaults, $$.Execution.Input, false)',
      'jobName.$': `States.Format('${config.namePrefix}-{}', States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0))`,
    },
    ResultPath: '$.run',
    Next: run,
  };

  const afterModel = config.evaluation ? evaluationStates(config.evaluation, config.registration, states) : 'Register';
  patchNext(states, '@model', afterModel);
  registrationStates(config, states);
  if (config.promotion) promotionStates(config.promotion, config.registration, states);
  return { Comment: 'Retrains, evaluates and registers a model; promotes approved versions (sagemaker-secure-constructs)', StartAt: 'Route', States: states };
}

/** Replaces a placeholder `Next` with the real state name. */
function patchNext(states: Record<string, any>, placeholder: string, next: string): void {
  for (const state of Object.values(states)) if (state.Next === placeholder) state.Next = next;
}

/** Channels whose S3 prefix gets the run's partition (manifest channels are used as they are). */
function channelsWithPartition(request: Record<string, any>): unknown[] {
  return (request.InputDataConfig as any[]).map((channel) => {
    const source = channel.DataSource.S3DataSource;
    if (source.S3DataType !== 'S3Prefix') return channel;
    const { S3Uri: uri, ...rest } = source;
    return { ...channel, DataSource: { S3DataSource: { ...rest, 'S3Uri.$': `States.Format('${uri}{}', $.run.input.partition)` } } };
  });
}

function trainState(config: DefinitionConfig, states: Record<string, unknown>): string {
  const { request } = config;
  states.Train = {
    Type: 'Task',
    Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
    Parameters: {
      ...request,
      'TrainingJobName.$': '$.run.jobName',
      'InputDataConfig': channelsWithPartition(request),
      'Tags': [...(request.Tags ?? []), { 'Key': 'sagemaker-secure-constructs:execution', 'Value.$': '$$.Execution.Id' }],
      ...(config.checkpointUri ? { CheckpointConfig: { 'S3Uri.$': `States.Format('${config.checkpointUri}{}/', $.run.jobName)` } } : {}),
    },
    ResultSelector: modelSelector(),
    ResultPath: '$.model',
    Next: '@model',
  };
  return 'Train';
}

function tuneStates(config: DefinitionConfig, states: Record<string, unknown>): string {
  const { request } = config;
  const definition = request.TrainingJobDefinition;
  states.Tune = {
    Type: 'Task',
    Resource: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
    Parameters: {
      ...request,
      'HyperParameterTuningJobName.$': '$.run.jobName',
      'TrainingJobDefinition': {
        ...definition,
        InputDataConfig: channelsWithPartition(definition),
        ...(config.checkpointUri ? { CheckpointConfig: { 'S3Uri.$': `States.Format('${config.checkpointUri}{}/', $.run.jobName)` } } : {}),
      },
      'Tags': [...(request.Tags ?? []), { 'Key': 'sagemaker-secure-constructs:execution', 'Value.$': '$$.Execution.Id' }],
    },
    ResultSelector: { 'bestJob.$': '$.BestTrainingJob.TrainingJobName' },
    ResultPath: '$.tuning',
    Next: 'BestTrainingJob',
  };
  states.BestTrainingJob = {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob',
    Parameters: { 'TrainingJobName.$': '$.tuning.bestJob' },
    ResultSelector: modelSelector(),
    ResultPath: '$.model',
    Next: '@model',
  };
  return 'Tune';
}

/** What the run keeps of a training job: its name, ARN, artifact and final metrics. */
function modelSelector(): Record<string, string> {
  return {
    'trainingJobName.$': '$.TrainingJobName',
    'trainingJobArn.$': '$.TrainingJobArn',
    'modelData.$': '$.ModelArtifacts.S3ModelArtifacts',
    'metrics.$': '$.FinalMetricDataList',
  };
}

function evaluationStates(evaluation: EvaluationConfig, registration: RegistrationConfig, states: Record<string, unknown>): string {
  const better = evaluation.higherIsBetter ? 'NumericGreaterThan' : 'NumericLessThan';
  const atLeastAsGood = evaluation.higherIsBetter ? 'NumericGreaterThanEquals' : 'NumericLessThanEquals';
  // A path filter that matches nothing is a runtime error (not catchable): whether the job
  // reported the metric is asked first, of the list of names it reported.
  states.ReadMetric = {
    Type: 'Pass',
    Parameters: { 'metric': evaluation.metricName, 'reported.$': `States.ArrayContains($.model.metrics[*].MetricName, '${evaluation.metricName}')` },
    ResultPath: '$.evaluation',
    Next: 'MetricReported',
  };
  states.MetricReported = {
    Type: 'Choice',
    Choices: [{ Variable: '$.evaluation.reported', BooleanEquals: true, Next: 'MetricValue' }],
    Default: 'MetricNotReported',
  };
  states.MetricValue = {
    Type: 'Pass',
    Parameters: { 'metric': evaluation.metricName, 'value.$': `$.model.metrics[?(@.MetricName == '${evaluation.metricName}')].Value` },
    ResultPath: '$.evaluation',
    Next: evaluation.threshold !== undefined ? 'Threshold' : (evaluation.mustBeatProduction ? 'ProductionVersion' : 'Register'),
  };
  states.MetricNotReported = rejected(`The training job reported no ${evaluation.metricName}.`);
  if (evaluation.threshold !== undefined) {
    states.Threshold = {
      Type: 'Choice',
      Choices: [{ Variable: METRIC_VALUE, [atLeastAsGood]: evaluation.threshold, Next: evaluation.mustBeatProduction ? 'ProductionVersion' : 'Register' }],
      Default: 'Rejected',
    };
  }
  states.Rejected = rejected(`${evaluation.metricName} did not meet the evaluation.`);
  if (evaluation.mustBeatProduction) {
    states.ProductionVersion = {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sagemaker:listModelPackages',
      Parameters: { ModelPackageGroupName: registration.modelPackageGroupName, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1 },
      ResultSelector: { 'versions.$': '$.ModelPackageSummaryList' },
      ResultPath: '$.production',
      Next: 'AnyProductionVersion',
    };
    states.AnyProductionVersion = {
      Type: 'Choice',
      Comment: 'The first version has nothing to beat.',
      Choices: [{ Variable: '$.production.versions[0]', IsPresent: true, Next: 'ProductionMetric' }],
      Default: 'Register',
    };
    states.ProductionMetric = {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sagemaker:describeModelPackage',
      Parameters: { 'ModelPackageName.$': '$.production.versions[0].ModelPackageArn' },
      ResultSelector: { 'metadata.$': '$.CustomerMetadataProperties' },
      ResultPath: '$.production.version',
      Next: 'ProductionMetricRecorded',
    };
    states.ProductionMetricRecorded = {
      Type: 'Choice',
      Comment: 'A version registered without this metric (by hand) cannot be compared: the new one passes.',
      Choices: [{ Variable: '$.production.version.metadata.evaluation_value', IsPresent: true, Next: 'ProductionValue' }],
      Default: 'Register',
    };
    states.ProductionValue = {
      Type: 'Pass',
      Parameters: { 'value.$': 'States.StringToJson($.production.version.metadata.evaluation_value)' },
      ResultPath: '$.production.metric',
      Next: 'BeatsProduction',
    };
    states.BeatsProduction = {
      Type: 'Choice',
      Choices: [{ Variable: METRIC_VALUE, [`${better}Path`]: '$.production.metric.value', Next: 'Register' }],
      Default: 'Rejected',
    };
  }
  return 'ReadMetric';
}

/** A run that ends as "rejected": a normal end, not a failure (the log and metrics tell them apart). */
function rejected(reason: string): Record<string, unknown> {
  return { Type: 'Pass', Parameters: { 'status': 'rejected', reason, 'trainingJob.$': '$.model.trainingJobName' }, End: true };
}

function registrationStates(config: DefinitionConfig, states: Record<string, unknown>): void {
  const { registration, evaluation } = config;
  states.Register = {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:sagemaker:createModelPackage',
    Parameters: {
      'ModelPackageGroupName': registration.modelPackageGroupName,
      'ModelPackageDescription.$': "States.Format('Retrained by execution {}', $$.Execution.Name)",
      'InferenceSpecification': {
        'Containers': [{ 'Image': registration.image, 'ModelDataUrl.$': '$.model.modelData' }],
        'SupportedContentTypes': registration.contentTypes,
        'SupportedResponseMIMETypes': registration.responseTypes,
        'SupportedRealtimeInferenceInstanceTypes': registration.instanceTypes,
        'SupportedTransformInstanceTypes': registration.instanceTypes,
      },
      'ModelApprovalStatus': registration.approvalStatus,
      'MetadataProperties': { 'GeneratedBy.$': '$.model.trainingJobArn' },
      'CustomerMetadataProperties': {
        'execution.$': '$$.Execution.Id',
        'training_job.$': '$.model.trainingJobName',
        ...(evaluation ? { 'evaluation_metric': evaluation.metricName, 'evaluation_value.$': `States.JsonToString(${METRIC_VALUE})` } : {}),
      },
      'SecurityConfig': { KmsKeyId: registration.kmsKeyArn },
    },
    ResultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
    ResultPath: '$.version',
    Next: 'Registered',
  };
  states.Registered = {
    Type: 'Pass',
    Comment: registration.approvalStatus === 'Approved' ? 'Approved: the approval event starts its promotion.' : 'Pending: a person approves it, which starts its promotion.',
    Parameters: { 'status': 'registered', 'approval': registration.approvalStatus, 'modelPackageArn.$': '$.version.modelPackageArn', 'trainingJob.$': '$.model.trainingJobName' },
    End: true,
  };
}

function promotionStates(promotion: PromotionConfig, registration: RegistrationConfig, states: Record<string, unknown>): void {
  states.Promote = {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: promotion.functionArn,
      Payload: {
        promote: {
          'endpointName': promotion.endpointName,
          'modelPackageArn.$': '$.detail.ModelPackageArn',
          'modelPackageGroupName': registration.modelPackageGroupName,
          'namePrefix': promotion.namePrefix,
        },
      },
    },
    ResultSelector: { 'endpointConfigName.$': '$.Payload.endpointConfigName', 'unchanged.$': '$.Payload.unchanged' },
    ResultPath: '$.promotion',
    Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
    Next: 'AlreadyServing',
  };
  states.AlreadyServing = {
    Type: 'Choice',
    Choices: [{ Variable: '$.promotion.unchanged', BooleanEquals: true, Next: 'Promoted' }],
    Default: 'WaitForEndpoint',
  };
  states.WaitForEndpoint = { Type: 'Wait', Seconds: 60, Next: 'EndpointStatus' };
  states.EndpointStatus = {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:sagemaker:describeEndpoint',
    Parameters: { EndpointName: promotion.endpointName },
    ResultSelector: { 'status.$': '$.EndpointStatus', 'config.$': '$.EndpointConfigName' },
    ResultPath: '$.endpoint',
    Next: 'PromotionDone',
  };
  states.PromotionDone = {
    Type: 'Choice',
    Choices: [
      { And: [{ Variable: '$.endpoint.status', StringEquals: 'InService' }, { Variable: '$.endpoint.config', StringEqualsPath: '$.promotion.endpointConfigName' }], Next: 'Promoted' },
      { Variable: '$.endpoint.status', StringEquals: 'Failed', Next: 'PromotionFailed' },
      { Variable: '$.endpoint.status', StringEquals: 'InService', Next: 'PromotionRolledBack' },
    ],
    Default: 'WaitForEndpoint',
  };
  states.Promoted = { Type: 'Pass', Parameters: { 'status': 'promoted', 'modelPackageArn.$': '$.detail.ModelPackageArn' }, End: true };
  states.PromotionFailed = { Type: 'Fail', Error: 'PromotionFailed', Cause: 'The endpoint update failed.' };
  states.PromotionRolledBack = { Type: 'Fail', Error: 'PromotionRolledBack', Cause: 'The endpoint\'s guardrails rolled the update back (an alarm fired).' };
}
