import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { SAGEMAKER_RULES } from '../../lib/nag/rules';
import { SageMakerChecks } from '../../lib/nag/sagemaker-checks';
import { newStack } from '../helpers/nag';

/** The SageMakerChecks findings (rule id -> severity) for everything in the stack. */
function findings(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const violation of new SageMakerChecks().validateScope(stack).violations) {
    out[violation.ruleName] = violation.severity ?? 'error';
  }
  return out;
}

const ROLE = 'arn:aws:iam::111122223333:role/sagemaker';
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const VPC = { SecurityGroupIds: ['sg-0123'], Subnets: ['subnet-a', 'subnet-b'] };
/** A notebook instance every notebook rule accepts; tests take one setting away. */
const SECURE_NOTEBOOK: sagemaker.CfnNotebookInstanceProps = {
  instanceType: 'ml.t3.medium', roleArn: ROLE, rootAccess: 'Disabled', directInternetAccess: 'Disabled',
  subnetId: 'subnet-a', securityGroupIds: ['sg-0123'], kmsKeyId: KEY, platformIdentifier: 'notebook-al2023-v1',
};

describe('SageMakerChecks: models', () => {
  function model(stack: Stack, props: Partial<sagemaker.CfnModelProps> = {}): sagemaker.CfnModel {
    return new sagemaker.CfnModel(stack, 'Model', {
      executionRoleArn: ROLE,
      primaryContainer: { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/img:1', modelDataUrl: 's3://b/model.tar.gz' },
      vpcConfig: { securityGroupIds: ['sg-0123'], subnets: ['subnet-a'] },
      enableNetworkIsolation: true,
      ...props,
    });
  }

  test('a model in a VPC with network isolation is compliant', () => {
    const stack = newStack();
    model(stack);
    expect(findings(stack)).toEqual({});
  });

  test('ModelInVpc: a model without VpcConfig', () => {
    const stack = newStack();
    model(stack, { vpcConfig: undefined });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-ModelInVpc': 'error' });
  });

  test('ModelNetworkIsolation: a pipeline model whose isolation is turned off by an override', () => {
    const stack = newStack();
    const pipeline = model(stack, { primaryContainer: undefined, containers: [{ image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/pre:1' }, { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/predict:1' }], inferenceExecutionConfig: { mode: 'Serial' } });
    pipeline.addPropertyOverride('EnableNetworkIsolation', false);
    expect(findings(stack)).toEqual({ 'SageMakerChecks-ModelNetworkIsolation': 'error' });
  });

  test('the model an AutoML job\'s best candidate becomes is judged as a model: in the VPC, isolated', () => {
    const autoModel = (stack: Stack, properties: Record<string, unknown>) => new CfnResource(stack, 'Best', {
      type: 'Custom::SageMakerAutoMLModel',
      properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:jobs', AutoMLJobName: 'a', ModelName: 'm', ...properties },
    });
    const secure = newStack();
    autoModel(secure, { VpcConfig: VPC, EnableNetworkIsolation: 'true' });
    expect(findings(secure)).toEqual({});
    const open = newStack();
    autoModel(open, { EnableNetworkIsolation: 'false' });
    expect(findings(open)).toEqual({ 'SageMakerChecks-ModelInVpc': 'error', 'SageMakerChecks-ModelNetworkIsolation': 'error' });
  });
});

describe('SageMakerChecks: endpoint configurations and endpoints', () => {
  const variant = { variantName: 'AllTraffic', modelName: 'm', initialInstanceCount: 2, instanceType: 'ml.m5.large', initialVariantWeight: 1 };
  function endpointConfig(stack: Stack, props: Partial<sagemaker.CfnEndpointConfigProps> = {}): sagemaker.CfnEndpointConfig {
    return new sagemaker.CfnEndpointConfig(stack, 'Config', {
      productionVariants: [variant],
      kmsKeyId: KEY,
      dataCaptureConfig: { enableCapture: true, initialSamplingPercentage: 20, destinationS3Uri: 's3://b/capture', kmsKeyId: KEY, captureOptions: [{ captureMode: 'Input' }] },
      ...props,
    });
  }

  test('two instances, a KMS key and encrypted capture are compliant', () => {
    const stack = newStack();
    endpointConfig(stack);
    expect(findings(stack)).toEqual({});
  });

  test('EndpointConfigKms: no KMS key', () => {
    const stack = newStack();
    endpointConfig(stack, { kmsKeyId: undefined });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-EndpointConfigKms': 'error' });
  });

  test('EndpointConfigDataCaptureKms: capture without a KMS key; capture off is not judged', () => {
    const stack = newStack();
    const config = endpointConfig(stack);
    config.addPropertyDeletionOverride('DataCaptureConfig.KmsKeyId');
    expect(findings(stack)).toEqual({ 'SageMakerChecks-EndpointConfigDataCaptureKms': 'error' });

    const off = newStack();
    endpointConfig(off, { dataCaptureConfig: { enableCapture: false, initialSamplingPercentage: 0, destinationS3Uri: 's3://b/c', captureOptions: [{ captureMode: 'Input' }] } });
    expect(findings(off)).toEqual({});
  });

  test('EndpointConfigMultiInstance: one instance; serverless variants are exempt', () => {
    const stack = newStack();
    endpointConfig(stack, { productionVariants: [{ ...variant, initialInstanceCount: 1 }] });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-EndpointConfigMultiInstance': 'error' });

    const serverless = newStack();
    endpointConfig(serverless, {
      kmsKeyId: undefined,
      productionVariants: [{ variantName: 'S', modelName: 'm', serverlessConfig: { maxConcurrency: 5, memorySizeInMb: 2048 } }],
    });
    expect(findings(serverless)).toEqual({});
  });

  test('EndpointAutoRollback: an endpoint without rollback alarms is a warning', () => {
    const stack = newStack();
    new sagemaker.CfnEndpoint(stack, 'Bare', { endpointConfigName: 'c' });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-EndpointAutoRollback': 'warning' });

    const guarded = newStack();
    new sagemaker.CfnEndpoint(guarded, 'Guarded', {
      endpointConfigName: 'c',
      deploymentConfig: {
        autoRollbackConfiguration: { alarms: [{ alarmName: 'errors' }] },
        blueGreenUpdatePolicy: { trafficRoutingConfiguration: { type: 'ALL_AT_ONCE' } },
      },
    });
    expect(findings(guarded)).toEqual({});
  });
});

/** A compliant job of each kind, as L1 resources. */
const JOB_KINDS: Record<string, (stack: Stack) => CfnResource> = {
  'processing job': (stack) => new sagemaker.CfnProcessingJob(stack, 'Job', {
    appSpecification: { imageUri: 'img' },
    roleArn: ROLE,
    processingResources: { clusterConfig: { instanceCount: 1, instanceType: 'ml.m5.large', volumeSizeInGb: 30, volumeKmsKeyId: KEY } },
    processingOutputConfig: { kmsKeyId: KEY, outputs: [] },
    networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true, vpcConfig: { securityGroupIds: ['sg-0123'], subnets: ['subnet-a'] } },
    stoppingCondition: { maxRuntimeInSeconds: 3600 },
  }),
  'data-quality job definition': (stack) => new CfnResource(stack, 'Job', {
    type: 'AWS::SageMaker::DataQualityJobDefinition',
    properties: {
      NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: VPC },
      JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20, VolumeKmsKeyId: KEY } },
      DataQualityJobOutputConfig: { KmsKeyId: KEY, MonitoringOutputs: [] },
    },
  }),
  'monitoring schedule with an inline job': (stack) => new CfnResource(stack, 'Job', {
    type: 'AWS::SageMaker::MonitoringSchedule',
    properties: {
      MonitoringScheduleConfig: {
        MonitoringJobDefinition: {
          NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: VPC },
          MonitoringResources: { ClusterConfig: { VolumeKmsKeyId: KEY } },
          MonitoringOutputConfig: { KmsKeyId: KEY },
        },
      },
    },
  }),
  'deploy-time training job': (stack) => new CfnResource(stack, 'Job', {
    type: 'Custom::SageMakerTrainingJob',
    properties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:start',
      TrainingJob: {
        EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: VPC,
        ResourceConfig: { VolumeKmsKeyId: KEY }, OutputDataConfig: { KmsKeyId: KEY }, StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      },
    },
  }),
  'deploy-time tuning job': (stack) => new CfnResource(stack, 'Job', {
    type: 'Custom::SageMakerTuningJob',
    properties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:start',
      TuningJob: {
        TrainingJobDefinition: {
          EnableNetworkIsolation: 'true', EnableInterContainerTrafficEncryption: 'true', VpcConfig: VPC,
          ResourceConfig: { VolumeKmsKeyId: KEY }, OutputDataConfig: { KmsKeyId: KEY }, StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        },
      },
    },
  }),
  'deploy-time compilation job': (stack) => new CfnResource(stack, 'Job', {
    type: 'Custom::SageMakerCompilationJob',
    properties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:start',
      CompilationJob: { VpcConfig: VPC, OutputConfig: { TargetDevice: 'ml_c5', KmsKeyId: KEY }, StoppingCondition: { MaxRuntimeInSeconds: 3600 } },
    },
  }),
  'deploy-time AutoML job': (stack) => new CfnResource(stack, 'Job', {
    type: 'Custom::SageMakerAutoMLJob',
    properties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:start',
      AutoMLJob: {
        SecurityConfig: { VpcConfig: VPC, VolumeKmsKeyId: KEY, EnableInterContainerTrafficEncryption: 'true' },
        OutputDataConfig: { KmsKeyId: KEY },
        AutoMLProblemTypeConfig: { TabularJobConfig: { CompletionCriteria: { MaxAutoMLJobRuntimeInSeconds: '14400' } } },
      },
    },
  }),
  'Step Functions training task': (stack) => new sfn.CfnStateMachine(stack, 'Job', {
    roleArn: ROLE,
    definitionString: JSON.stringify({
      StartAt: 'Train',
      States: {
        Train: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
          Parameters: {
            'TrainingJobName.$': '$.name', 'EnableNetworkIsolation': true, 'EnableInterContainerTrafficEncryption': true, 'VpcConfig': VPC,
            'ResourceConfig': { 'VolumeKmsKeyId.$': '$.key' }, 'OutputDataConfig': { KmsKeyId: KEY }, 'StoppingCondition': { MaxRuntimeInSeconds: 3600 },
          },
          End: true,
        },
      },
    }),
  }),
};

