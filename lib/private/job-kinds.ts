import { Names } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  BEST_TRAINING_JOB_RESOURCE_TYPE, PROCESSING_JOB_RESOURCE_TYPE, TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE,
} from '../core/private/resource-types';

/**
 * A resource read once a job has ended (a tuning job's best training job), from the same handler.
 */
export interface JobResultReader {
  /** The custom resource type the handler answers with the attributes. */
  readonly resourceType: string;
  /** The property naming the job whose result is read. */
  readonly jobNameProperty: string;
  /** The API actions the read needs, and on what (given the job's name). */
  readonly actions: string[];
  readonly resourceNamePattern: (jobName: string) => { arnResource: string; resourceName: string };
  /** Why the read is granted on a name pattern, for the security review. */
  readonly patternReason: string;
}

/**
 * One kind of SageMaker job as the deploy-time machinery runs it: its request shape (the custom
 * resource property carrying the Create request), its name rule, its state-change event and
 * what is read after it ends. A new kind of job is one of these (and its row in the handler's
 * table), not a new handler.
 */
export interface JobKind {
  /** The handler's name for the kind in state-change signals. */
  readonly signalKind: string;
  /** The custom resource type that starts (and on delete stops) the job. */
  readonly resourceType: string;
  /** The custom resource property carrying the Create request, e.g. `TrainingJob`. */
  readonly requestProperty: string;
  /** The request field holding the job's name. */
  readonly requestNameField: string;
  /** The longest job name SageMaker accepts for this kind. */
  readonly maxNameLength: number;
  /** The ARN resource type, e.g. `training-job`. */
  readonly arnResource: string;
  /** The EventBridge detail type of its state changes. */
  readonly detailType: string;
  /** The detail fields of the job's name and status. */
  readonly nameField: string;
  readonly statusField: string;
  /** The API actions the handler calls on the job. */
  readonly actions: string[];
  /** What is read once the job has ended, if anything. */
  readonly result?: JobResultReader;
}

export const TRAINING_JOB: JobKind = {
  signalKind: 'training',
  resourceType: TRAINING_JOB_RESOURCE_TYPE,
  requestProperty: 'TrainingJob',
  requestNameField: 'TrainingJobName',
  maxNameLength: 63,
  arnResource: 'training-job',
  detailType: 'SageMaker Training Job State Change',
  nameField: 'TrainingJobName',
  statusField: 'TrainingJobStatus',
  actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
};

export const TUNING_JOB: JobKind = {
  signalKind: 'tuning',
  resourceType: TUNING_JOB_RESOURCE_TYPE,
  requestProperty: 'TuningJob',
  requestNameField: 'HyperParameterTuningJobName',
  // Its training jobs are named after it, with a suffix of SageMaker's.
  maxNameLength: 32,
  arnResource: 'hyper-parameter-tuning-job',
  detailType: 'SageMaker HyperParameter Tuning Job State Change',
  nameField: 'HyperParameterTuningJobName',
  statusField: 'HyperParameterTuningJobStatus',
  actions: ['sagemaker:CreateHyperParameterTuningJob', 'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:AddTags'],
  result: {
    resourceType: BEST_TRAINING_JOB_RESOURCE_TYPE,
    jobNameProperty: 'TuningJobName',
    actions: ['sagemaker:DescribeTrainingJob'],
    resourceNamePattern: (jobName) => ({ arnResource: 'training-job', resourceName: `${jobName}-*` }),
    patternReason: 'The handler reads the best of this tuning job\'s training jobs, whose names SageMaker derives from the tuning job\'s name.',
  },
};

export const PROCESSING_JOB: JobKind = {
  signalKind: 'processing',
  resourceType: PROCESSING_JOB_RESOURCE_TYPE,
  requestProperty: 'ProcessingJob',
  requestNameField: 'ProcessingJobName',
  maxNameLength: 63,
  arnResource: 'processing-job',
  detailType: 'SageMaker Processing Job State Change',
  nameField: 'ProcessingJobName',
  statusField: 'ProcessingJobStatus',
  actions: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
};

/** The length of `-<12 hex digits>`, the configuration hash every job name ends with. */
const HASH_SUFFIX_LENGTH = 13;

/**
 * The name prefix of a construct's jobs of a kind: its path, unique in the app, lower case, short
 * enough that the prefix and the configuration hash fit the kind's limit.
 */
export function jobNamePrefix(scope: Construct, kind: JobKind): string {
  return Names.uniqueResourceName(scope, { maxLength: kind.maxNameLength - HASH_SUFFIX_LENGTH, separator: '-' }).toLowerCase();
}
