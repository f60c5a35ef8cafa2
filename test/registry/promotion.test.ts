/**
 * "Promotion never fights CloudFormation" (DESIGN.md §3b): an endpoint that serves the newest
 * approved version is moved forward outside deploys (an approval, and a promotion that updates
 * the endpoint). A later `cdk deploy` of the same app must not put an older version back.
 *
 * The mechanism: the version is read at deploy time by a resource whose properties carry a hash
 * of everything else that would update the endpoint. CloudFormation updates a resource only
 * when its template changes, so: an unchanged app updates nothing (the promoted endpoint stays);
 * a change that updates the endpoint changes that hash, so the version is read again (newest
 * approved) before the endpoint's new configuration is made.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SageMakerNetwork } from '../../lib/core/network';
import { handler } from '../../lib/handlers/sagemaker-job';
import { DeploymentStrategy } from '../../lib/inference/deployment';
import { MonitoredEndpoint, MonitoredEndpointProps } from '../../lib/inference/monitored-endpoint';
import { ServableModel } from '../../lib/models/servable-model';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { jobHandlerHarness } from '../helpers/job-handler-harness';
import { newStack } from '../helpers/nag';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const version = (n: number) => `arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn/${n}`;

/** The serving app as a platform team writes it; `change` is what a later commit edits. */
function servingApp(change: Partial<MonitoredEndpointProps> = {}): { stack: Stack; template: Template } {
  const stack = newStack('Serving');
  const network = new SageMakerNetwork(stack, 'Network');
  const artifacts = s3.Bucket.fromBucketName(stack, 'Artifacts', 'ml-artifacts');
  const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Churn', 'churn');
  new MonitoredEndpoint(stack, 'Endpoint', {
    network,
    model: ServableModel.fromLatestApproved(registry, { algorithm: Algorithm.linearLearner(), artifactBucket: artifacts, artifactKeyPrefix: 'churn/' }),
    ...change,
  });
  return { stack, template: Template.fromStack(stack) };
}

function lookupOf(template: Template): { id: string; properties: Record<string, unknown> } {
  const [[id, resource]] = Object.entries(template.findResources('Custom::SageMakerApprovedModelPackage')) as Array<[string, any]>;
  return { id, properties: resource.Properties };
}

describe('a deploy never puts back an older version than the newest approved', () => {
  test('re-synthesizing the unchanged app gives the same template: CloudFormation updates nothing, the promoted endpoint stays', () => {
    // GIVEN the app deployed with version 1; version 2 approved and promoted outside the stack
    const deployed = servingApp().template;
    // WHEN the same app is synthesized again
    const again = servingApp().template;
    // THEN there is nothing for CloudFormation to update: no UpdateEndpoint, version 2 keeps serving
    expect(again.toJSON()).toEqual(deployed.toJSON());
  });

  test('a change that updates the endpoint reads the approval again, and the endpoint gets the promoted version, not the old one', async () => {
    // GIVEN the app deployed when version 1 was the newest approved
    const deployed = lookupOf(servingApp().template);
    // WHEN a later commit changes the endpoint (its instance type) and version 2 has been approved meanwhile
    const { template } = servingApp({ instanceType: InstanceType.ML_M5_XLARGE });
    const changed = lookupOf(template);
    expect(changed.id).toBe(deployed.id);
    expect(changed.properties.Revision).not.toEqual(deployed.properties.Revision);
    // CloudFormation sends the changed resource an Update, which SageMaker answers with version 2
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: version(2), ModelPackageVersion: 2 } as any] });
    await handler(cloudFormation.event('Update', changed.properties, version(1), 'Custom::SageMakerApprovedModelPackage'));
    // THEN the endpoint's new model names what the read returned: version 2
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', Data: expect.objectContaining({ ModelPackageArn: version(2) }) })]);
    template.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: { 'Fn::GetAtt': [changed.id, 'ModelPackageArn'] } } });
  });

  test.each<[string, Partial<MonitoredEndpointProps>]>([
    ['instances', { variants: [{ name: 'AllTraffic', initialInstanceCount: 3 }] }],
    ['capture', { dataCapture: { samplingPercentage: 50 } }],
    ['guardrails', { deployment: DeploymentStrategy.canary({ canaryPercent: 10, bake: Duration.minutes(10) }) }],
  ])('every change that updates the endpoint reads the version again (%s)', (_what, change) => {
    expect(lookupOf(servingApp(change).template).properties.Revision).not.toEqual(lookupOf(servingApp().template).properties.Revision);
  });

  test('a change elsewhere in the app (alarm thresholds) neither updates the endpoint nor reads the version again', () => {
    const base = servingApp().template;
    const changed = servingApp({ alarms: { max4xxErrorsPer5Minutes: 10 } }).template;
    expect(lookupOf(changed).properties).toEqual(lookupOf(base).properties);
    expect(changed.findResources('AWS::SageMaker::EndpointConfig')).toEqual(base.findResources('AWS::SageMaker::EndpointConfig'));
  });
});