/** Which CloudFormation path each job rule reads, per kind (undefined: the kind has no such setting). */
const JOB_RULE_PATHS: Record<string, Record<string, string | undefined>> = {
  'JobNetworkIsolation': {
    'processing job': 'NetworkConfig.EnableNetworkIsolation', 'data-quality job definition': 'NetworkConfig.EnableNetworkIsolation',
    'monitoring schedule with an inline job': 'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation',
    'deploy-time training job': 'TrainingJob.EnableNetworkIsolation', 'deploy-time tuning job': 'TuningJob.TrainingJobDefinition.EnableNetworkIsolation',
  },
  'JobInterContainerEncryption': {
    'processing job': 'NetworkConfig.EnableInterContainerTrafficEncryption', 'data-quality job definition': 'NetworkConfig.EnableInterContainerTrafficEncryption',
    'monitoring schedule with an inline job': 'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption',
    'deploy-time training job': 'TrainingJob.EnableInterContainerTrafficEncryption', 'deploy-time tuning job': 'TuningJob.TrainingJobDefinition.EnableInterContainerTrafficEncryption',
    'deploy-time AutoML job': 'AutoMLJob.SecurityConfig.EnableInterContainerTrafficEncryption',
  },
  'JobInVpc': {
    'processing job': 'NetworkConfig.VpcConfig', 'data-quality job definition': 'NetworkConfig.VpcConfig',
    'monitoring schedule with an inline job': 'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.VpcConfig',
    'deploy-time training job': 'TrainingJob.VpcConfig', 'deploy-time tuning job': 'TuningJob.TrainingJobDefinition.VpcConfig',
    'deploy-time compilation job': 'CompilationJob.VpcConfig', 'deploy-time AutoML job': 'AutoMLJob.SecurityConfig.VpcConfig',
  },
  'JobVolumeKms': {
    'processing job': 'ProcessingResources.ClusterConfig.VolumeKmsKeyId', 'data-quality job definition': 'JobResources.ClusterConfig.VolumeKmsKeyId',
    'monitoring schedule with an inline job': 'MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringResources.ClusterConfig.VolumeKmsKeyId',
    'deploy-time training job': 'TrainingJob.ResourceConfig.VolumeKmsKeyId', 'deploy-time tuning job': 'TuningJob.TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId',
    'deploy-time AutoML job': 'AutoMLJob.SecurityConfig.VolumeKmsKeyId',
  },
  'JobOutputKms': {
    'processing job': 'ProcessingOutputConfig.KmsKeyId', 'data-quality job definition': 'DataQualityJobOutputConfig.KmsKeyId',
    'monitoring schedule with an inline job': 'MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringOutputConfig.KmsKeyId',
    'deploy-time training job': 'TrainingJob.OutputDataConfig.KmsKeyId', 'deploy-time tuning job': 'TuningJob.TrainingJobDefinition.OutputDataConfig.KmsKeyId',
    'deploy-time compilation job': 'CompilationJob.OutputConfig.KmsKeyId', 'deploy-time AutoML job': 'AutoMLJob.OutputDataConfig.KmsKeyId',
  },
  'JobMaxRuntime': {
    'processing job': 'StoppingCondition.MaxRuntimeInSeconds', 'deploy-time training job': 'TrainingJob.StoppingCondition.MaxRuntimeInSeconds',
    'deploy-time tuning job': 'TuningJob.TrainingJobDefinition.StoppingCondition.MaxRuntimeInSeconds',
    'deploy-time compilation job': 'CompilationJob.StoppingCondition.MaxRuntimeInSeconds',
    'deploy-time AutoML job': 'AutoMLJob.AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds',
  },
};

