import { createHash } from 'node:crypto';
import {
  ContainerDefinition, CreateAutoMLJobV2Command, CreateAutoMLJobV2Request, CreateModelCommand, CreateModelInput, CreateModelPackageCommand,
  DeleteModelCommand, DeleteModelPackageCommand, DescribeAutoMLJobV2Command, DescribeModelCommand, DescribeModelPackageCommand,
  ModelApprovalStatus, ProductionVariantInstanceType, StopAutoMLJobCommand, TransformInstanceType,
} from '@aws-sdk/client-sagemaker';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ifExists, JobApi, sagemaker } from './jobs';
import { createRequest } from './request';
import { CustomResourceResult } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';

/** Made after an AutoML job ends (see makeAutoMLModel). */
export const AUTOML_MODEL_RESOURCE_TYPE = 'Custom::SageMakerAutoMLModel';

export const AUTOML: JobApi = {
  resourceType: 'Custom::SageMakerAutoMLJob',
  signalKind: 'automl',
  requestProperty: 'AutoMLJob',
  noun: 'AutoML job',
  nameOf: (request) => createRequest<CreateAutoMLJobV2Request>(request, 'AutoMLJobName').AutoMLJobName!,
  create: async (request) => (await withRetries(() => sagemaker.send(new CreateAutoMLJobV2Command(
    createRequest<CreateAutoMLJobV2Request>(request, 'AutoMLJobName'))))).AutoMLJobArn,
  describe: (name) => ifExists(async () => {
    const job = await sagemaker.send(new DescribeAutoMLJobV2Command({ AutoMLJobName: name }));
    // Candidates that failed along the way say why the job as a whole did.
    const partial = (job.PartialFailureReasons ?? []).map((reason) => reason.PartialFailureMessage).filter(Boolean);
    const reason = [job.FailureReason, ...partial].filter(Boolean).join(' | ') || undefined;
    return { arn: job.AutoMLJobArn, status: job.AutoMLJobStatus, failureReason: reason };
  }),
  stop: async (name) => {
    await withRetries(() => sagemaker.send(new StopAutoMLJobCommand({ AutoMLJobName: name })));
  },
};

/**
 * `Custom::SageMakerAutoMLModel`: after an AutoML job has completed, a SageMaker model of its best
 * candidate's inference containers (one container as the primary one; several run in series),
 * in the VPC with network isolation, run by the given role.
 *
 * - Create / Update: reads the best candidate, creates the model named `ModelName` unless it
 *   exists (a retried Create). The construct names the model after a hash of these properties,
 *   so an update with other settings makes a new model, and CloudFormation deletes the old one.
 * - Delete: deletes the model named by the physical ID, if it exists.
 *
 * Attributes: ModelName, BestCandidateName, BestCandidateMetricName, BestCandidateMetric, ContainerCount.
 */
export async function makeAutoMLModel(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') {
    const name = event.PhysicalResourceId;
    const exists = await ifExists(() => sagemaker.send(new DescribeModelCommand({ ModelName: name })));
    if (exists) await withRetries(() => sagemaker.send(new DeleteModelCommand({ ModelName: name })));
    return { physicalResourceId: name };
  }
  const props = event.ResourceProperties;
  const jobName = String(props.AutoMLJobName ?? '');
  const modelName = String(props.ModelName ?? '');
  if (!jobName || !modelName) throw new Error('The AutoMLJobName and ModelName properties are required');
  const job = await withRetries(() => sagemaker.send(new DescribeAutoMLJobV2Command({ AutoMLJobName: jobName })));
  const best = job.BestCandidate;
  const containers: ContainerDefinition[] = (best?.InferenceContainers ?? []).map((container) => ({
    Image: container.Image,
    ModelDataUrl: container.ModelDataUrl,
    Environment: container.Environment,
  }));
  if (job.AutoMLJobStatus !== 'Completed' || !best?.CandidateName || containers.length === 0) {
    throw new Error(`AutoML job ${jobName} has no best candidate to serve (${job.AutoMLJobStatus}${job.FailureReason ? `: ${job.FailureReason}` : ''})`);
  }
  const request: CreateModelInput = {
    ModelName: modelName,
    ExecutionRoleArn: String(props.ExecutionRoleArn),
    ...(containers.length === 1
      ? { PrimaryContainer: containers[0] }
      : { Containers: containers, InferenceExecutionConfig: { Mode: 'Serial' } }),
    VpcConfig: props.VpcConfig,
    EnableNetworkIsolation: String(props.EnableNetworkIsolation) === 'true',
    Tags: props.Tags,
  };
  const existing = await ifExists(() => sagemaker.send(new DescribeModelCommand({ ModelName: modelName })));
  if (!existing) {
    try {
      await withRetries(() => sagemaker.send(new CreateModelCommand(request)));
    } catch (error) {
      // A concurrent retry of the same Create made it first.
      const { name, message } = error as Error;
      if (!(name === 'ValidationException' && /already exist/i.test(message))) throw error;
    }
  }
  const metric = best.FinalAutoMLJobObjectiveMetric;
  return {
    physicalResourceId: modelName,
    data: {
      ModelName: modelName,
      BestCandidateName: best.CandidateName,
      BestCandidateMetricName: String(metric?.MetricName ?? ''),
      BestCandidateMetric: metric?.Value === undefined ? '' : String(metric.Value),
      ContainerCount: String(containers.length),
    },
  };
}

