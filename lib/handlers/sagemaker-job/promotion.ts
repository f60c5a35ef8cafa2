import {
  CreateEndpointConfigCommand, CreateModelCommand, DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand,
  ProductionVariant, UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { sagemaker } from './jobs';
import { withRetries } from '../shared/retry';

/** What a retraining pipeline's state machine asks for to promote a version. */
export interface PromotionRequest {
  readonly promote: {
    readonly endpointName: string;
    /** The version to serve. */
    readonly modelPackageArn: string;
    /** The group whose versions the endpoint's variants serve: only those variants change. */
    readonly modelPackageGroupName: string;
    /** Names of the models and endpoint configuration the promotion creates start with this. */
    readonly namePrefix: string;
  };
}

/** What the state machine waits for. */
export interface PromotionResult {
  readonly endpointConfigName: string;
  readonly promotedVariants: string[];
  /** The endpoint already served the version: nothing was changed. */
  readonly unchanged: boolean;
}

/**
 * Puts a registered version on an endpoint without a deploy, with the endpoint's own guardrails:
 * every production (and shadow) variant whose model serves a version of the group gets a model
 * of the new version (same role, VPC, isolation), in a copy of the endpoint's configuration, and
 * the endpoint is updated with its last deployment configuration (canary, linear, rolling and
 * their auto-rollback alarms) and its autoscaled instance counts kept. Variants serving anything
 * else are left as they are.
 */
export async function promote(request: PromotionRequest['promote']): Promise<PromotionResult> {
  const { endpointName, modelPackageArn, modelPackageGroupName, namePrefix } = request;
  const endpoint = await withRetries(() => sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })));
  const config = await withRetries(() => sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName })));
  const version = modelPackageArn.split('/').pop() ?? 'v';
  const suffix = `${version}-${Date.now().toString(36)}`;
  const groupArnPart = `:model-package/${modelPackageGroupName.toLowerCase()}/`;

  const promoted: string[] = [];
  let unchanged = true;
  const replace = async (variants: ProductionVariant[] | undefined): Promise<ProductionVariant[] | undefined> => {
    if (!variants) return undefined;
    const out: ProductionVariant[] = [];
    for (const variant of variants) {
      const model = await withRetries(() => sagemaker.send(new DescribeModelCommand({ ModelName: variant.ModelName })));
      const servedPackage = model.PrimaryContainer?.ModelPackageName ?? '';
      if (!servedPackage.toLowerCase().includes(groupArnPart)) {
        out.push(variant);
        continue;
      }
      promoted.push(variant.VariantName!);
      if (servedPackage === modelPackageArn) {
        out.push(variant);
        continue;
      }
      unchanged = false;
      const modelName = `${namePrefix}-${variant.VariantName}-${suffix}`.slice(0, 63).replace(/-+$/, '');
      await withRetries(() => sagemaker.send(new CreateModelCommand({
        ModelName: modelName,
        ExecutionRoleArn: model.ExecutionRoleArn,
        PrimaryContainer: { ModelPackageName: modelPackageArn },
        VpcConfig: model.VpcConfig,
        EnableNetworkIsolation: model.EnableNetworkIsolation,
      })));
      out.push({ ...variant, ModelName: modelName });
    }
    return out;
  };
  const productionVariants = await replace(config.ProductionVariants);
  const shadowProductionVariants = await replace(config.ShadowProductionVariants);
  if (promoted.length === 0) {
    throw new Error(`Endpoint ${endpointName} serves no version of model package group ${modelPackageGroupName}: nothing to promote`);
  }
  if (unchanged) return { endpointConfigName: endpoint.EndpointConfigName!, promotedVariants: promoted, unchanged: true };

  const endpointConfigName = `${namePrefix}-${suffix}`.slice(0, 63).replace(/-+$/, '');
  await withRetries(() => sagemaker.send(new CreateEndpointConfigCommand({
    EndpointConfigName: endpointConfigName,
    ProductionVariants: productionVariants,
    ShadowProductionVariants: shadowProductionVariants,
    KmsKeyId: config.KmsKeyId,
    DataCaptureConfig: config.DataCaptureConfig,
    AsyncInferenceConfig: config.AsyncInferenceConfig,
    ExplainerConfig: config.ExplainerConfig,
  })));
  await withRetries(() => sagemaker.send(new UpdateEndpointCommand({
    EndpointName: endpointName,
    EndpointConfigName: endpointConfigName,
    // Autoscaled instance counts and weights stay as they are; the guardrails are the endpoint's own.
    RetainAllVariantProperties: true,
    DeploymentConfig: endpoint.LastDeploymentConfig,
  })));
  return { endpointConfigName, promotedVariants: promoted, unchanged: false };
}
