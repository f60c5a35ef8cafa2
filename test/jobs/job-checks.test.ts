/**
 * SageMakerChecks' job rules judge the deploy-time job resources of lib/jobs as they judge
 * CloudFormation's own job types: each setting the API has is read from the request.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { SageMakerChecks } from '../../lib/nag/sagemaker-checks';
import { newStack } from '../helpers/nag';

function findings(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const violation of new SageMakerChecks().validateScope(stack).violations) {
    out[violation.ruleName] = violation.severity ?? 'error';
  }
  return out;
}

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const VPC = { SecurityGroupIds: ['sg-0123'], Subnets: ['subnet-a', 'subnet-b'] };

const KINDS: Record<string, { make: (stack: Stack) => CfnResource; paths: Record<string, string> }> = {
  'deploy-time processing job': {
    make: (stack) => new CfnResource(stack, 'Job', {
      type: 'Custom::SageMakerProcessingJob',
      properties: {
        ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:start',
        ProcessingJob: {
          NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: VPC },
          ProcessingResources: { ClusterConfig: { VolumeKmsKeyId: KEY } },
          ProcessingOutputConfig: { KmsKeyId: KEY },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        },
      },
    }),
    paths: {
      JobNetworkIsolation: 'ProcessingJob.NetworkConfig.EnableNetworkIsolation',
      JobInterContainerEncryption: 'ProcessingJob.NetworkConfig.EnableInterContainerTrafficEncryption',
      JobInVpc: 'ProcessingJob.NetworkConfig.VpcConfig',
      JobVolumeKms: 'ProcessingJob.ProcessingResources.ClusterConfig.VolumeKmsKeyId',
      JobOutputKms: 'ProcessingJob.ProcessingOutputConfig.KmsKeyId',
      JobMaxRuntime: 'ProcessingJob.StoppingCondition.MaxRuntimeInSeconds',
    },
  },
};

describe('SageMakerChecks: the deploy-time jobs of lib/jobs', () => {
  test.each(Object.keys(KINDS))('a secure %s is compliant', (kind) => {
    const stack = newStack();
    KINDS[kind].make(stack);
    expect(findings(stack)).toEqual({});
  });

  const cases = Object.entries(KINDS).flatMap(([kind, { paths }]) => Object.entries(paths).map(([rule, path]) => [kind, rule, path]));
  test.each(cases)('a %s: %s without %s', (kind, rule, path) => {
    const stack = newStack();
    KINDS[kind].make(stack).addPropertyDeletionOverride(path);
    expect(findings(stack)).toEqual({ [`SageMakerChecks-${rule}`]: 'error' });
  });
});
