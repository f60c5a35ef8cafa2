import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { readBestTrainingJob } from './best-training-job';
import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AUTOML_MODEL_PACKAGE_RESOURCE_TYPE, AUTOML_MODEL_RESOURCE_TYPE, makeAutoMLModel, registerAutoMLCandidate } from './automl';
import { COMPILED_ARTIFACT_RESOURCE_TYPE, readCompiledArtifact } from './compilation';
import { JobApi, JobState, TRAINING } from './jobs';
import { JOB_KINDS } from './kinds';
import { promote, PromotionRequest, PromotionResult } from './promotion';
import { ANALYSIS_CONFIG_RESOURCE_TYPE, writeAnalysisConfig } from './analysis-config';
import { APPROVED_MODEL_PACKAGE_RESOURCE_TYPE, MODEL_METRICS_RESOURCE_TYPE, resolveApprovedPackage, writeModelMetrics } from './model-registry';
import { CustomResourceResult, DeadlineContext, handleCustomResource, put } from '../shared/cfn-response';
import { isRetryable, withRetries } from '../shared/retry';

const eventBridge = new EventBridgeClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });

/** The job kinds by custom resource type, and by their name in state-change signals. */
const JOBS: Record<string, JobApi> = Object.fromEntries(JOB_KINDS.map((kind) => [kind.resourceType, kind]));
const SIGNAL_KINDS: Record<string, JobApi> = Object.fromEntries(JOB_KINDS.map((kind) => [kind.signalKind, kind]));
/** Read after a tuning job ends (see best-training-job.ts). */
export const BEST_TRAINING_JOB_RESOURCE_TYPE = 'Custom::SageMakerBestTrainingJob';

/**
 * What the EventBridge rule on a job's state change sends (an input transformer of the
 * "SageMaker Training Job State Change" or "... HyperParameter Tuning Job State Change" event).
 */
export interface JobStateSignal {
  readonly signal: {
    readonly kind: string;
    readonly waitHandleUrl: string;
    readonly jobName: string;
    readonly status: string;
  };
}

/**
 * What the schedule of a job SageMaker announces no end for (compilation, AutoML) sends: the
 * handler describes the job and, once it has ended, signals as for an event and disables the rule.
 */
export interface JobPollSignal {
  readonly poll: {
    readonly kind: string;
    readonly waitHandleUrl: string;
    readonly jobName: string;
    readonly ruleName: string;
  };
}

/** The statuses a job ends in, whatever its kind (compilation statuses normalized). */
const ENDED = new Set(['Completed', 'Failed', 'Stopped']);

/**
 * What the EventBridge rule on a training job's rule statuses sends when a Debugger or profiler
 * rule found issues and the job should stop.
 */
export interface StopForRuleIssues {
  readonly stopForRuleIssues: {
    readonly kind: string;
    readonly jobName: string;
  };
}

/**
 * Starts and stops deploy-time SageMaker jobs (training, tuning, processing, Neo compilation,
 * AutoML), signals their end to CloudFormation, and reads what a job leaves (a tuning job's best
 * training job, a compiled artifact, a model of an AutoML job's best candidate).
 *
 * - `Custom::SageMakerTrainingJob` / `Custom::SageMakerTuningJob` Create/Update: starts the job
 *   named in the request unless a job of that name exists (the name is a hash of the
 *   configuration, so an unchanged redeploy or a retried Create starts nothing). Returns at once:
 *   waiting is the WaitCondition's job.
 * - Delete: stops the job if it is still running (stack deletion or rollback); a finished or
 *   never-created job is left alone.
 * - A state-change signal: PUTs SUCCESS (Completed) or FAILURE with the job's FailureReason
 *   (Failed, Stopped; read from the job) to the wait condition handle.
 * - `{ poll }` from the schedule of a job SageMaker sends no event for (compilation, AutoML):
 *   describes the job; once it has ended, signals as above and disables the schedule.
 * - `Custom::SageMakerBestTrainingJob`: see best-training-job.ts.
 * - `Custom::SageMakerCompiledArtifact`, `Custom::SageMakerAutoMLModel`: see compilation.ts, automl.ts.
 * - `Custom::SageMakerApprovedModelPackage`, `Custom::SageMakerModelMetrics`: see model-registry.ts.
 * - `{ promote }` from a retraining pipeline's state machine: see promotion.ts.
 * - `{ stopForRuleIssues }`: stops a job whose Debugger or profiler rule found issues, if it still
 *   runs (its wait then fails, naming the rule).
 */
