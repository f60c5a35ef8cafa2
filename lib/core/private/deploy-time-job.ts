import { createHash } from 'node:crypto';
import { CfnWaitCondition, CfnWaitConditionHandle, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IDependable } from 'constructs';
import { DeployTimeFunction } from './deploy-time-function';
import type { SageMakerNetwork } from '../network';

/** How one kind of SageMaker job is started, watched and named in its state-change events. */
export interface JobKind {
  /** The handler's name for the kind in state-change signals. */
  readonly signalKind: string;
  /** e.g. `Custom::SageMakerTrainingJob` */
  readonly resourceType: string;
  /** The custom resource property carrying the Create request, e.g. `TrainingJob`. */
  readonly requestProperty: string;
  /** The ARN resource type, e.g. `training-job`. */
  readonly arnResource: string;
  /** The EventBridge detail type of its state changes. */
  readonly detailType: string;
  /** The detail fields of the job's name and status. */
  readonly nameField: string;
  readonly statusField: string;
  /** The API actions the handler calls on the job. */
  readonly actions: string[];
}

export const TRAINING_JOB: JobKind = {
  signalKind: 'training',
  resourceType: 'Custom::SageMakerTrainingJob',
  requestProperty: 'TrainingJob',
  arnResource: 'training-job',
  detailType: 'SageMaker Training Job State Change',
  nameField: 'TrainingJobName',
  statusField: 'TrainingJobStatus',
  actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
};

export const TUNING_JOB: JobKind = {
  signalKind: 'tuning',
  resourceType: 'Custom::SageMakerTuningJob',
  requestProperty: 'TuningJob',
  arnResource: 'hyper-parameter-tuning-job',
  detailType: 'SageMaker HyperParameter Tuning Job State Change',
  nameField: 'HyperParameterTuningJobName',
  statusField: 'HyperParameterTuningJobStatus',
  actions: ['sagemaker:CreateHyperParameterTuningJob', 'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:AddTags'],
};

export interface DeployTimeJobProps {
  readonly kind: JobKind;
  readonly jobName: string;
  /** The Create request, job name included. */
  readonly request: Record<string, unknown>;
  /** The execution role the job runs as (passed to SageMaker). */
  readonly executionRole: iam.IRole;
  readonly network: SageMakerNetwork;
  readonly encryptionKey: kms.IKey;
  /** How long the deploy waits for the job (at most 12 hours, CloudFormation's limit). */
  readonly waitTimeout: Duration;
}

/**
 * Runs a SageMaker job during deployment without the one-hour limit of custom resources:
 *
 * 1. a custom resource starts the job and returns at once;
 * 2. an EventBridge rule on the job's state change invokes the same handler, which signals
 *    SUCCESS or FAILURE (with the job's FailureReason) to a wait condition handle;
 * 3. a WaitCondition (up to 12 hours) holds the deploy until then; whatever needs the job's
 *    output depends on `completion`.
 *
 * The handle and wait condition are named after the job, so a new job (a changed configuration)
 * gets a new wait and an unchanged one waits for nothing. Deleting the resource stops a running job.
 */
export class DeployTimeJob extends Construct {
  /** Depend on this to use the job's output: it completes when the job has. */
  public readonly completion: IDependable;

  /** The job's ARN. */
  public readonly jobArn: string;

  /** The function that starts, stops and reports the job; it can serve related resources too. */
  public readonly handler: DeployTimeFunction;

  constructor(scope: Construct, id: string, props: DeployTimeJobProps) {
    super(scope, id);
    const { kind, jobName } = props;
    const stack = Stack.of(this);
    this.jobArn = stack.formatArn({ service: 'sagemaker', resource: kind.arnResource, resourceName: jobName.toLowerCase() });

    const handler = this.handler = new DeployTimeFunction(this, 'Handler', {
      handler: 'sagemaker-job',
      description: `Starts, stops and reports SageMaker ${kind.arnResource} ${jobName}`,
      encryptionKey: props.encryptionKey,
      network: props.network,
      timeout: Duration.minutes(5),
    });
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: kind.actions, resources: [this.jobArn] }));
    // SageMaker checks that the caller may use the job's key for the volumes it encrypts.
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [props.encryptionKey.keyArn] }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: [props.encryptionKey.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [props.executionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));

    // A new handle per job: a wait condition counts the signals of its handle, once.
    const handle = new CfnWaitConditionHandle(this, `Handle-${jobName}`);
    const stateChange = new events.Rule(this, 'StateChange', {
      description: `Signals the end of SageMaker ${kind.arnResource} ${jobName} to its deployment`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: [kind.detailType],
        detail: { [kind.nameField]: [jobName], [kind.statusField]: ['Completed', 'Failed', 'Stopped'] },
      },
    });
    stateChange.addTarget(new targets.LambdaFunction(handler.function, {
      event: events.RuleTargetInput.fromObject({
        signal: {
          kind: kind.signalKind,
          waitHandleUrl: handle.ref,
          jobName: events.EventField.fromPath(`$.detail.${kind.nameField}`),
          // The failure reason is read from the job itself: an absent field would break the template.
          status: events.EventField.fromPath(`$.detail.${kind.statusField}`),
        },
      }),
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    }));

    const start = handler.createResource(this, 'Start', kind.resourceType, { [kind.requestProperty]: props.request });
    // The rule and its permission to invoke the handler exist before the job can end.
    start.node.addDependency(stateChange);

    const wait = new CfnWaitCondition(this, `Wait-${jobName}`, {
      handle: handle.ref,
      count: 1,
      timeout: String(props.waitTimeout.toSeconds()),
    });
    wait.node.addDependency(start);
    this.completion = wait;
  }
}

/**
 * A short, stable hash of a configuration as CloudFormation will see it (references included), so
 * a job's name changes exactly when its configuration does.
 */
export function configurationHash(scope: Construct, configuration: unknown): string {
  const rendered = JSON.stringify(Stack.of(scope).resolve(configuration));
  return createHash('sha256').update(rendered).digest('hex').slice(0, 12);
}