describe('SageMakerChecks: jobs', () => {
  test.each(Object.keys(JOB_KINDS))('a secure %s is compliant', (kind) => {
    const stack = newStack();
    JOB_KINDS[kind](stack);
    expect(findings(stack)).toEqual({});
  });

  const cases = Object.entries(JOB_RULE_PATHS).flatMap(([rule, paths]) => Object.entries(paths).map(([kind, path]) => [rule, kind, path!]));
  test.each(cases)('%s: a %s without %s', (rule, kind, path) => {
    const stack = newStack();
    const job = JOB_KINDS[kind](stack);
    job.addPropertyDeletionOverride(path);
    expect(findings(stack)).toEqual({ [`SageMakerChecks-${rule}`]: 'error' });
  });

  test('a network setting turned off (not just left out) is caught', () => {
    const stack = newStack();
    JOB_KINDS['processing job'](stack).addPropertyOverride('NetworkConfig.EnableInterContainerTrafficEncryption', false);
    expect(findings(stack)).toEqual({ 'SageMakerChecks-JobInterContainerEncryption': 'error' });
  });

  test('a Step Functions transform task needs KMS on its volume and output, inside nested states too', () => {
    const stack = newStack();
    new sfn.CfnStateMachine(stack, 'Batch', {
      roleArn: ROLE,
      definitionString: JSON.stringify({
        StartAt: 'Fan',
        States: {
          Fan: {
            Type: 'Parallel', End: true,
            Branches: [{ StartAt: 'Transform', States: { Transform: {
              Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTransformJob.sync', End: true,
              Parameters: { TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 }, TransformOutput: { S3OutputPath: 's3://b/out' } },
            } } }],
          },
        },
      }),
    });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-JobVolumeKms': 'error', 'SageMakerChecks-JobOutputKms': 'error' });
  });

  test('a Step Functions training task with network isolation off is caught', () => {
    const stack = newStack();
    const machine = JOB_KINDS['Step Functions training task'](stack) as sfn.CfnStateMachine;
    machine.definitionString = (machine.definitionString as string).replace('"EnableNetworkIsolation":true', '"EnableNetworkIsolation":false');
    expect(findings(stack)).toEqual({ 'SageMakerChecks-JobNetworkIsolation': 'error' });
  });

  test('a monitoring schedule that names a job definition is judged through the definition', () => {
    const stack = newStack();
    new CfnResource(stack, 'Schedule', {
      type: 'AWS::SageMaker::MonitoringSchedule',
      properties: { MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' } },
    });
    expect(findings(stack)).toEqual({});
  });
});

