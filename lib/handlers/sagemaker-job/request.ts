/** Request fields CloudFormation delivers as strings that the API wants as numbers or booleans. */
const NUMBERS = new Set([
  'InstanceCount', 'VolumeSizeInGB', 'MaxRuntimeInSeconds', 'MaxWaitTimeInSeconds', 'MaxPendingTimeInSeconds',
  'KeepAlivePeriodInSeconds', 'MaxNumberOfTrainingJobs', 'MaxParallelTrainingJobs', 'MinResource', 'MaxResource',
  'TargetObjectiveMetricValue', 'MaxNumberOfTrainingJobsNotImproving', 'ProfilingIntervalInMilliseconds',
  'MaxCandidates', 'MaxRuntimePerTrainingJobInSeconds', 'MaxAutoMLJobRuntimeInSeconds', 'ValidationFraction',
]);
const BOOLEANS = new Set([
  'EnableNetworkIsolation', 'EnableInterContainerTrafficEncryption', 'EnableManagedSpotTraining', 'EnableSageMakerMetricsTimeSeries', 'DisableProfiler',
  'GenerateCandidateDefinitionsOnly',
]);
/** User strings, never converted (parameter range bounds are strings in the API too). */
const VERBATIM = new Set(['HyperParameters', 'StaticHyperParameters', 'Environment', 'Tags', 'ParameterRanges',
  'RuleParameters', 'ProfilingParameters', 'HookParameters']);

/**
 * A Create request from a custom resource property, with CloudFormation's stringified numbers and
 * booleans turned back into their types, and its name field checked.
 */
export function createRequest<T>(property: unknown, nameField: string): T {
  const request = restoreTypes(property) as Record<string, unknown> | undefined;
  const name = request?.[nameField];
  if (typeof name !== 'string' || name.length === 0) {
    throw new Error(`The request has no ${nameField}`);
  }
  return request as T;
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
