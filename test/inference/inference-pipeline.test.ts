import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { BatchTransformOptions } from '../../lib/inference/batch-transform';
import { InferencePipeline, PipelineStage } from '../../lib/inference/inference-pipeline';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { SageMakerNetwork } from '../../lib/core/network';
import { SageMakerExecutionRole } from '../../lib/core/roles';
import { ModelSource } from '../../lib/models/model-source';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

// An image of your own, built from a directory: here the companion images' build context.
const IMAGE_DIR = path.join(__dirname, '..', '..', 'containers');

function pipeline() {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'KMeans', {
    algorithm: Algorithm.kmeans(), inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')], hyperparameters: { k: '10', feature_dim: '784' },
  });
  const pre = Algorithm.fromAsset(IMAGE_DIR, { name: 'scaler', buildArgs: { ALGORITHM: 'preprocessing' } });
  const model = new InferencePipeline(stack, 'Pipeline', {
    stages: [
      PipelineStage.fromAlgorithm(pre, { hostname: 'scaler', environment: { SCALER_MODE: 'standard' } }),
      PipelineStage.fromModel(job, { hostname: 'kmeans' }),
    ],
  });
  return { stack, data, job, model };
}

const TRANSFORM = (data: SecureBucket): BatchTransformOptions => ({ inputBucket: data.bucket, inputPrefix: 'batch/in/', outputBucket: data.bucket, outputPrefix: 'batch/out/' });

describe('InferencePipeline', () => {
  test('one serial model of the stages\' containers, isolated in the VPC, after the training job', () => {
    // GIVEN / WHEN
    const { stack, job, model } = pipeline();
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      InferenceExecutionConfig: { Mode: 'Serial' },
      EnableNetworkIsolation: true,
      ExecutionRoleArn: stack.resolve(model.role.role.roleArn),
      VpcConfig: Match.objectLike({ SecurityGroupIds: [stack.resolve(model.network.securityGroup.securityGroupId)] }),
    });
    const [, resource] = Object.entries(template.findResources('AWS::SageMaker::Model', { Properties: { InferenceExecutionConfig: Match.anyValue() } }))[0] as [string, any];
    expect(resource.Properties.Containers).toEqual([
      { Image: expect.anything(), Environment: { SCALER_MODE: 'standard' }, ContainerHostname: 'scaler' },
      { Image: expect.anything(), ModelDataUrl: stack.resolve(job.modelData), ContainerHostname: 'kmeans' },
    ]);
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^KMeansJobWait/)]));
  });

  test('the role reads exactly its stages\' artifacts and images', () => {
    const { stack, job, model } = pipeline();
    const template = Template.fromStack(stack);
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(model.role.role.roleName)]))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [stack.resolve(job.outputBucket.bucketArn), `/${job.modelDataKey}*`]] } }),
    ]));
    // Both images are assets in the same CDK asset repository: one pull grant covers them.
    expect(statements.filter((s: any) => Array.isArray(s.Action) && s.Action.includes('ecr:BatchGetImage'))).toHaveLength(1);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'ecr:GetAuthorizationToken' }));
  });

  test('a batch transform state machine: KMS on volume and output, logs encrypted, tracing on, on a schedule', () => {
    // GIVEN
    const { stack, data, model } = pipeline();
    // WHEN
    const machine = model.addBatchTransform('Nightly', { ...TRANSFORM(data), schedule: 'rate(1 day)', maxPayloadMb: 10, maxConcurrentTransforms: 4 });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
    });
    const [resource] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const definition = JSON.stringify(resource.Properties.DefinitionString);
    for (const fragment of ['createTransformJob.sync', 'MaxPayloadInMB\\":10', 'MaxConcurrentTransforms\\":4', 'VolumeKmsKeyId', 'KmsKeyId', 'SplitType\\":\\"Line']) {
      expect(definition).toContain(fragment);
    }
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      Target: { Arn: stack.resolve(machine.stateMachineArn), RoleArn: Match.anyValue() },
    });
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('a role of your own is used and granted the stages', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const role = new SageMakerExecutionRole(stack, 'Shared');
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'r');
    const model = new InferencePipeline(stack, 'Pipeline', {
      role,
      stages: [PipelineStage.fromAlgorithm(Algorithm.fromEcrRepository(repo, 'v1')), PipelineStage.fromModelData(Algorithm.fromEcrRepository(repo, 'v2'), data.bucket, 'models/m.tar.gz')],
    });
    expect(model.role).toBe(role);
    const template = Template.fromStack(stack);
    expect(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('inference pipeline') } })).toEqual({});
    template.hasResourceProperties('AWS::SageMaker::Model', { ExecutionRoleArn: stack.resolve(role.role.roleArn) });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [stack.resolve(role.role.roleName)],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [stack.resolve(data.bucket.bucketArn), '/models/m.tar.gz*']] } })]) },
    });
  });

  test('it can be served by a MonitoredEndpoint', () => {
    const { stack, model } = pipeline();
    new MonitoredEndpoint(stack, 'Endpoint', { model });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ ModelName: stack.resolve(model.modelName) })],
    });
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const { stack } = pipeline();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('rejects fewer than 2 or more than 15 stages, a stage that cannot serve, and duplicate hostnames', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'r');
    const trainOnly = Algorithm.fromEcrRepository(repo, 'v1', { canServe: false, name: 'trainer' });
    const ok = Algorithm.fromEcrRepository(repo, 'v1');
    expect(() => new InferencePipeline(stack, 'One', { stages: [PipelineStage.fromAlgorithm(ok)] })).toThrow(/stages: got "1 stages"; allowed: 2 to 15 containers/);
    expect(() => new InferencePipeline(stack, 'Many', { stages: Array.from({ length: 16 }, () => PipelineStage.fromAlgorithm(ok)) })).toThrow(/got "16 stages"/);
    expect(() => new InferencePipeline(stack, 'Bad', {
      stages: [PipelineStage.fromAlgorithm(trainOnly, { hostname: 'a' }), PipelineStage.fromAlgorithm(ok, { hostname: 'a' })],
    })).toThrow(/stages\[\].algorithm: got "trainer"; allowed: an algorithm whose image can serve inference[\s\S]*stages\[\].hostname: got "a"; allowed: each hostname once/);
  });

  test('rejects transforms whose settings do not fit together', () => {
    const { data, model } = pipeline();
    expect(() => model.addBatchTransform('Big', { ...TRANSFORM(data), maxPayloadMb: 50, maxConcurrentTransforms: 4 }))
      .toThrow(/maxPayloadMb × maxConcurrentTransforms: got "50 × 4 = 200 MB"; allowed: at most 100 MB/);
    expect(() => model.addBatchTransform('Unsplit', { ...TRANSFORM(data), splitType: 'None' }))
      .toThrow(/batchStrategy: got "MultiRecord"; allowed: SingleRecord when splitType is None/);
    expect(() => model.addBatchTransform('Proto', { ...TRANSFORM(data), splitType: 'RecordIO' }))
      .toThrow(/contentType: got "text\/csv"; allowed: application\/x-recordio-protobuf with splitType RecordIO/);
    expect(() => model.addBatchTransform('Huge', { ...TRANSFORM(data), maxPayloadMb: 101, maxConcurrentTransforms: 1 }))
      .toThrow(/maxPayloadMb: got 101; allowed: a whole number from 0 to 100/);
  });
});

