import type { CreateTrainingJobRequest } from '@aws-sdk/client-sagemaker';

/** Request fields CloudFormation delivers as strings that the API wants as numbers or booleans. */
const NUMBERS = new Set(['InstanceCount', 'VolumeSizeInGB', 'MaxRuntimeInSeconds', 'MaxWaitTimeInSeconds', 'MaxPendingTimeInSeconds', 'KeepAlivePeriodInSeconds']);
const BOOLEANS = new Set(['EnableNetworkIsolation', 'EnableInterContainerTrafficEncryption', 'EnableManagedSpotTraining', 'EnableSageMakerMetricsTimeSeries']);
/** Maps of user strings, never converted. */
const VERBATIM = new Set(['HyperParameters', 'Environment', 'Tags']);

/**
 * The CreateTrainingJob request from the custom resource's `TrainingJob` property, with
 * CloudFormation's stringified numbers and booleans turned back into their types.
 */
export function trainingJobRequest(property: unknown): CreateTrainingJobRequest {
  const request = restoreTypes(property) as CreateTrainingJobRequest;
  if (!request || typeof request.TrainingJobName !== 'string' || request.TrainingJobName.length === 0) {
    throw new Error('The TrainingJob property has no TrainingJobName');
  }
  return request;
}

function restoreTypes(value: unknown, key?: string): unknown {
  if (key !== undefined && VERBATIM.has(key)) return value;
  if (Array.isArray(value)) return value.map((item) => restoreTypes(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreTypes(v, k)]));
  }
  if (key !== undefined && typeof value === 'string') {
    if (NUMBERS.has(key)) {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new Error(`${key} must be a number, got ${JSON.stringify(value)}`);
      return number;
    }
    if (BOOLEANS.has(key)) return value === 'true';
  }
  return value;
}
