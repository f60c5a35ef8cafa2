import { Duration } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { InstanceType } from '../../core/instance-type';
import { VariantOptions } from '../variant-options';

/** A production (or shadow) variant as the endpoint builds it: its options and what they resolve to. */
export interface ResolvedVariant {
  readonly options: VariantOptions;
  readonly modelName: string;
  readonly instanceType: InstanceType;
}

/** Timeouts every instance-backed variant of an endpoint shares. */
export interface VariantTimeouts {
  readonly containerStartupTimeout?: Duration;
  readonly modelDownloadTimeout?: Duration;
}

/** A variant of the endpoint configuration: serverless capacity, or 2 instances by default. */
export function renderVariant(variant: ResolvedVariant, timeouts: VariantTimeouts): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
  const { options } = variant;
  const common = { variantName: options.name, modelName: variant.modelName, initialVariantWeight: options.weight ?? 1 };
  return options.serverless ? {
    ...common,
    serverlessConfig: {
      memorySizeInMb: options.serverless.memorySizeMb,
      maxConcurrency: options.serverless.maxConcurrency,
      provisionedConcurrency: options.serverless.provisionedConcurrency,
    },
  } : {
    ...common,
    instanceType: variant.instanceType.toString(),
    initialInstanceCount: options.initialInstanceCount ?? 2,
    containerStartupHealthCheckTimeoutInSeconds: timeouts.containerStartupTimeout?.toSeconds(),
    modelDataDownloadTimeoutInSeconds: timeouts.modelDownloadTimeout?.toSeconds(),
  };
}
