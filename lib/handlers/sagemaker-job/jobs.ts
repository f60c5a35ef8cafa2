import {
  CreateHyperParameterTuningJobCommand, CreateHyperParameterTuningJobRequest, CreateProcessingJobCommand, CreateProcessingJobRequest,
  CreateTrainingJobCommand, CreateTrainingJobRequest, DescribeHyperParameterTuningJobCommand, DescribeProcessingJobCommand,
  DescribeTrainingJobCommand, SageMakerClient, StopHyperParameterTuningJobCommand, StopProcessingJobCommand, StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { createRequest } from './request';
import { withRetries } from '../shared/retry';

/**
 * One attempt per call (withRetries is the retry policy) and bounded waits: a call that hangs
 * becomes a TimeoutError to retry, instead of holding the function until Lambda kills it unanswered.
 */
export const sagemaker = new SageMakerClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });

/** What the handler needs to know of a job, whatever its kind. */
export interface JobState {
  readonly arn?: string;
  readonly status?: string;
  readonly failureReason?: string;
}

/**
 * One kind of SageMaker job, behind the same four operations. The constructs declare the same
 * kinds (lib/private/job-kinds.ts); test/handlers/job-kinds.test.ts checks that both agree.
 */
export interface JobApi {
  /** The custom resource type that starts the job. */
  readonly resourceType: string;
  /** The kind's name in state-change signals. */
  readonly signalKind: string;
  /** The custom resource property that carries the Create request. */
  readonly requestProperty: string;
  /** Words for messages, e.g. `Training job`. */
  readonly noun: string;
  /** The job's name in its Create request. */
  nameOf(request: unknown): string;
  create(request: unknown): Promise<string | undefined>;
  describe(name: string): Promise<JobState | undefined>;
  stop(name: string): Promise<void>;
}

export const TRAINING: JobApi = {
  resourceType: 'Custom::SageMakerTrainingJob',
  signalKind: 'training',
  requestProperty: 'TrainingJob',
  noun: 'Training job',
  nameOf: (request) => createRequest<CreateTrainingJobRequest>(request, 'TrainingJobName').TrainingJobName!,
  create: async (request) => (await withRetries(() => sagemaker.send(new CreateTrainingJobCommand(
    createRequest<CreateTrainingJobRequest>(request, 'TrainingJobName'))))).TrainingJobArn,
  describe: (name) => ifExists(async () => {
    const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    // A job stopped for its rules' findings has no FailureReason: the rules are the reason.
    const issues = [...job.DebugRuleEvaluationStatuses ?? [], ...job.ProfilerRuleEvaluationStatuses ?? []]
      .filter((rule) => rule.RuleEvaluationStatus === 'IssuesFound')
      .map((rule) => `rule ${rule.RuleConfigurationName} found issues${rule.StatusDetails ? ` (${rule.StatusDetails})` : ''}`);
    const reason = [job.FailureReason, ...issues].filter(Boolean).join(' | ') || undefined;
    return { arn: job.TrainingJobArn, status: job.TrainingJobStatus, failureReason: reason };
  }),
  stop: async (name) => {
    await withRetries(() => sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name })));
  },
};

export const TUNING: JobApi = {
  resourceType: 'Custom::SageMakerTuningJob',
  signalKind: 'tuning',
  requestProperty: 'TuningJob',
  noun: 'Tuning job',
  nameOf: (request) => createRequest<CreateHyperParameterTuningJobRequest>(request, 'HyperParameterTuningJobName').HyperParameterTuningJobName!,
  create: async (request) => (await withRetries(() => sagemaker.send(new CreateHyperParameterTuningJobCommand(
    createRequest<CreateHyperParameterTuningJobRequest>(request, 'HyperParameterTuningJobName'))))).HyperParameterTuningJobArn,
  describe: (name) => ifExists(async () => {
    const job = await sagemaker.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    return { arn: job.HyperParameterTuningJobArn, status: job.HyperParameterTuningJobStatus, failureReason: job.FailureReason };
  }),
  stop: async (name) => {
    await withRetries(() => sagemaker.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })));
  },
};

export const PROCESSING: JobApi = {
  resourceType: 'Custom::SageMakerProcessingJob',
  signalKind: 'processing',
  requestProperty: 'ProcessingJob',
  noun: 'Processing job',
  nameOf: (request) => createRequest<CreateProcessingJobRequest>(request, 'ProcessingJobName').ProcessingJobName!,
  create: async (request) => (await withRetries(() => sagemaker.send(new CreateProcessingJobCommand(
    createRequest<CreateProcessingJobRequest>(request, 'ProcessingJobName'))))).ProcessingJobArn,
  describe: (name) => ifExists(async () => {
    const job = await sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    // A failed container's own last words (ExitMessage) say more than the generic reason alone.
    const reason = [job.FailureReason, job.ExitMessage].filter(Boolean).join(' | ') || undefined;
    return { arn: job.ProcessingJobArn, status: job.ProcessingJobStatus, failureReason: reason };
  }),
  stop: async (name) => {
    await withRetries(() => sagemaker.send(new StopProcessingJobCommand({ ProcessingJobName: name })));
  },
};


/** Runs a Describe with retries; undefined when the job does not exist. */
export async function ifExists<T>(describe: () => Promise<T>): Promise<T | undefined> {
  try {
    return await withRetries(describe);
  } catch (error) {
    const { name: type, message } = error as Error;
    // SageMaker reports an unknown job as a ValidationException "Requested resource not found".
    if (type === 'ResourceNotFound' || (type === 'ValidationException' && /not found/i.test(message))) return undefined;
    throw error;
  }
}
