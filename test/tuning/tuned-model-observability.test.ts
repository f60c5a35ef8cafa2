/**
 * Why TunedModel offers no profiler or Debugger rules: CreateHyperParameterTuningJob's training
 * job definition has no such fields, so the SDK would drop them without a word.
 */
import { CreateHyperParameterTuningJobCommand, CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { sentBody } from '../helpers/api-model';

const PROFILER = { ProfilerConfig: { S3OutputPath: 's3://b/p/', ProfilingIntervalInMilliseconds: 500 } };

describe('TunedModel and Debugger', () => {
  test('a tuning job\'s training job definition cannot carry a profiler, though a training job can', async () => {
    const tuning: any = await sentBody(new CreateHyperParameterTuningJobCommand({
      HyperParameterTuningJobName: 't',
      HyperParameterTuningJobConfig: { Strategy: 'Bayesian', ResourceLimits: { MaxParallelTrainingJobs: 1 } },
      TrainingJobDefinition: {
        AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: 'img' }, RoleArn: 'r', OutputDataConfig: { S3OutputPath: 's3://b/' },
        StoppingCondition: { MaxRuntimeInSeconds: 60 }, ...PROFILER,
      } as any,
    }));
    expect(tuning.TrainingJobDefinition.ProfilerConfig).toBeUndefined();
    const training: any = await sentBody(new CreateTrainingJobCommand({
      TrainingJobName: 't', AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: 'img' }, RoleArn: 'r',
      OutputDataConfig: { S3OutputPath: 's3://b/' }, StoppingCondition: { MaxRuntimeInSeconds: 60 }, ResourceConfig: undefined, ...PROFILER,
    }));
    expect(training.ProfilerConfig).toEqual(PROFILER.ProfilerConfig);
  });
});
