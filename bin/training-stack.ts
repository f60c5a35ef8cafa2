import * as path from 'node:path';
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  Algorithm, AutoMLInput, AutoMLMetric, AutoMLModel, AutoMLProblemType, InstanceType, ProcessingInput, ProcessingOutput, Profiler, ProfilerRule,
  SageMakerNetwork, SecureBucket, SecureProcessingJob, SecureTrainingJob, TrainingInput,
} from '../lib';

export interface TrainingStackProps extends StackProps {
  readonly network: SageMakerNetwork;
  readonly data: SecureBucket;
}

/**
 * Training at deploy time: a processing job that prepares the K-Means data, the companion K-Means
 * on a GPU (spot capacity with checkpoints) on what it prepared, the churn pipeline's scaler, and
 * an Autopilot model of the churn data, reading the platform's data bucket and writing there.
 */
export class TrainingStack extends Stack {
  public readonly kmeans: SecureTrainingJob;
  public readonly scaler: SecureTrainingJob;
  public readonly kmeansPrep: SecureProcessingJob;
  public readonly churnAutopilot: AutoMLModel;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    // The K-Means data: labelled records under kmeans/raw/ lose their label column
    // (bin/processing/kmeans-prep); the training job reads the output and starts once it exists.
    this.kmeansPrep = new SecureProcessingJob(this, 'KMeansPrep', {
      network: props.network,
      algorithm: Algorithm.fromAsset(path.join(__dirname, 'processing', 'kmeans-prep'), { name: 'kmeans-prep', canServe: false }),
      containerArguments: ['--label-column', '0'],
      inputs: [ProcessingInput.s3('raw', props.data.bucket, 'kmeans/raw/')],
      outputs: [ProcessingOutput.s3('train')],
      outputBucket: props.data.bucket,
      instanceType: InstanceType.ML_M5_XLARGE,
      maxRuntime: Duration.hours(1),
    });
    this.kmeans = new SecureTrainingJob(this, 'KMeans', {
      network: props.network,
      algorithm: Algorithm.kmeans(),
      inputs: [this.kmeansPrep.output('train').asTrainingInput('train', { contentType: 'text/csv;label_size=0' })],
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

    // Autopilot on the churn data (CSV with a header row; the column to predict is "churned"):
    // the best of its ensembles becomes a model an endpoint can serve.
    this.churnAutopilot = new AutoMLModel(this, 'ChurnAutopilot', {
      network: props.network,
      data: AutoMLInput.csv(props.data.bucket, 'churn/autopilot/'),
      target: 'churned',
      problemType: AutoMLProblemType.BINARY_CLASSIFICATION,
      objectiveMetric: AutoMLMetric.AUC,
      maxCandidates: 10,
      maxRuntime: Duration.hours(4),
      outputBucket: props.data.bucket,
    });
  }
}
