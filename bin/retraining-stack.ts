import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  Algorithm, IModelRegistry, InstanceType, ModelApproval, MonitoredEndpoint, RetrainingEvaluation, RetrainingPipeline, RetrainingSchedule,
  SageMakerNetwork, SecureBucket, TrainingInput,
} from '../lib';

export interface RetrainingStackProps extends StackProps {
  readonly network: SageMakerNetwork;
  readonly data: SecureBucket;
  readonly registry: IModelRegistry;
  readonly endpoint: MonitoredEndpoint;
}

/**
 * Retraining outside deploys: the churn Linear Learner retrained every week and whenever the churn
 * endpoint's inputs drift, judged on its validation loss against the version in production,
 * registered pending a reviewer's approval, and promoted to the endpoint (with its canary
 * guardrails) when approved.
 */
export class RetrainingStack extends Stack {
  public readonly churn: RetrainingPipeline;

  constructor(scope: Construct, id: string, props: RetrainingStackProps) {
    super(scope, id, props);
    this.churn = new RetrainingPipeline(this, 'ChurnRetraining', {
      training: {
        network: props.network,
        algorithm: Algorithm.linearLearner(),
        inputs: [
          TrainingInput.s3('train', props.data.bucket, 'churn/train-scaled/', { contentType: 'text/csv' }),
          TrainingInput.s3('validation', props.data.bucket, 'churn/validation-scaled/', { contentType: 'text/csv' }),
        ],
        hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20', epochs: '15', normalize_data: 'false' },
        instanceType: InstanceType.ML_C5_2XLARGE,
        spot: true,
        maxRuntime: Duration.hours(2),
        // Under the prefix the endpoint's model role reads the newest approved version from.
        outputBucket: props.data.bucket,
        outputPrefix: 'models/churn/',
      },
      registry: props.registry,
      evaluation: RetrainingEvaluation.metric('validation:objective_loss', { mustBeatProduction: true }),
      approval: ModelApproval.MANUAL,
      endpoint: props.endpoint,
      schedule: RetrainingSchedule.cron('cron(0 4 ? * MON *)', { timeZone: 'UTC' }),
      retrainOnDrift: true,
    });
  }
}