describe('SageMakerChecks: feature groups and notebooks', () => {
  function featureGroup(stack: Stack): sagemaker.CfnFeatureGroup {
    return new sagemaker.CfnFeatureGroup(stack, 'Group', {
      featureGroupName: 'customers',
      recordIdentifierFeatureName: 'id',
      eventTimeFeatureName: 'ts',
      featureDefinitions: [{ featureName: 'id', featureType: 'String' }, { featureName: 'ts', featureType: 'Fractional' }],
      // These two L1 props are untyped JSON, so CloudFormation's own casing.
      onlineStoreConfig: { EnableOnlineStore: true, SecurityConfig: { KmsKeyId: KEY } },
      offlineStoreConfig: { S3StorageConfig: { S3Uri: 's3://b/offline', KmsKeyId: KEY } },
    });
  }

  test('both stores with KMS keys are compliant', () => {
    const stack = newStack();
    featureGroup(stack);
    expect(findings(stack)).toEqual({});
  });

  test('FeatureGroupOnlineStoreKms: an online store without a key', () => {
    const stack = newStack();
    featureGroup(stack).addPropertyDeletionOverride('OnlineStoreConfig.SecurityConfig');
    expect(findings(stack)).toEqual({ 'SageMakerChecks-FeatureGroupOnlineStoreKms': 'error' });
  });

  test('FeatureGroupOfflineStoreKms: an offline store without a key', () => {
    const stack = newStack();
    featureGroup(stack).addPropertyDeletionOverride('OfflineStoreConfig.S3StorageConfig.KmsKeyId');
    expect(findings(stack)).toEqual({ 'SageMakerChecks-FeatureGroupOfflineStoreKms': 'error' });
  });

  test('NotebookRootAccessDisabled: root access left at its default (Enabled)', () => {
    const stack = newStack();
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', { ...SECURE_NOTEBOOK, rootAccess: undefined });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-NotebookRootAccessDisabled': 'error' });

    const locked = newStack();
    new sagemaker.CfnNotebookInstance(locked, 'Notebook', SECURE_NOTEBOOK);
    expect(findings(locked)).toEqual({});
  });
});

