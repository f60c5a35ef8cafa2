import {
  CreateTrainingJobCommand, DescribeTrainingJobCommand, DescribeTrainingJobResponse, SageMakerClient, StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CustomResourceResult, handleCustomResource, put } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';
import { trainingJobRequest } from './training-request';

const sagemaker = new SageMakerClient({ maxAttempts: 1 });

/**
 * What the EventBridge rule on the job's state change sends (an input transformer of the
 * "SageMaker Training Job State Change" event).
 */
export interface JobStateSignal {
  readonly signal: {
    readonly waitHandleUrl: string;
    readonly jobName: string;
    readonly status: string;
  };
}

/**
 * Starts and stops a deploy-time training job, and signals its end to CloudFormation.
 *
 * - `Custom::SageMakerTrainingJob` Create/Update: starts the job named in the request unless a job
 *   of that name exists (the name is a hash of the configuration, so an unchanged redeploy or a
 *   retried Create starts nothing). Returns at once: waiting is the WaitCondition's job.
 * - Delete: stops the job if it is still running (stack deletion or rollback); a finished or
 *   never-created job is left alone.
 * - A state-change signal: PUTs SUCCESS (Completed) or FAILURE with the job's FailureReason
 *   (Failed, Stopped; read from the job) to the wait condition handle.
 */
export async function handler(event: CloudFormationCustomResourceEvent | JobStateSignal): Promise<void> {
  if ('signal' in event) {
    await signalWaitCondition(event.signal);
    return;
  }
  await handleCustomResource(event, (e) => (e.RequestType === 'Delete' ? stopJob(e.PhysicalResourceId) : startJob(e)));
}

async function startJob(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  const request = trainingJobRequest(event.ResourceProperties.TrainingJob);
  const name = request.TrainingJobName!;
  let arn = (await describe(name))?.TrainingJobArn;
  if (!arn) {
    try {
      arn = (await withRetries(() => sagemaker.send(new CreateTrainingJobCommand(request)))).TrainingJobArn;
      log('started', name);
    } catch (error) {
      // A concurrent retry of the same Create got there first: the job exists, which is all we want.
      if ((error as Error).name !== 'ResourceInUse') throw error;
      arn = (await describe(name))?.TrainingJobArn;
    }
  } else {
    log('exists, not started again', name);
  }
  return { physicalResourceId: name, data: { TrainingJobName: name, TrainingJobArn: arn ?? '' } };
}

async function stopJob(name: string): Promise<CustomResourceResult> {
  const job = await describe(name);
  if (job?.TrainingJobStatus === 'InProgress') {
    await withRetries(() => sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name })));
    log('stopped', name);
  } else {
    log(job ? `left alone (${job.TrainingJobStatus})` : 'never created, nothing to stop', name);
  }
  return { physicalResourceId: name };
}

async function describe(name: string): Promise<DescribeTrainingJobResponse | undefined> {
  try {
    return await withRetries(() => sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name })));
  } catch (error) {
    const { name: type, message } = error as Error;
    // SageMaker reports an unknown job as a ValidationException "Requested resource not found".
    if (type === 'ResourceNotFound' || (type === 'ValidationException' && /not found/i.test(message))) return undefined;
    throw error;
  }
}

async function signalWaitCondition(signal: JobStateSignal['signal']): Promise<void> {
  const succeeded = signal.status === 'Completed';
  const failureReason = succeeded ? undefined : (await describe(signal.jobName))?.FailureReason;
  const reason = succeeded
    ? `Training job ${signal.jobName} completed`
    : `Training job ${signal.jobName} ${signal.status.toLowerCase()}: ${failureReason || 'no failure reason given'}`;
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
