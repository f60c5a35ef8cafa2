import { CfnResource } from 'aws-cdk-lib';
import { at, renderedProperties } from './properties';
import {
  AUTOML_JOB_RESOURCE_TYPE, COMPILATION_JOB_RESOURCE_TYPE, PROCESSING_JOB_RESOURCE_TYPE, TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE,
} from '../../core/private/resource-types';

/**
 * The security-relevant settings of one SageMaker job (training, tuning, processing, monitoring or
 * transform), read from whichever resource declares it. A field is `NOT_APPLICABLE` where the job
 * kind has no such setting (a transform job has no VPC of its own: it runs in its model's).
 */
export interface JobSettings {
  readonly networkIsolation: unknown;
  readonly interContainerEncryption: unknown;
  readonly vpcConfig: unknown;
  readonly volumeKmsKeyId: unknown;
  readonly outputKmsKeyId: unknown;
  readonly maxRuntime: unknown;
}

/** Marks a setting the job kind does not have. */
export const NOT_APPLICABLE = Symbol('not applicable');

/** Resource types of the jobs this library runs at deploy time. */
export { PROCESSING_JOB_RESOURCE_TYPE, TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE };

const MONITORING_DEFINITION_OUTPUTS: Record<string, string> = {
  'AWS::SageMaker::DataQualityJobDefinition': 'DataQualityJobOutputConfig',
  'AWS::SageMaker::ModelQualityJobDefinition': 'ModelQualityJobOutputConfig',
  'AWS::SageMaker::ModelBiasJobDefinition': 'ModelBiasJobOutputConfig',
  'AWS::SageMaker::ModelExplainabilityJobDefinition': 'ModelExplainabilityJobOutputConfig',
};

/**
 * Every SageMaker job the resource declares: one for a job resource, none for unrelated resources,
 * and one per SageMaker task for a Step Functions state machine.
 */
export function jobSettingsOf(node: CfnResource): JobSettings[] {
  return jobSettingsFromTemplate(node.cfnResourceType, renderedProperties(node));
}

/** The same, from a resource's type and its properties as a template holds them. */
export function jobSettingsFromTemplate(type: string, properties: Record<string, any>): JobSettings[] {
  if (type === 'AWS::SageMaker::ProcessingJob') {
    return [processingJob(properties)];
  }
  if (type === 'AWS::SageMaker::MonitoringSchedule') {
    // A schedule that names a separate job definition is judged through that definition.
    const inline = at(properties, 'MonitoringScheduleConfig', 'MonitoringJobDefinition');
    return inline ? [monitoringJob(inline, 'MonitoringOutputConfig', 'MonitoringResources')] : [];
  }
  if (type in MONITORING_DEFINITION_OUTPUTS) {
    return [monitoringJob(properties, MONITORING_DEFINITION_OUTPUTS[type], 'JobResources')];
  }
  if (type.startsWith(TRAINING_JOB_RESOURCE_TYPE)) {
    return [trainingJob(properties.TrainingJob ?? {})];
  }
  if (type.startsWith(PROCESSING_JOB_RESOURCE_TYPE)) {
    // The deploy-time processing job's request has CreateProcessingJob's shape, as the L1 resource does.
    return [processingJob(properties.ProcessingJob ?? {})];
  }
  if (type.startsWith(COMPILATION_JOB_RESOURCE_TYPE)) {
    return [compilationJob(properties.CompilationJob ?? {})];
  }
  if (type.startsWith(AUTOML_JOB_RESOURCE_TYPE)) {
    return [autoMLJob(properties.AutoMLJob ?? {})];
  }
  if (type.startsWith(TUNING_JOB_RESOURCE_TYPE)) {
    return [trainingJob(at(properties, 'TuningJob', 'TrainingJobDefinition') ?? {})];
  }
  if (type === 'AWS::StepFunctions::StateMachine') {
    return stateMachineTasks(properties);
  }
  return [];
}

/** CreateTrainingJob's request shape, also the tuning job's TrainingJobDefinition. */
function trainingJob(p: any): JobSettings {
  return {
    networkIsolation: p.EnableNetworkIsolation,
    interContainerEncryption: p.EnableInterContainerTrafficEncryption,
    vpcConfig: p.VpcConfig,
    volumeKmsKeyId: at(p, 'ResourceConfig', 'VolumeKmsKeyId'),
    outputKmsKeyId: at(p, 'OutputDataConfig', 'KmsKeyId'),
    maxRuntime: at(p, 'StoppingCondition', 'MaxRuntimeInSeconds'),
  };
}

function processingJob(p: any): JobSettings {
  return {
    networkIsolation: at(p, 'NetworkConfig', 'EnableNetworkIsolation'),
    interContainerEncryption: at(p, 'NetworkConfig', 'EnableInterContainerTrafficEncryption'),
    vpcConfig: at(p, 'NetworkConfig', 'VpcConfig'),
    volumeKmsKeyId: at(p, 'ProcessingResources', 'ClusterConfig', 'VolumeKmsKeyId'),
    outputKmsKeyId: at(p, 'ProcessingOutputConfig', 'KmsKeyId'),
    maxRuntime: at(p, 'StoppingCondition', 'MaxRuntimeInSeconds'),
  };
}

/**
 * CreateCompilationJob's request: a VPC (NeoVpcConfig), an output key and a maximum runtime; the
 * API offers no network isolation, inter-container encryption (one container) or volume key.
 */