describe('SageMakerChecks: the pack', () => {
  test('acknowledged findings are not reported', () => {
    const stack = newStack();
    const notebook = new sagemaker.CfnNotebookInstance(stack, 'Notebook', { ...SECURE_NOTEBOOK, rootAccess: undefined });
    Validations.of(notebook).acknowledge({ id: 'SageMakerChecks-NotebookRootAccessDisabled', reason: 'lab account' });
    expect(findings(stack)).toEqual({});
  });

  test('works as a CDK validation plugin on any app', () => {
    const stack = newStack();
    Validations.of(stack.node.root).addPlugins(new SageMakerChecks());
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', { instanceType: 'ml.t3.medium', roleArn: ROLE });
    expect(() => (stack.node.root as any).synth()).toThrow(/SageMakerChecks-NotebookRootAccessDisabled/);
  });
});

describe('SageMakerChecks: documentation', () => {
  test('the README lists every rule with the controls it maps to', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const rule of SAGEMAKER_RULES) {
      expect(readme).toContain(`SageMakerChecks-${rule.check.name}`);
    }
  });
});

describe('SageMakerChecks: model registry', () => {
  function modelPackage(stack: Stack, props: Partial<sagemaker.CfnModelPackageProps> = {}): sagemaker.CfnModelPackage {
    return new sagemaker.CfnModelPackage(stack, 'Version', {
      modelPackageGroupName: 'churn',
      inferenceSpecification: { containers: [{ image: 'image', modelDataUrl: 's3://b/model.tar.gz' }], supportedContentTypes: ['text/csv'], supportedResponseMimeTypes: ['application/json'] },
      securityConfig: { kmsKeyId: KEY },
      ...props,
    });
  }
  const group = (stack: Stack, principal: unknown) => new sagemaker.CfnModelPackageGroup(stack, 'Group', {
    modelPackageGroupName: 'churn',
    modelPackageGroupPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sagemaker:DescribeModelPackage', Resource: '*' }] },
  });

  test('a package with a key and a group readable by a named account are compliant', () => {
    const stack = newStack();
    modelPackage(stack);
    group(stack, { AWS: 'arn:aws:iam::222222222222:root' });
    expect(findings(stack)).toEqual({});
  });

  test('ModelPackageKms: a package without SecurityConfig', () => {
    const stack = newStack();
    modelPackage(stack, { securityConfig: undefined });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-ModelPackageKms': 'error' });
  });

  test('ModelPackageGroupNotPublic: a policy that allows everyone, as "*" or in a list', () => {
    const stack = newStack();
    group(stack, '*');
    expect(findings(stack)).toEqual({ 'SageMakerChecks-ModelPackageGroupNotPublic': 'error' });
    const listed = newStack();
    group(listed, { AWS: ['arn:aws:iam::222222222222:root', '*'] });
    expect(findings(listed)).toEqual({ 'SageMakerChecks-ModelPackageGroupNotPublic': 'error' });
  });
});