export async function handler(event: CloudFormationCustomResourceEvent | JobStateSignal | JobPollSignal | PromotionRequest | StopForRuleIssues,
  context?: DeadlineContext): Promise<void | PromotionResult> {
  if ('signal' in event) {
    await signalWaitCondition(event.signal);
    return;
  }
  if ('poll' in event) {
    await pollJob(event.poll);
    return;
  }
  if ('stopForRuleIssues' in event) {
    const { kind, jobName } = event.stopForRuleIssues;
    const job = SIGNAL_KINDS[kind];
    if (!job) throw new Error(`Unknown job kind ${kind}`);
    await stopJob(job, jobName);
    return;
  }
  if ('promote' in event) return promote(event.promote);
  const job = JOBS[event.ResourceType];
  await handleCustomResource(event, async (e) => {
    if (e.ResourceType === BEST_TRAINING_JOB_RESOURCE_TYPE) return readBestTrainingJob(e);
    if (e.ResourceType === APPROVED_MODEL_PACKAGE_RESOURCE_TYPE) return resolveApprovedPackage(e);
    if (e.ResourceType === MODEL_METRICS_RESOURCE_TYPE) return writeModelMetrics(e);
    if (e.ResourceType === ANALYSIS_CONFIG_RESOURCE_TYPE) return writeAnalysisConfig(e);
    if (e.ResourceType === COMPILED_ARTIFACT_RESOURCE_TYPE) return readCompiledArtifact(e);
    if (e.ResourceType === AUTOML_MODEL_RESOURCE_TYPE) return makeAutoMLModel(e);
    if (e.ResourceType === AUTOML_MODEL_PACKAGE_RESOURCE_TYPE) return registerAutoMLCandidate(e);
    if (!job) throw new Error(`Unknown resource type ${e.ResourceType}`);
    return e.RequestType === 'Delete' ? stopJob(job, e.PhysicalResourceId) : startJob(job, e);
  }, {
    context,
    // A failed Create reports the job's name, so the rollback's Delete stops a job it may have started.
    physicalResourceIdOnFailure: job && event.RequestType === 'Create' ? nameIfValid(job, event) : undefined,
  });
}

function nameIfValid(job: JobApi, event: CloudFormationCustomResourceEvent): string | undefined {
  try {
    return job.nameOf(event.ResourceProperties[job.requestProperty]);
  } catch {
    return undefined;
  }
}

async function startJob(job: JobApi, event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  const request = event.ResourceProperties[job.requestProperty];
  const name = job.nameOf(request);
  let arn = (await job.describe(name))?.arn;
  if (!arn) {
    try {
      arn = await job.create(request);
      log('started', name);
    } catch (error) {
      if ((error as Error).name === 'ResourceInUse') {
        // A concurrent retry of the same Create got there first: the job exists, which is all we want.
        arn = (await job.describe(name))?.arn;
      } else {
        // Calls that timed out or were throttled to the end may have started the job without our
        // hearing of it: stop it (best effort) rather than leave it running with the resource failed.
        if (isRetryable(error)) await stopJob(job, name).catch(() => undefined);
        throw error;
      }
    }
  } else {
    log('exists, not started again', name);
  }
  return { physicalResourceId: name, data: { JobName: name, JobArn: arn ?? '' } };
}

async function stopJob(job: JobApi, name: string): Promise<CustomResourceResult> {
  const state = await job.describe(name);
  if (state?.status === 'InProgress') {
    await job.stop(name);
    log('stopped', name);
  } else {
    log(state ? `left alone (${state.status})` : 'never created, nothing to stop', name);
  }
  return { physicalResourceId: name };
}

/**
 * Describes a polled job; once it has ended, signals its wait condition (with the state just
 * read) and disables the schedule. A job still running, or not yet visible, waits for the next tick.
 */
async function pollJob(poll: JobPollSignal['poll']): Promise<void> {
  const job = SIGNAL_KINDS[poll.kind];
  if (!job) throw new Error(`Unknown job kind ${poll.kind}`);
  const state = await job.describe(poll.jobName);
  if (!state?.status || !ENDED.has(state.status)) {
    log(state ? `still ${state.status ?? 'starting'}` : 'not found yet', poll.jobName);
    return;
  }
  await signalWaitCondition({ kind: poll.kind, waitHandleUrl: poll.waitHandleUrl, jobName: poll.jobName, status: state.status }, state);
  await withRetries(() => eventBridge.send(new DisableRuleCommand({ Name: poll.ruleName })));
  log('polling stopped', poll.jobName);
}

async function signalWaitCondition(signal: JobStateSignal['signal'], known?: JobState): Promise<void> {
  const job = SIGNAL_KINDS[signal.kind] ?? TRAINING;
  const succeeded = signal.status === 'Completed';
  // The deployment must hear of the end even when the reason cannot be read.
  const failureReason = succeeded ? undefined : known ? known.failureReason : await job.describe(signal.jobName)
    .then((state) => state?.failureReason, (error: Error) => `(its failure reason could not be read: ${error.name}: ${error.message})`);
  const reason = succeeded
    ? `${job.noun} ${signal.jobName} completed`
    : `${job.noun} ${signal.jobName} ${signal.status.toLowerCase()}: ${failureReason || 'no failure reason given'}`;
  await put(signal.waitHandleUrl, JSON.stringify({
    Status: succeeded ? 'SUCCESS' : 'FAILURE',
    UniqueId: signal.jobName,
    Reason: reason.slice(0, 4000),
    Data: signal.status,
  }));
  log(`signalled ${succeeded ? 'SUCCESS' : 'FAILURE'}`, signal.jobName);
}

function log(what: string, jobName: string): void {
  console.log(JSON.stringify({ level: 'info', jobName, what }));
}
