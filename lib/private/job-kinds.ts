import { Duration, Names } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AUTOML_JOB_RESOURCE_TYPE, AUTOML_MODEL_RESOURCE_TYPE, BEST_TRAINING_JOB_RESOURCE_TYPE, COMPILATION_JOB_RESOURCE_TYPE,
  COMPILED_ARTIFACT_RESOURCE_TYPE, PROCESSING_JOB_RESOURCE_TYPE, TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE,
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
 * The end of a job as SageMaker announces it: an EventBridge event of this detail type whose
 * detail names the job and its status.
 */
export interface JobStateChangeEvent {
  readonly detailType: string;
  /** The detail fields of the job's name and status. */
  readonly nameField: string;
  readonly statusField: string;
}

/**
 * Either SageMaker's state-change event, or (for kinds SageMaker sends none for: compilation and
 * AutoML jobs) a schedule on which the handler describes the job until it has ended.
 */
export interface JobEnd {
  readonly event?: JobStateChangeEvent;
  readonly pollInterval?: Duration;
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
  /**
   * How the deployment learns that the job has ended: SageMaker's EventBridge state-change event
   * where the kind has one, else the handler polling the job's Describe on a schedule.
   */
  readonly end: JobEnd;
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
  end: { event: { detailType: 'SageMaker Training Job State Change', nameField: 'TrainingJobName', statusField: 'TrainingJobStatus' } },
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
  end: { event: { detailType: 'SageMaker HyperParameter Tuning Job State Change', nameField: 'HyperParameterTuningJobName', statusField: 'HyperParameterTuningJobStatus' } },
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
  end: { event: { detailType: 'SageMaker Processing Job State Change', nameField: 'ProcessingJobName', statusField: 'ProcessingJobStatus' } },
  actions: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
};

/**
 * Neo compilation (CreateCompilationJob). SageMaker sends no EventBridge event for compilation
 * jobs, so the handler polls DescribeCompilationJob.
 */
export const COMPILATION_JOB: JobKind = {
  signalKind: 'compilation',
  resourceType: COMPILATION_JOB_RESOURCE_TYPE,
  requestProperty: 'CompilationJob',
  requestNameField: 'CompilationJobName',
  maxNameLength: 63,
  arnResource: 'compilation-job',
  end: { pollInterval: Duration.minutes(1) },
  actions: ['sagemaker:CreateCompilationJob', 'sagemaker:DescribeCompilationJob', 'sagemaker:StopCompilationJob', 'sagemaker:AddTags'],
  result: {
    resourceType: COMPILED_ARTIFACT_RESOURCE_TYPE,
    jobNameProperty: 'CompilationJobName',
    actions: ['sagemaker:DescribeCompilationJob'],
    resourceNamePattern: (jobName) => ({ arnResource: 'compilation-job', resourceName: jobName }),
    patternReason: 'The handler reads the compiled artifact of this compilation job only.',
  },
};

/**
 * Autopilot (CreateAutoMLJobV2, tabular). SageMaker sends no EventBridge event for AutoML jobs,
 * so the handler polls DescribeAutoMLJobV2; after the job, it makes a model of the best candidate.
 */
export const AUTOML_JOB: JobKind = {
  signalKind: 'automl',
  resourceType: AUTOML_JOB_RESOURCE_TYPE,
  requestProperty: 'AutoMLJob',
  requestNameField: 'AutoMLJobName',
  // Autopilot names its candidates' training and processing jobs after the AutoML job.
  maxNameLength: 32,
  arnResource: 'automl-job',
  end: { pollInterval: Duration.minutes(2) },
  actions: ['sagemaker:CreateAutoMLJobV2', 'sagemaker:DescribeAutoMLJobV2', 'sagemaker:StopAutoMLJob', 'sagemaker:AddTags'],
  result: {
    resourceType: AUTOML_MODEL_RESOURCE_TYPE,
    jobNameProperty: 'AutoMLJobName',
    actions: ['sagemaker:DescribeAutoMLJobV2'],
    resourceNamePattern: (jobName) => ({ arnResource: 'automl-job', resourceName: jobName }),
    patternReason: 'The handler reads the best candidate of this AutoML job only.',
  },
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
