import { createHash } from 'node:crypto';
import { CfnWaitCondition, CfnWaitConditionHandle, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IDependable } from 'constructs';
import { jobHandler } from './job-handler';
import { JobKind } from './job-kinds';
import type { SageMakerNetwork } from '../core/network';
import { DeployTimeFunction } from '../core/private/deploy-time-function';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';

export interface DeployTimeJobProps {
  readonly kind: JobKind;
  /** The Create request, without the job's name: the name is derived from it. */
  readonly request: Record<string, unknown>;
  /** The job name's prefix (see `jobNamePrefix`). */
  readonly namePrefix: string;
  /** Called with the job's name before the request is hashed, for fields that contain it (checkpoint paths). */
  readonly completeRequest?: (jobName: string, request: Record<string, any>) => void;
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
 *    SUCCESS or FAILURE (with the job's FailureReason) to a wait condition handle; for kinds
 *    SageMaker sends no such event for (compilation, AutoML), a schedule invokes the handler,
 *    which describes the job and signals the same way once it has ended (see `pollUntilEnded`);
 * 3. a WaitCondition (up to 12 hours) holds the deploy until then; whatever needs the job's
 *    output depends on `completion`.
 *
 * Every job of a stack, whatever its kind, is served by one handler function (see
 * `DeployTimeFunction.of`), allowed exactly this job's ARN, key and execution role. The job's name
 * is its prefix and a hash of its request; the handle and wait condition are named after it, so a
 * new job (a changed configuration) gets a new wait and an unchanged one waits for nothing.
 * Deleting the resource stops a running job.
 */
export class DeployTimeJob extends Construct {
  /** The job's name: the prefix and a hash of the request. */
  public readonly jobName: string;

  /** Depend on this to use the job's output: it completes when the job has. */
  public readonly completion: IDependable;

  /** The job's ARN. */
  public readonly jobArn: string;

  /** The request as sent, name included. */
  public readonly request: Record<string, any>;

  private readonly handler: DeployTimeFunction;
  private readonly kind: JobKind;

  constructor(scope: Construct, id: string, props: DeployTimeJobProps) {
    super(scope, id);
    const { kind } = props;
    this.kind = kind;
    const request: Record<string, any> = { ...props.request };
    const jobName = this.jobName = `${props.namePrefix}-${configurationHash(this, request)}`;
    request[kind.requestNameField] = jobName;
    props.completeRequest?.(jobName, request);
    this.request = request;
    const stack = Stack.of(this);
    this.jobArn = stack.formatArn({ service: 'sagemaker', resource: kind.arnResource, resourceName: jobName.toLowerCase() });

    const handler = this.handler = jobHandler(this, props.encryptionKey, props.network);
    handler.allow(kind.actions, this.jobArn);
    // SageMaker checks that the caller may use the job's key for the volumes it encrypts.
    handler.allow(['kms:DescribeKey'], props.encryptionKey.keyArn);
    handler.allow(['kms:CreateGrant'], props.encryptionKey.keyArn, { Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    handler.allow(['iam:PassRole'], props.executionRole.roleArn, { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });

    // A new handle per job: a wait condition counts the signals of its handle, once.
    const handle = new CfnWaitConditionHandle(this, `Handle-${jobName}`);
    const startJob = () => handler.createResource(this, 'Start', kind.resourceType, { [kind.requestProperty]: request });
    const { event, pollInterval } = kind.end;
    let start: CustomResource;
    if (event) {
      const stateChange = new events.Rule(this, 'StateChange', {
        description: `Signals the end of SageMaker ${kind.arnResource} ${jobName} to its deployment`,
        eventPattern: {
          source: ['aws.sagemaker'],
          detailType: [event.detailType],
          detail: { [event.nameField]: [jobName], [event.statusField]: ['Completed', 'Failed', 'Stopped'] },
        },
      });
      stateChange.addTarget(new targets.LambdaFunction(handler.function, {
        event: events.RuleTargetInput.fromObject({
          signal: {
            kind: kind.signalKind,
            waitHandleUrl: handle.ref,
            jobName: events.EventField.fromPath(`$.detail.${event.nameField}`),
            // The failure reason is read from the job itself: an absent field would break the template.
            status: events.EventField.fromPath(`$.detail.${event.statusField}`),
          },
        }),
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }));
      // The rule and its permission to invoke the handler exist before the job can end.
      start = startJob();
      start.node.addDependency(stateChange);
    } else if (pollInterval) {
      start = startJob();
      this.pollUntilEnded(handler, handle, start, pollInterval);
    } else {
      throw new Error(`Job kind ${kind.signalKind} says neither how SageMaker announces its end nor how often to poll`);
    }

    const wait = new CfnWaitCondition(this, `Wait-${jobName}`, {
      handle: handle.ref,
      count: 1,
      timeout: String(props.waitTimeout.toSeconds()),
    });
    wait.node.addDependency(start);
    this.completion = wait;
  }

  /**
   * For kinds SageMaker sends no state-change event for: a schedule, created once the job has
   * started and named after it, on which the handler describes the job; once it has ended, the
   * handler signals the wait condition as for an event and disables the schedule (the handler
   * reaches EventBridge through an \`events\` endpoint of its network). A new job gets a new
   * schedule; the old one goes with its job's wait.
   */
  private pollUntilEnded(handler: DeployTimeFunction, handle: CfnWaitConditionHandle, start: IDependable, interval: Duration): void {
    // A rule name of the job's own (unique, at most 63 characters), so the target can name its rule.
    const ruleName = this.jobName;
    const poll = new events.Rule(this, `Poll-${this.jobName}`, {
      ruleName,
      description: `Polls SageMaker ${this.kind.arnResource} ${this.jobName} until it ends, for its deployment`,
      schedule: events.Schedule.rate(interval),
    });
    poll.addTarget(new targets.LambdaFunction(handler.function, {
      event: events.RuleTargetInput.fromObject({
        poll: { kind: this.kind.signalKind, waitHandleUrl: handle.ref, jobName: this.jobName, ruleName },
      }),
      // The next tick is the retry.
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    }));
    poll.node.addDependency(start);
    const stack = Stack.of(this);
    handler.allow(['events:DisableRule'], stack.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName }));
    handler.network.addInterfaceEndpoint('events');
  }

  /**
   * Lets the stack's job handler call `actions` on `resource` (for what a result reader does
   * beyond reading: the model an AutoML job's best candidate becomes).
   */
  public allowHandler(actions: string[], resource: string, conditions?: Record<string, unknown>): void {
    this.handler.allow(actions, resource, conditions);
  }

  /**
   * What the kind reads once the job has ended (a tuning job's best training job), as a custom
   * resource whose attributes are the result.
   */
  public readResult(scope: Construct, id: string, properties: Record<string, unknown> = {}): CustomResource {
    const reader = this.kind.result;
    if (!reader) throw new Error(`SageMaker ${this.kind.arnResource}s have no result to read`);
    const { arnResource, resourceName } = reader.resourceNamePattern(this.jobName);
    const pattern = Stack.of(this).formatArn({ service: 'sagemaker', resource: arnResource, resourceName });
    this.handler.allow(reader.actions, pattern);
    acknowledgeWildcardResource(this.handler.role, pattern, reader.patternReason);
    const result = this.handler.createResource(scope, id, reader.resourceType, { ...properties, [reader.jobNameProperty]: this.jobName });
    result.node.addDependency(this.completion);
    return result;
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