describe('SageMakerChecks: notebook instances and Studio domains (#22)', () => {
  const domain = (stack: Stack, props: Partial<sagemaker.CfnDomainProps> = {}) => new sagemaker.CfnDomain(stack, 'Domain', {
    domainName: 'studio', authMode: 'IAM', vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'],
    defaultUserSettings: { executionRole: ROLE }, appNetworkAccessType: 'VpcOnly', kmsKeyId: KEY, ...props,
  });

  test('a notebook in a VPC, without internet or root, with a key on the current platform is compliant', () => {
    const stack = newStack();
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', SECURE_NOTEBOOK);
    expect(findings(stack)).toEqual({});
  });

  test.each([
    ['NotebookNoDirectInternetAccess', { directInternetAccess: 'Enabled' }],
    ['NotebookNoDirectInternetAccess', { directInternetAccess: undefined }],
    ['NotebookInVpc', { subnetId: undefined, securityGroupIds: undefined }],
    ['NotebookSupportedPlatform', { platformIdentifier: 'notebook-al2-v3' }],
    ['NotebookSupportedPlatform', { platformIdentifier: undefined }],
    ['NotebookKms', { kmsKeyId: undefined }],
  ])('%s: a notebook with %j', (rule, change) => {
    const stack = newStack();
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', { ...SECURE_NOTEBOOK, ...change });
    expect(findings(stack)).toEqual({ [`SageMakerChecks-${rule}`]: 'error' });
  });

  test('NotebookNoDirectInternetAccess judges the rendered template (an override turning it on)', () => {
    const stack = newStack();
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', SECURE_NOTEBOOK).addPropertyOverride('DirectInternetAccess', 'Enabled');
    expect(findings(stack)).toEqual({ 'SageMakerChecks-NotebookNoDirectInternetAccess': 'error' });
  });

  test('a VpcOnly domain with a key is compliant', () => {
    const stack = newStack();
    domain(stack);
    expect(findings(stack)).toEqual({});
  });

  test('DomainInVpc: PublicInternetOnly, or the access type left at its default', () => {
    const stack = newStack();
    domain(stack, { appNetworkAccessType: 'PublicInternetOnly' });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-DomainInVpc': 'error' });
    const unset = newStack();
    domain(unset, { appNetworkAccessType: undefined });
    expect(findings(unset)).toEqual({ 'SageMakerChecks-DomainInVpc': 'error' });
  });

  test('DomainKms: a domain without a key', () => {
    const stack = newStack();
    domain(stack, { kmsKeyId: undefined });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-DomainKms': 'error' });
  });
});

