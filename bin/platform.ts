import { App, Stack } from 'aws-cdk-lib';
import { FeatureStack } from './feature-stack';
import { NetworkStack } from './network-stack';
import { RetrainingStack } from './retraining-stack';
import { ServingStack } from './serving-stack';
import { TrainingStack } from './training-stack';
import { TuningStack } from './tuning-stack';
import { WorkspaceStack } from './workspace-stack';

/**
 * Adds the reference platform's stacks to an app. Shared by `bin/app.ts` (what `npm run synth`
 * runs) and the tests, so both check exactly the same platform.
 */
export function buildPlatform(app: App): Stack[] {
  const network = new NetworkStack(app, 'SageMakerPlatform-Network', {
    description: 'SageMaker platform: isolated network, VPC endpoints and the shared data bucket (sagemaker-secure-constructs)',
  });
  const training = new TrainingStack(app, 'SageMakerPlatform-Training', {
    description: 'SageMaker platform: deploy-time training jobs (sagemaker-secure-constructs)',
    network: network.network,
    data: network.data,
  });
  const tuning = new TuningStack(app, 'SageMakerPlatform-Tuning', {
    description: 'SageMaker platform: deploy-time hyperparameter tuning and the tuned model (sagemaker-secure-constructs)',
    network: network.network,
    data: network.data,
  });
  const features = new FeatureStack(app, 'SageMakerPlatform-Features', {
    description: 'SageMaker platform: feature store with online and offline stores (sagemaker-secure-constructs)',
    network: network.network,
  });
  const serving = new ServingStack(app, 'SageMakerPlatform-Serving', {
    description: 'SageMaker platform: serving (sagemaker-secure-constructs)',
    customers: features.customers,
    churnModel: tuning.churn,
    churnScaler: training.scaler,
    churnRegistry: tuning.registry,
    data: network.data,
  });
  // The serving endpoint reads the newest approved version registered by the tuning stack.
  serving.addStackDependency(tuning, 'the churn endpoint serves the newest approved version the tuning stack registers');
  const workspace = new WorkspaceStack(app, 'SageMakerPlatform-Workspace', {
    description: 'SageMaker platform: Studio domain for data scientists (sagemaker-secure-constructs)',
    network: network.network,
    data: network.data,
    endpoint: serving.churn,
  });
  const retraining = new RetrainingStack(app, 'SageMakerPlatform-Retraining', {
    description: 'SageMaker platform: weekly and drift-triggered retraining, registration and promotion (sagemaker-secure-constructs)',
    network: network.network,
    data: network.data,
    registry: tuning.registry,
    endpoint: serving.churn,
  });
  return [network, training, tuning, features, serving, workspace, retraining];
}