/** Registers an AutoML job's best candidate (see registerAutoMLCandidate). */
export const AUTOML_MODEL_PACKAGE_RESOURCE_TYPE = 'Custom::SageMakerAutoMLModelPackage';

/**
 * `Custom::SageMakerAutoMLModelPackage`: after an AutoML job has completed, a version in a model
 * package group of its best candidate: its inference containers (images, artifacts and the
 * environment Autopilot gave them, known only now, which is why a CloudFormation ModelPackage
 * cannot be written at synth), with the job as its lineage and the group's key.
 *
 * - Create / Update: creates the version. The request's ClientToken is derived from the stack's
 *   resource and its properties, so a retried Create makes no second version; an update with other
 *   properties makes a new version, and CloudFormation deletes the old one.
 * - Delete: deletes the version named by the physical ID, if it exists (as a CloudFormation
 *   ModelPackage does).
 *
 * Attributes: ModelPackageArn, BestCandidateName.
 */
export async function registerAutoMLCandidate(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') {
    const arn = event.PhysicalResourceId;
    if (arn.startsWith('arn:')) {
      const exists = await ifExists(() => sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })));
      if (exists) await withRetries(() => sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: arn })));
    }
    return { physicalResourceId: arn };
  }
  const props = event.ResourceProperties;
  const jobName = String(props.AutoMLJobName ?? '');
  const group = String(props.ModelPackageGroupName ?? '');
  if (!jobName || !group) throw new Error('The AutoMLJobName and ModelPackageGroupName properties are required');
  const job = await withRetries(() => sagemaker.send(new DescribeAutoMLJobV2Command({ AutoMLJobName: jobName })));
  const best = job.BestCandidate;
  const containers = (best?.InferenceContainers ?? []).map((container) => ({
    Image: container.Image, ModelDataUrl: container.ModelDataUrl, Environment: container.Environment,
  }));
  if (job.AutoMLJobStatus !== 'Completed' || !best?.CandidateName || containers.length === 0) {
    throw new Error(`AutoML job ${jobName} has no best candidate to register (${job.AutoMLJobStatus}${job.FailureReason ? `: ${job.FailureReason}` : ''})`);
  }
  const instanceTypes = (props.InstanceTypes ?? []) as string[];
  const { ModelPackageArn: arn } = await withRetries(() => sagemaker.send(new CreateModelPackageCommand({
    ModelPackageGroupName: group,
    ModelPackageDescription: props.Description ? String(props.Description) : `Best candidate ${best.CandidateName} of AutoML job ${jobName}`,
    ModelApprovalStatus: String(props.ModelApprovalStatus ?? 'PendingManualApproval') as ModelApprovalStatus,
    InferenceSpecification: {
      Containers: containers,
      SupportedContentTypes: ['text/csv'],
      SupportedResponseMIMETypes: ['text/csv'],
      SupportedRealtimeInferenceInstanceTypes: instanceTypes as ProductionVariantInstanceType[],
      SupportedTransformInstanceTypes: instanceTypes as TransformInstanceType[],
    },
    MetadataProperties: { GeneratedBy: job.AutoMLJobArn },
    SecurityConfig: props.KmsKeyId ? { KmsKeyId: String(props.KmsKeyId) } : undefined,
    ClientToken: createHash('sha256').update(`${event.StackId}\n${event.LogicalResourceId}\n${JSON.stringify(props)}`).digest('hex').slice(0, 36),
  })));
  return { physicalResourceId: arn!, data: { ModelPackageArn: arn!, BestCandidateName: best.CandidateName } };
}
