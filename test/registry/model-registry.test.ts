import { Template, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Algorithm } from '../../lib/core/algorithm';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SageMakerNetwork } from '../../lib/core/network';
import { SecureBucket } from '../../lib/core/storage';
import { InferencePipeline, PipelineStage } from '../../lib/inference/inference-pipeline';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ServableModel } from '../../lib/models/servable-model';
import { ModelApprovalStatus } from '../../lib/registry/model-approval-status';
import { ModelRegistry, ModelRegistryProps } from '../../lib/registry/model-registry';
import { TrainingInput } from '../../lib/training/inputs';
import { HyperparameterRange } from '../../lib/tuning/ranges';
import { TuningObjective } from '../../lib/tuning/strategy';
import { TunedModel } from '../../lib/tuning/tuned-model';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function registryWithTunedModel(props: ModelRegistryProps = {}) {
  const stack = newStack();
  const network = new SageMakerNetwork(stack, 'Network');
  const data = new SecureBucket(stack, 'Data', { encryptionKey: network.encryptionKey });
  const tuned = new TunedModel(stack, 'Churn', {
    network, algorithm: Algorithm.linearLearner(),
    inputs: [TrainingInput.s3('train', data.bucket, 'churn/train/'), TrainingInput.s3('validation', data.bucket, 'churn/validation/')],
    staticHyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
    objective: TuningObjective.minimize('validation:objective_loss'),
    ranges: [HyperparameterRange.continuous('learning_rate', 1e-4, 1e-1)],
  });
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn', ...props });
  return { stack, network, data, tuned, registry };
}

const statementsOf = (template: Template, stack: any, role: iam.IRole) => Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
  .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(role.roleName)]))
  .flatMap((p: any) => p.Properties.PolicyDocument.Statement);

describe('ModelRegistry defaults', () => {
  test('a group with no resource policy, and a version pending approval with its inference specification, artifact, metrics, lineage and key', () => {
    // GIVEN
    const { stack, tuned, registry } = registryWithTunedModel();
    // WHEN
    const version = registry.register('V1', { model: tuned });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: 'churn', ModelPackageGroupPolicy: Match.absent() });
    template.hasResourceProperties('AWS::SageMaker::ModelPackage', {
      ModelPackageGroupName: 'churn',
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: {
        Containers: [{ Image: Match.anyValue(), ModelDataUrl: stack.resolve(tuned.modelData) }],
        SupportedContentTypes: Match.arrayWith(['text/csv', 'application/x-recordio-protobuf']),
        SupportedResponseMIMETypes: Match.arrayWith(['application/json']),
        SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large', 'ml.m5.xlarge', 'ml.c5.xlarge', 'ml.c5.2xlarge'],
      },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: stack.resolve(version.modelQualityStatisticsUri) } } },
      MetadataProperties: { GeneratedBy: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
      SecurityConfig: { KmsKeyId: stack.resolve(tuned.encryptionKey.keyArn) },
    });
    // The metrics are written once the tuning job has ended, from its best job, next to its artifacts.
    template.hasResourceProperties('Custom::SageMakerModelMetrics', {
      TrainingJobName: stack.resolve(tuned.bestTrainingJobName),
      Bucket: stack.resolve(tuned.outputBucket.bucketName),
      Key: Match.stringLikeRegexp(`^${tuned.outputPrefix}model-metrics/.+\\.json$`),
      KmsKeyId: stack.resolve(tuned.encryptionKey.keyArn),
      // The Linear Learner image writes this file beside its model: it is preferred to the final metrics.
      StatisticsFile: 'model_quality_statistics.json',
    });
    // and the handler may read the artifacts under the tuning job's prefix, for that file
    const reads = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => st.Action === 's3:GetObject' || (Array.isArray(st.Action) && st.Action.includes('s3:GetObject')));
    expect(JSON.stringify(reads)).toContain(`/${tuned.outputPrefix}*`);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('an algorithm that writes no statistics file (K-Means) gets its metrics from the final metrics only', () => {
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    const data = new SecureBucket(stack, 'Data', { encryptionKey: network.encryptionKey });
    const tuned = new TunedModel(stack, 'Segments', {
      network, algorithm: Algorithm.kmeans(),
      inputs: [TrainingInput.s3('train', data.bucket, 'segments/train/'), TrainingInput.s3('test', data.bucket, 'segments/test/')],
      staticHyperparameters: { k: '4', feature_dim: '8' },
      objective: TuningObjective.minimize('test:msd'),
      ranges: [HyperparameterRange.integer('mini_batch_size', 100, 1000)],
    });
    new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'segments' }).register('V1', { model: tuned });
    const [metrics] = Object.values(Template.fromStack(stack).findResources('Custom::SageMakerModelMetrics')) as any[];
    expect(metrics.Properties.StatisticsFile).toBeUndefined();
  });

  test('the version depends on the artifact and on its metrics; its ARN and group are attributes', () => {
    const { stack, tuned, registry } = registryWithTunedModel();
    const version = registry.register('V1', { model: tuned, approval: ModelApprovalStatus.APPROVED, description: 'first' });
    const template = Template.fromStack(stack);
    const [pkg] = Object.values(template.findResources('AWS::SageMaker::ModelPackage')) as any[];
    expect(pkg.Properties).toMatchObject({ ModelApprovalStatus: 'Approved', ModelPackageDescription: 'first' });
    expect(pkg.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ChurnJobWait/)]));
    // The metrics are referenced (GetAtt), so the version is created after they are written.
    expect(JSON.stringify(pkg.Properties.ModelMetrics)).toMatch(/RegistryV1ModelMetrics[0-9A-F]{8}","S3Uri/);
    expect(stack.resolve(version.modelPackageArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RegistryV1/), 'ModelPackageArn'] });
    expect(version.modelPackageGroupName).toBe('churn');
    expect(version.algorithm).toBe(tuned.algorithm);
  });
});

