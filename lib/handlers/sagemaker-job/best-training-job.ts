import { DescribeHyperParameterTuningJobCommand, DescribeTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sagemaker } from './jobs';
import { CustomResourceResult } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';

/**
 * `Custom::SageMakerBestTrainingJob`: after a tuning job has completed, reads its best training
 * job, the objective value it reached and its model artifact, for the model built from it.
 */
export async function readBestTrainingJob(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  const tuningJobName = String(event.ResourceProperties.TuningJobName ?? '');
  if (event.RequestType === 'Delete') {
    return { physicalResourceId: event.PhysicalResourceId };
  }
  if (!tuningJobName) throw new Error('The TuningJobName property is missing');
  const tuning = await withRetries(() => sagemaker.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: tuningJobName })));
  const best = tuning.BestTrainingJob;
  if (!best?.TrainingJobName) {
    throw new Error(`Tuning job ${tuningJobName} ended (${tuning.HyperParameterTuningJobStatus}) without a completed training job to use: ` +
      `${(tuning.TrainingJobStatusCounters?.NonRetryableError ?? 0) + (tuning.TrainingJobStatusCounters?.RetryableError ?? 0)} failed, ${tuning.TrainingJobStatusCounters?.Stopped ?? 0} stopped`);
  }
  const job = await withRetries(() => sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: best.TrainingJobName })));
  const modelData = job.ModelArtifacts?.S3ModelArtifacts;
  if (!modelData) throw new Error(`The best training job ${best.TrainingJobName} of ${tuningJobName} has no model artifact`);
  return {
    physicalResourceId: best.TrainingJobName,
    data: {
      BestTrainingJobName: best.TrainingJobName,
      BestObjectiveValue: String(best.FinalHyperParameterTuningJobObjectiveMetric?.Value ?? ''),
      ModelData: modelData,
    },
  };
}
