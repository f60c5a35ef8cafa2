import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Algorithm, InstanceType, Profiler, ProfilerRule, SageMakerNetwork, SecureBucket, SecureTrainingJob, TrainingInput } from '../lib';

export interface TrainingStackProps extends StackProps {
  readonly network: SageMakerNetwork;
  readonly data: SecureBucket;
}

/**
 * Training at deploy time: the companion K-Means on a GPU, on spot capacity with checkpoints, and
 * the churn pipeline's scaler, reading the platform's data bucket and writing artifacts there.
 */
export class TrainingStack extends Stack {
  public readonly kmeans: SecureTrainingJob;
  public readonly scaler: SecureTrainingJob;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    this.kmeans = new SecureTrainingJob(this, 'KMeans', {
      network: props.network,
      algorithm: Algorithm.kmeans(),
      inputs: [TrainingInput.s3('train', props.data.bucket, 'kmeans/train/', { contentType: 'text/csv;label_size=0' })],
      hyperparameters: { k: '10', feature_dim: '784', mini_batch_size: '500', init_method: 'kmeans++' },
      instanceType: InstanceType.ML_G5_XLARGE,
      spot: true,
      maxRuntime: Duration.hours(4),
      outputBucket: props.data.bucket,
      outputPrefix: 'models/kmeans/',
      // A GPU job: report when the GPU idles or the CPU is the bottleneck (the companion images save
      // no tensors, so no Debugger tensor rules).
      profiler: Profiler.withRules(ProfilerRule.lowGpuUtilization(), ProfilerRule.cpuBottleneck()),
    });

    // The churn pipeline's first stage: a standard scaler fitted on the churn training data.
    this.scaler = new SecureTrainingJob(this, 'ChurnScaler', {
      network: props.network,
      algorithm: Algorithm.preprocessing(),
      inputs: [TrainingInput.s3('train', props.data.bucket, 'churn/train/', { contentType: 'text/csv' })],
      hyperparameters: { feature_dim: '20', label_size: '1' },
      instanceType: InstanceType.ML_M5_LARGE,
      maxRuntime: Duration.hours(1),
      outputBucket: props.data.bucket,
      outputPrefix: 'models/churn-scaler/',
    });
  }
}