describe('ModelRegistry access and events', () => {
  test('crossAccountReaders: a resource policy that lets the accounts describe the group and its versions, nothing more', () => {
    const { stack } = registryWithTunedModel({ crossAccountReaders: ['222222222222'] });
    const [group] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::ModelPackageGroup')) as any[];
    const statements = group.Properties.ModelPackageGroupPolicy.Statement;
    expect(statements.map((s: any) => s.Action)).toEqual(['sagemaker:DescribeModelPackageGroup', ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages']]);
    expect(JSON.stringify(statements)).toContain('arn:');
    expect(JSON.stringify(statements.map((s: any) => s.Principal))).toContain(':iam::222222222222:root');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('grantRegister / grantApprove / grantRead scope the grantee to this group and its versions', () => {
    const { stack, registry } = registryWithTunedModel();
    const ci = new ManagedPolicyRole(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    const reviewer = new ManagedPolicyRole(stack, 'Reviewer', { assumedBy: new iam.AccountRootPrincipal() });
    expect(registry.grantRegister(ci)).toBeInstanceOf(iam.Grant);
    registry.grantApprove(reviewer);
    const template = Template.fromStack(stack);
    const versions = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':model-package/churn/*']] };
    expect(statementsOf(template, stack, ci)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sagemaker:AddTags', 'sagemaker:CreateModelPackage'], Resource: versions }),
    ]));
    expect(JSON.stringify(statementsOf(template, stack, ci))).not.toContain('UpdateModelPackage');
    // One statement on the versions (cdk.json's @aws-cdk/aws-iam:minimizePolicies merges those of one resource).
    expect(statementsOf(template, stack, reviewer)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:UpdateModelPackage'], Resource: versions }),
    ]));
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('onVersionApproved / onVersionRegistered: rules on this group\'s state changes', () => {
    const { stack, registry } = registryWithTunedModel();
    registry.onVersionApproved('Approved', { target: new targets.SnsTopic(new sns.Topic(stack, 'Topic')) });
    registry.onVersionRegistered('Registered');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Model Package State Change'], 'detail': { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] } },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { ModelPackageGroupName: ['churn'], ModelPackageStatus: ['Completed'] } },
    });
  });

  test('fromModelPackageGroupName: another app\'s registry can be read and watched', () => {
    const stack = newStack();
    const imported = ModelRegistry.fromModelPackageGroupName(stack, 'Shared', 'Fraud-Models');
    const reader = new ManagedPolicyRole(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    imported.grantRead(reader);
    imported.onVersionApproved('Approved');
    const template = Template.fromStack(stack);
    expect(JSON.stringify(statementsOf(template, stack, reader))).toContain(':model-package/fraud-models/*');
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ detail: { ModelPackageGroupName: ['Fraud-Models'], ModelApprovalStatus: ['Approved'] } }) });
  });
});

describe('ModelRegistry rejects bad input at synth', () => {
  test('group name, accounts', () => {
    expect(() => registryWithTunedModel({ modelPackageGroupName: 'churn_models!', crossAccountReaders: ['12345', '222222222222'] }))
      .toThrow(/modelPackageGroupName: got "churn_models!"; allowed: 1 to 63 letters[\s\S]*crossAccountReaders: got "12345"; allowed: a 12-digit AWS account id/);
    expect(() => registryWithTunedModel({ modelPackageGroupName: 'a'.repeat(64) })).toThrow(/modelPackageGroupName/);
  });

  test('the same source twice, an approval status that is not one of the three, an algorithm that cannot serve', () => {
    const { stack, tuned, registry, data } = registryWithTunedModel();
    registry.register('V1', { model: tuned });
    expect(() => registry.register('V2', { model: tuned })).toThrow(/model: got "linear-learner"; allowed: a model source not yet registered in this group \(it is registered as V1\)/);
    expect(() => registry.register('V3', { model: { ...tuned, algorithm: tuned.algorithm } as any, approval: 'Yes' as ModelApprovalStatus }))
      .toThrow(/approval: got "Yes"; allowed: PendingManualApproval, Approved, Rejected/);
    const trainOnly = Algorithm.fromAsset(__dirname, { name: 'train-only', canServe: false });
    expect(() => registry.register('V4', { model: { ...tuned, algorithm: trainOnly, artifactBucket: data.bucket } as any }))
      .toThrow(/model: got "train-only"; allowed: a model whose algorithm can serve inference/);
    expect(stack).toBeDefined();
  });
});