function compilationJob(p: any): JobSettings {
  return {
    networkIsolation: NOT_APPLICABLE,
    interContainerEncryption: NOT_APPLICABLE,
    vpcConfig: p.VpcConfig,
    volumeKmsKeyId: NOT_APPLICABLE,
    outputKmsKeyId: at(p, 'OutputConfig', 'KmsKeyId'),
    maxRuntime: at(p, 'StoppingCondition', 'MaxRuntimeInSeconds'),
  };
}

/**
 * CreateAutoMLJobV2's request (tabular): its SecurityConfig (VPC, volume key, inter-container
 * encryption), output key and the job's runtime limit; the API offers no network isolation.
 */
function autoMLJob(p: any): JobSettings {
  return {
    networkIsolation: NOT_APPLICABLE,
    interContainerEncryption: at(p, 'SecurityConfig', 'EnableInterContainerTrafficEncryption'),
    vpcConfig: at(p, 'SecurityConfig', 'VpcConfig'),
    volumeKmsKeyId: at(p, 'SecurityConfig', 'VolumeKmsKeyId'),
    outputKmsKeyId: at(p, 'OutputDataConfig', 'KmsKeyId'),
    maxRuntime: at(p, 'AutoMLProblemTypeConfig', 'TabularJobConfig', 'CompletionCriteria', 'MaxAutoMLJobRuntimeInSeconds'),
  };
}

function monitoringJob(p: any, outputKey: string, resourcesKey: string): JobSettings {
  return {
    networkIsolation: at(p, 'NetworkConfig', 'EnableNetworkIsolation'),
    interContainerEncryption: at(p, 'NetworkConfig', 'EnableInterContainerTrafficEncryption'),
    vpcConfig: at(p, 'NetworkConfig', 'VpcConfig'),
    volumeKmsKeyId: at(p, resourcesKey, 'ClusterConfig', 'VolumeKmsKeyId'),
    outputKmsKeyId: at(p, outputKey, 'KmsKeyId'),
    // Monitoring jobs are bounded by their schedule (at most an hour); no runtime setting to judge.
    maxRuntime: NOT_APPLICABLE,
  };
}

function transformJob(p: any): JobSettings {
  return {
    networkIsolation: NOT_APPLICABLE,
    interContainerEncryption: NOT_APPLICABLE,
    vpcConfig: NOT_APPLICABLE,
    volumeKmsKeyId: at(p, 'TransformResources', 'VolumeKmsKeyId'),
    outputKmsKeyId: at(p, 'TransformOutput', 'KmsKeyId'),
    maxRuntime: NOT_APPLICABLE,
  };
}

const SAGEMAKER_TASK = /:sagemaker:(createTrainingJob|createHyperParameterTuningJob|createProcessingJob|createTransformJob)(\.sync|\.waitForTaskToken)?$/;

/** SageMaker tasks in an Amazon States Language definition, nested Parallel and Map states included. */
function stateMachineTasks(p: any): JobSettings[] {
  const definition = parseDefinition(p.Definition ?? p.DefinitionString);
  const jobs: JobSettings[] = [];
  const visit = (states: Record<string, any> | undefined) => {
    for (const state of Object.values(states ?? {})) {
      const match = typeof state?.Resource === 'string' ? SAGEMAKER_TASK.exec(state.Resource) : null;
      if (match) {
        const parameters = dynamicKeysAsSet(state.Parameters ?? state.Arguments ?? {});
        if (match[1] === 'createTrainingJob') jobs.push(trainingJob(parameters));
        if (match[1] === 'createHyperParameterTuningJob') jobs.push(trainingJob(parameters.TrainingJobDefinition ?? {}));
        if (match[1] === 'createProcessingJob') jobs.push(processingJob(parameters));
        if (match[1] === 'createTransformJob') jobs.push(transformJob(parameters));
      }
      for (const branch of state?.Branches ?? []) visit(branch.States);
      visit(state?.Iterator?.States);
      visit(state?.ItemProcessor?.States);
    }
  };
  visit(definition?.States);
  return jobs;
}

/**
 * `"KmsKeyId.$": "$.key"` sets KmsKeyId from the execution input: it is set, but its value is
 * only known at run time, so it is judged as set.
 */
export function dynamicKeysAsSet(value: any): any {
  if (Array.isArray(value)) return value.map(dynamicKeysAsSet);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, any> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key.endsWith('.$') ? key.slice(0, -2) : key] = key.endsWith('.$') ? `(runtime ${String(inner)})` : dynamicKeysAsSet(inner);
  }
  return out;
}

/**
 * The definition as an object. CDK renders it as a string or an `Fn::Join` of strings and
 * references; references are replaced by a placeholder that is valid both inside a JSON string and
 * as a bare number, so the structure can be parsed.
 */
export function parseDefinition(definition: unknown): any {
  if (definition && typeof definition === 'object' && !('Fn::Join' in definition) && !('Fn::Sub' in definition)) {
    return definition;
  }
  const text = flatten(definition);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const join = (value as any)['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(flatten).join(join[0]);
    const sub = (value as any)['Fn::Sub'];
    if (sub !== undefined) return (Array.isArray(sub) ? sub[0] : sub).replace(/\$\{[^}]+\}/g, '1');
  }
  return '1';
}
