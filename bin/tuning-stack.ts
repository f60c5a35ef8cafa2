import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Algorithm, HyperparameterRange, InstanceType, ManagedPolicyRole, ModelApprovalStatus, ModelRegistry, RegisteredModelVersion, SageMakerNetwork,
  SecureBucket, TrainingInput, TunedModel, TuningObjective, TuningStrategy,
} from '../lib';

export interface TuningStackProps extends StackProps {
  readonly network: SageMakerNetwork;
  readonly data: SecureBucket;
}

/**
 * Tuning at deploy time: the companion Linear Learner searched over learning rate, batch size and
 * regularization with Bayesian optimization; its best training job becomes the platform's model,
 * registered as the first version of the churn model in the registry.
 */
export class TuningStack extends Stack {
  public readonly churn: TunedModel;
  public readonly registry: ModelRegistry;
  public readonly churnV1: RegisteredModelVersion;
  public readonly reviewerRole: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: TuningStackProps) {
    super(scope, id, props);
    this.churn = new TunedModel(this, 'Churn', {
      network: props.network,
      algorithm: Algorithm.linearLearner(),
      inputs: [
        TrainingInput.s3('train', props.data.bucket, 'churn/train-scaled/', { contentType: 'text/csv' }),
        TrainingInput.s3('validation', props.data.bucket, 'churn/validation-scaled/', { contentType: 'text/csv' }),
      ],
      // Served behind the scaler in the pipeline, so trained on the scaled copy of the data.
      staticHyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20', epochs: '15', normalize_data: 'false' },
      objective: TuningObjective.minimize('validation:objective_loss'),
      ranges: [
        HyperparameterRange.continuous('learning_rate', 1e-4, 1e-1, { scaling: 'Logarithmic' }),
        HyperparameterRange.integer('mini_batch_size', 100, 5000),
        HyperparameterRange.continuous('wd', 1e-6, 1e-2, { scaling: 'Logarithmic' }),
      ],
      strategy: TuningStrategy.BAYESIAN,
      maxJobs: 20,
      maxParallelJobs: 2,
      instanceType: InstanceType.ML_C5_2XLARGE,
      maxRuntime: Duration.hours(1),
      outputBucket: props.data.bucket,
      outputPrefix: 'models/churn/',
    });

    // Every version of the churn model. The tuned one is approved by the rule that made it (the best
    // of 20 jobs on the validation loss); later versions wait for a reviewer.
    this.registry = new ModelRegistry(this, 'ChurnRegistry', {
      modelPackageGroupName: 'churn',
      description: 'Churn classifier (companion Linear Learner) versions',
    });
    this.churnV1 = this.registry.register('Tuned', { model: this.churn, approval: ModelApprovalStatus.APPROVED });
    this.reviewerRole = new ManagedPolicyRole(this, 'ModelReviewerRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Approves or rejects versions of the churn model',
    });
    this.registry.grantApprove(this.reviewerRole);
  }
}