describe('Serving from the registry', () => {
  test('ServableModel.fromModelPackage: a pinned version, whose role describes the package and reads only the artifact', () => {
    const { stack, tuned, registry, network } = registryWithTunedModel();
    const version = registry.register('V1', { model: tuned, approval: ModelApprovalStatus.APPROVED });
    new MonitoredEndpoint(stack, 'Endpoint', { model: ServableModel.fromModelPackage(version), network });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { ModelPackageName: stack.resolve(version.modelPackageArn) },
      EnableNetworkIsolation: true,
      VpcConfig: { SecurityGroupIds: [stack.resolve(network.securityGroup.securityGroupId)], Subnets: Match.anyValue() },
    });
    const statements = JSON.stringify(statementsOf(template, stack, version.servingRole.role));
    expect(statements).toContain('sagemaker:DescribeModelPackage');
    expect(statements).toContain(`/${tuned.outputPrefix}*`);
    expect(statements).not.toContain('s3:PutObject"');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('ServableModel.fromLatestApproved: the newest approved version, read at deploy, as an endpoint model and a pipeline stage', () => {
    const { stack, tuned, registry, network } = registryWithTunedModel();
    registry.register('V1', { model: tuned, approval: ModelApprovalStatus.APPROVED });
    const latest = ServableModel.fromLatestApproved(registry, {
      algorithm: tuned.algorithm, artifactBucket: tuned.outputBucket, artifactKeyPrefix: tuned.outputPrefix, artifactEncryptionKey: tuned.encryptionKey,
    });
    new MonitoredEndpoint(stack, 'Endpoint', { model: latest, network });
    const template = Template.fromStack(stack);
    const [lookup] = Object.entries(template.findResources('Custom::SageMakerApprovedModelPackage')) as any[];
    expect(lookup[1].Properties).toMatchObject({ ModelPackageGroupName: 'churn', Revision: expect.stringMatching(/^[0-9a-f]{12}$/), ModelConfiguration: expect.stringMatching(/^[0-9a-f]{12}$/) });
    template.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: { 'Fn::GetAtt': [lookup[0], 'ModelPackageArn'] } } });
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('A pipeline stage from the registry', () => {
  function pipelineServing(scalerEnvironment: Record<string, string>) {
    const { stack, tuned, registry, network } = registryWithTunedModel();
    const pipeline = new InferencePipeline(stack, 'Pipeline', {
      network,
      stages: [
        PipelineStage.fromAlgorithm(Algorithm.preprocessing(), { hostname: 'scaler', environment: scalerEnvironment }),
        PipelineStage.fromLatestApproved(registry, { algorithm: tuned.algorithm, artifactBucket: tuned.outputBucket, artifactKeyPrefix: tuned.outputPrefix }, { hostname: 'churn' }),
      ],
    });
    return { stack, pipeline, template: Template.fromStack(stack) };
  }

  test('names the newest approved version\'s package, read at deploy; the pipeline role may describe the versions and read their artifacts', () => {
    const { stack, pipeline, template } = pipelineServing({});
    const [[lookupId]] = Object.entries(template.findResources('Custom::SageMakerApprovedModelPackage'));
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Containers: [Match.objectLike({ ContainerHostname: 'scaler' }), { ContainerHostname: 'churn', ModelPackageName: { 'Fn::GetAtt': [lookupId, 'ModelPackageArn'] } }],
    });
    const statements = JSON.stringify(statementsOf(template, stack, pipeline.role.role));
    expect(statements).toContain('sagemaker:DescribeModelPackage');
    expect(statements).toContain(':model-package/churn/*');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('is read again when another stage changes (the model would be replaced), not otherwise', () => {
    const revision = (env: Record<string, string>) => (Object.values(pipelineServing(env).template.findResources('Custom::SageMakerApprovedModelPackage'))[0] as any).Properties.Revision;
    expect(revision({})).toEqual(revision({}));
    expect(revision({ SCALE: 'robust' })).not.toEqual(revision({}));
  });
});
