import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SageMakerNetwork } from '../../lib/core/network';
import { MonitoringBaseline } from '../../lib/inference/model-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ServableModel } from '../../lib/models/servable-model';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { ModelApproval } from '../../lib/retraining/model-approval';
import { RetrainingEvaluation } from '../../lib/retraining/retraining-evaluation';
import { RetrainingPipeline, RetrainingPipelineProps } from '../../lib/retraining/retraining-pipeline';
import { RetrainingSchedule } from '../../lib/retraining/retraining-schedule';
import { TrainingInput } from '../../lib/training/inputs';
import { HyperparameterRange } from '../../lib/tuning/ranges';
import { TuningObjective } from '../../lib/tuning/strategy';
import { newStack } from '../helpers/nag';

export interface Fixture {
  readonly stack: Stack;
  readonly pipeline: RetrainingPipeline;
  readonly endpoint: MonitoredEndpoint;
  readonly registry: ModelRegistry;
  readonly template: Template;
}

/**
 * A platform's retraining: the companion Linear Learner retrained weekly and on drift from the
 * data lake, judged on its validation loss, registered in the churn registry and promoted to the
 * churn endpoint (which serves the newest approved version). `overrides` change one thing.
 */
export function retrainingFixture(overrides: (parts: { stack: Stack; lake: s3.IBucket; network: SageMakerNetwork; registry: ModelRegistry; endpoint: MonitoredEndpoint }) => Partial<RetrainingPipelineProps> = () => ({})): Fixture {
  const stack = newStack();
  const network = new SageMakerNetwork(stack, 'Network');
  const lake = s3.Bucket.fromBucketName(stack, 'Lake', 'data-lake');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
    network,
    model: ServableModel.fromLatestApproved(registry, { algorithm: Algorithm.linearLearner(), artifactBucket: lake, artifactKeyPrefix: 'models/churn/' }),
    monitoring: { baseline: MonitoringBaseline.fromS3('s3://data-lake/baseline/statistics.json', 's3://data-lake/baseline/constraints.json'), driftAlarmFeatures: ['_c0'] },
  });
  const pipeline = new RetrainingPipeline(stack, 'Retrain', {
    training: {
      network, algorithm: Algorithm.linearLearner(),
      inputs: [TrainingInput.s3('train', lake, 'churn/train/'), TrainingInput.s3('validation', lake, 'churn/validation/')],
      hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
      instanceType: InstanceType.ML_M5_XLARGE, spot: true, outputBucket: lake, outputPrefix: 'models/churn/',
    },
    registry,
    evaluation: RetrainingEvaluation.metric('validation:objective_loss', { threshold: 0.3, mustBeatProduction: true }),
    approval: ModelApproval.AUTOMATIC,
    endpoint,
    schedule: RetrainingSchedule.rate(Duration.days(7)),
    retrainOnDrift: true,
    ...overrides({ stack, lake, network, registry, endpoint }),
  });
  return { stack, pipeline, endpoint, registry, template: Template.fromStack(stack) };
}

/** A tuning configuration for the same model. */
export function tuningProps(network: SageMakerNetwork, lake: s3.IBucket): Partial<RetrainingPipelineProps> {
  return {
    training: undefined,
    tuning: {
      network, algorithm: Algorithm.linearLearner(),
      inputs: [TrainingInput.s3('train', lake, 'churn/train/'), TrainingInput.s3('validation', lake, 'churn/validation/')],
      staticHyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
      objective: TuningObjective.minimize('validation:objective_loss'),
      ranges: [HyperparameterRange.continuous('learning_rate', 1e-4, 1e-1)],
    },
  };
}