describe('SageMakerChecks: images from a private registry (warnings)', () => {
  const model = (stack: Stack, props: Partial<sagemaker.CfnModelProps>) => new sagemaker.CfnModel(stack, 'Model', {
    executionRoleArn: ROLE, vpcConfig: { securityGroupIds: ['sg-0123'], subnets: ['subnet-a'] }, enableNetworkIsolation: true, ...props,
  });

  test('ECR images (literal or built by intrinsics) and images pulled through the VPC are compliant', () => {
    const stack = newStack();
    model(stack, { primaryContainer: { image: { 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/cdk-assets:abc' } as any } });
    expect(findings(stack)).toEqual({});
    const pipeline = newStack();
    model(pipeline, { containers: [
      { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/pre:1' },
      { image: 'registry.internal.example.com/predict:1', imageConfig: { repositoryAccessMode: 'Vpc' } },
    ] });
    expect(findings(pipeline)).toEqual({});
  });

  test('ModelPrimaryContainerPrivateRegistry: a primary container from a public registry', () => {
    const stack = newStack();
    model(stack, { primaryContainer: { image: 'docker.io/library/python:3.12' } });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-ModelPrimaryContainerPrivateRegistry': 'warning' });
  });

  test('ModelContainersPrivateRegistry: one container of a pipeline from a public registry', () => {
    const stack = newStack();
    model(stack, { containers: [
      { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/pre:1' },
      { image: 'public.ecr.aws/acme/predict:1', imageConfig: { repositoryAccessMode: 'Platform' } },
    ] });
    expect(findings(stack)).toEqual({ 'SageMakerChecks-ModelContainersPrivateRegistry': 'warning' });
  });
});

describe('SageMakerChecks: state machines that register versions', () => {
  const machine = (stack: Stack, security: Record<string, unknown>) => new sfn.CfnStateMachine(stack, 'Retrain', {
    roleArn: 'arn:aws:iam::111122223333:role/sm',
    definitionString: JSON.stringify({
      StartAt: 'Register',
      States: { Register: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:sagemaker:createModelPackage', Parameters: { ModelPackageGroupName: 'churn', ...security }, End: true } },
    }),
  });

  test('ModelPackageKms: a createModelPackage task without SecurityConfig fails; with a key it passes', () => {
    const without = newStack();
    machine(without, {});
    expect(findings(without)).toEqual({ 'SageMakerChecks-ModelPackageKms': 'error' });
    const withKey = newStack();
    machine(withKey, { SecurityConfig: { KmsKeyId: KEY } });
    expect(findings(withKey)).toEqual({});
  });
});
