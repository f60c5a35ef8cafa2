import {
  CreateEndpointConfigCommand, CreateModelCommand, DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { handler } from '../../lib/handlers/sagemaker-job';
import { jobHandlerHarness } from '../helpers/job-handler-harness';

const { sagemaker } = jobHandlerHarness();
const pkg = (n: number) => `arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn/${n}`;
const GUARDRAILS = { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } } }, AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'churn-5xx' }] } };
const request = { promote: { endpointName: 'churn', modelPackageArn: pkg(2), modelPackageGroupName: 'churn', namePrefix: 'retrain-churn' } };

/** An endpoint whose AllTraffic variant serves version 1 of the group and whose Other variant serves a plain model. */
function endpointServing(version: number) {
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointConfigName: 'churn-config-1', LastDeploymentConfig: GUARDRAILS as any });
  sagemaker.on(DescribeEndpointConfigCommand).resolves({
    EndpointConfigName: 'churn-config-1',
    KmsKeyId: 'key',
    DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 20, DestinationS3Uri: 's3://b/capture/', CaptureOptions: [{ CaptureMode: 'Input' }] },
    ProductionVariants: [
      { VariantName: 'AllTraffic', ModelName: 'churn-model-1', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
      { VariantName: 'Other', ModelName: 'plain', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
    ],
  } as any);
  sagemaker.on(DescribeModelCommand, { ModelName: 'churn-model-1' }).resolves({
    ExecutionRoleArn: 'arn:aws:iam::111122223333:role/serving', PrimaryContainer: { ModelPackageName: pkg(version) },
    VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] }, EnableNetworkIsolation: true,
  });
  sagemaker.on(DescribeModelCommand, { ModelName: 'plain' }).resolves({ PrimaryContainer: { Image: 'other', ModelDataUrl: 's3://b/m.tar.gz' } });
}

describe('sagemaker-job handler: promotion of a version to an endpoint', () => {
  test('a new model of the version for the variants that serve the group, a copy of the configuration, and an update with the endpoint\'s own guardrails', async () => {
    // GIVEN
    endpointServing(1);
    // WHEN
    const result = await handler(request);
    // THEN
    const model = sagemaker.commandCalls(CreateModelCommand)[0].args[0].input;
    expect(model).toMatchObject({
      ExecutionRoleArn: 'arn:aws:iam::111122223333:role/serving', PrimaryContainer: { ModelPackageName: pkg(2) },
      VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] }, EnableNetworkIsolation: true,
    });
    expect(model.ModelName).toMatch(/^retrain-churn-AllTraffic-2-/);
    const config = sagemaker.commandCalls(CreateEndpointConfigCommand)[0].args[0].input;
    expect(config.ProductionVariants).toEqual([
      expect.objectContaining({ VariantName: 'AllTraffic', ModelName: model.ModelName, InitialInstanceCount: 2 }),
      expect.objectContaining({ VariantName: 'Other', ModelName: 'plain' }),
    ]);
    expect(config).toMatchObject({ KmsKeyId: 'key', DataCaptureConfig: { EnableCapture: true } });
    expect(sagemaker.commandCalls(UpdateEndpointCommand)[0].args[0].input).toEqual({
      EndpointName: 'churn', EndpointConfigName: config.EndpointConfigName, RetainAllVariantProperties: true, DeploymentConfig: GUARDRAILS,
    });
    expect(result).toEqual({ endpointConfigName: config.EndpointConfigName, promotedVariants: ['AllTraffic'], unchanged: false });
  });

  test('an endpoint that already serves the version is left alone', async () => {
    endpointServing(2);
    expect(await handler(request)).toEqual({ endpointConfigName: 'churn-config-1', promotedVariants: ['AllTraffic'], unchanged: true });
    expect(sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
  });

  test('an endpoint that serves no version of the group is an error, not a silent success', async () => {
    endpointServing(1);
    await expect(handler({ promote: { ...request.promote, modelPackageGroupName: 'fraud' } })).rejects.toThrow(/serves no version of model package group fraud/);
    expect(sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
  });
});
