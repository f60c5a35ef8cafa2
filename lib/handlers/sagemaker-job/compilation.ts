import {
  CreateCompilationJobCommand, CreateCompilationJobRequest, DescribeCompilationJobCommand, StopCompilationJobCommand,
} from '@aws-sdk/client-sagemaker';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ifExists, JobApi, JobState, sagemaker } from './jobs';
import { createRequest } from './request';
import { CustomResourceResult } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';

/** Read after a compilation job ends (see readCompiledArtifact). */
export const COMPILED_ARTIFACT_RESOURCE_TYPE = 'Custom::SageMakerCompiledArtifact';

/**
 * Compilation jobs report their status in capitals, with STARTING before INPROGRESS; the handler
 * speaks the other jobs' words.
 */
const STATUSES: Record<string, string> = {
  STARTING: 'InProgress', INPROGRESS: 'InProgress', STOPPING: 'Stopping', COMPLETED: 'Completed', FAILED: 'Failed', STOPPED: 'Stopped',
};

export const COMPILATION: JobApi = {
  resourceType: 'Custom::SageMakerCompilationJob',
  signalKind: 'compilation',
  requestProperty: 'CompilationJob',
  noun: 'Compilation job',
  nameOf: (request) => createRequest<CreateCompilationJobRequest>(request, 'CompilationJobName').CompilationJobName!,
  create: async (request) => (await withRetries(() => sagemaker.send(new CreateCompilationJobCommand(
    createRequest<CreateCompilationJobRequest>(request, 'CompilationJobName'))))).CompilationJobArn,
  describe: (name) => ifExists(async (): Promise<JobState> => {
    const job = await sagemaker.send(new DescribeCompilationJobCommand({ CompilationJobName: name }));
    const status = job.CompilationJobStatus;
    return { arn: job.CompilationJobArn, status: status ? STATUSES[status] ?? status : undefined, failureReason: job.FailureReason };
  }),
  stop: async (name) => {
    await withRetries(() => sagemaker.send(new StopCompilationJobCommand({ CompilationJobName: name })));
  },
};

/**
 * `Custom::SageMakerCompiledArtifact`: after a compilation job has completed, the S3 URI of the
 * artifact Neo wrote (its key is Neo's choice, under the job's output location).
 */
export async function readCompiledArtifact(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId };
  const name = String(event.ResourceProperties.CompilationJobName ?? '');
  if (!name) throw new Error('The CompilationJobName property is missing');
  const job = await withRetries(() => sagemaker.send(new DescribeCompilationJobCommand({ CompilationJobName: name })));
  const modelData = job.ModelArtifacts?.S3ModelArtifacts;
  if (job.CompilationJobStatus !== 'COMPLETED' || !modelData) {
    throw new Error(`Compilation job ${name} has no compiled artifact (${job.CompilationJobStatus}${job.FailureReason ? `: ${job.FailureReason}` : ''})`);
  }
  return { physicalResourceId: name, data: { ModelData: modelData } };
}