describe('ModelSource.fromS3: an artifact of another app', () => {
  test('is a pipeline stage whose role reads exactly the artifact and its key', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const artifact = ModelSource.fromS3(Algorithm.kmeans(), data.bucket, 'models/kmeans/model.tar.gz');
    // WHEN
    const served = new InferencePipeline(stack, 'Pipeline', {
      stages: [PipelineStage.fromAlgorithm(Algorithm.preprocessing()), PipelineStage.fromModel(artifact, { hostname: 'kmeans' })],
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Containers: [Match.anyValue(), Match.objectLike({ ContainerHostname: 'kmeans', ModelDataUrl: stack.resolve(artifact.modelData) })],
    });
    const policy = JSON.stringify(Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(served.role.role.roleName)])));
    expect(policy).toContain('/models/kmeans/model.tar.gz*');
    expect(policy).toContain(JSON.stringify(stack.resolve(data.encryptionKey.keyArn)));
  });

  test('is an endpoint model: an isolated model of the artifact in the given network, secure by default', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const network = new SageMakerNetwork(stack, 'Network');
    // WHEN
    const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
      model: ModelSource.fromS3(Algorithm.kmeans(), data.bucket, 'models/kmeans/model.tar.gz', { network }),
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      VpcConfig: { SecurityGroupIds: [stack.resolve(network.securityGroup.securityGroupId)], Subnets: Match.anyValue() },
      PrimaryContainer: Match.objectLike({ ModelDataUrl: Match.anyValue() }),
    });
    expect(endpoint.encryptionKey).toBe(data.encryptionKey);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});
