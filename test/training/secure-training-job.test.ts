import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SageMakerNetwork } from '../../lib/core/network';
import { SecureBucket } from '../../lib/core/storage';
import { InputMode, S3DataDistribution, TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob, SecureTrainingJobProps } from '../../lib/training/secure-training-job';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function kmeansJob(overrides: Partial<SecureTrainingJobProps> = {}) {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const job = new SecureTrainingJob(stack, 'KMeans', {
    algorithm: Algorithm.kmeans(),
    inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')],
    hyperparameters: { k: '10', feature_dim: '784' },
    ...overrides,
  });
  return { stack, data, job, template: Template.fromStack(stack) };
}

function trainingJobRequest(template: Template): any {
  const [resource] = Object.values(template.findResources('Custom::SageMakerTrainingJob')) as any[];
  return resource.Properties.TrainingJob;
}

describe('SecureTrainingJob defaults', () => {
  test('the job runs in the VPC with network isolation, inter-container encryption and KMS everywhere', () => {
    // GIVEN / WHEN
    const { stack, job, template } = kmeansJob();
    // THEN
    const key = stack.resolve(job.encryptionKey.keyArn);
    template.hasResourceProperties('Custom::SageMakerTrainingJob', {
      TrainingJob: Match.objectLike({
        TrainingJobName: job.trainingJobName,
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        EnableManagedSpotTraining: false,
        VpcConfig: {
          SecurityGroupIds: [stack.resolve(job.network.securityGroup.securityGroupId)],
          Subnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('Isolated') })]),
        },
        ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: key },
        OutputDataConfig: { S3OutputPath: Match.anyValue(), KmsKeyId: key },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        RoleArn: stack.resolve(job.role.role.roleArn),
      }),
    });
  });

  test('the algorithm\'s metric definitions are sent with the job', () => {
    const { template } = kmeansJob();
    expect(trainingJobRequest(template).AlgorithmSpecification.MetricDefinitions).toEqual([
      { Name: 'test:msd', Regex: '#quality_metric: host=\\S+, test msd <\\w+>=(\\S+)' },
      { Name: 'test:ssd', Regex: '#quality_metric: host=\\S+, test ssd <\\w+>=(\\S+)' },
    ]);
  });

  test('the deploy waits up to 12 hours on a wait condition that the job\'s state change signals', () => {
    // GIVEN / WHEN
    const { job, template } = kmeansJob();
    // THEN
    const [waitId, wait] = Object.entries(template.findResources('AWS::CloudFormation::WaitCondition'))[0] as [string, any];
    expect(wait.Properties).toEqual({ Count: 1, Handle: { Ref: expect.stringMatching(/Handle/) }, Timeout: '43200' });
    const [startId] = Object.keys(template.findResources('Custom::SageMakerTrainingJob'));
    expect(wait.DependsOn).toContain(startId);
    expect(waitId).toContain(job.trainingJobName.replace(/-/g, ''));
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Training Job State Change'],
        'detail': { TrainingJobName: [job.trainingJobName], TrainingJobStatus: ['Completed', 'Failed', 'Stopped'] },
      },
      Targets: [Match.objectLike({
        InputTransformer: Match.objectLike({ InputTemplate: { 'Fn::Join': ['', Match.arrayWith([{ Ref: wait.Properties.Handle.Ref }])] } }),
      })],
    });
  });

  test('the start resource waits for its rule and the handler\'s permissions', () => {
    const { template } = kmeansJob();
    const [start] = Object.values(template.findResources('Custom::SageMakerTrainingJob')) as any[];
    const dependsOn: string[] = start.DependsOn;
    expect(dependsOn.some((id) => /StateChange[0-9A-F]{8}$/.test(id))).toBe(true);
    expect(dependsOn.some((id) => /SageMakerDeployTimeSagemakerJobRolePermissions/.test(id))).toBe(true);
  });

  test('the handler runs in the VPC with its own security group, a KMS-encrypted environment and logs', () => {
    const { stack, job, template } = kmeansJob();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Starts, stops and reports'),
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: [Match.anyValue()] },
      KmsKeyArn: stack.resolve(job.encryptionKey.keyArn),
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sagemaker:AddTags', 'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'],
            Resource: stack.resolve(job.trainingJobArn),
          }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Resource: stack.resolve(job.role.role.roleArn),
            Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  test('the execution role reads the inputs, writes the output prefix and is trusted only for this construct\'s jobs', () => {
    const { stack, data, job, template } = kmeansJob();
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [stack.resolve(data.bucket.bucketArn), '/kmeans/train/*']] } }),
      expect.objectContaining({ Action: expect.arrayContaining(['s3:PutObject']), Resource: { 'Fn::Join': ['', [stack.resolve(job.outputBucket.bucketArn), `/training/${job.trainingJobName.slice(0, -13)}/*`]] } }),
    ]));
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('Execution role of SageMaker training in TestStack/KMeans'),
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':training-job/teststack-kmeans-[0-9a-f]{8}-\\*')])] }) } }),
        })],
      },
    });
  });

  test('modelData is the deterministic artifact URI of the job', () => {
    const { stack, job } = kmeansJob();
    // Under the construct's own prefix (its job name prefix) in the stack's shared bucket.
    const prefix = `training/${job.trainingJobName.slice(0, -13)}/`;
    expect(job.modelDataKey).toBe(`${prefix}${job.trainingJobName}/output/model.tar.gz`);
    expect(stack.resolve(job.modelData)).toEqual({ 'Fn::Join': ['', ['s3://', stack.resolve(job.outputBucket.bucketName), `/${prefix}${job.trainingJobName}/output/model.tar.gz`]] });
    expect(job.trainingJobName).toMatch(/^[a-z0-9](-*[a-z0-9]){0,62}$/);
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const { stack } = kmeansJob();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('SecureTrainingJob names', () => {
  test('the same configuration gives the same job name; any change gives a new one', () => {
    const first = kmeansJob().job.trainingJobName;
    expect(kmeansJob().job.trainingJobName).toBe(first);
    expect(kmeansJob({ hyperparameters: { k: '11', feature_dim: '784' } }).job.trainingJobName).not.toBe(first);
    expect(kmeansJob({ instanceType: InstanceType.ML_G5_XLARGE }).job.trainingJobName).not.toBe(first);
    expect(kmeansJob().job.trainingJobName.slice(0, -12)).toBe(kmeansJob({ maxRuntime: Duration.hours(2) }).job.trainingJobName.slice(0, -12));
  });
});

describe('SecureTrainingJob props', () => {
  test('spot training with checkpoints under the output prefix', () => {
    const { stack, job, template } = kmeansJob({ spot: true, maxRuntime: Duration.hours(2) });
    const request = trainingJobRequest(template);
    expect(request.EnableManagedSpotTraining).toBe(true);
    expect(request.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 10800 });
    expect(request.CheckpointConfig).toEqual({
      S3Uri: { 'Fn::Join': ['', ['s3://', stack.resolve(job.outputBucket.bucketName), `/training/${job.trainingJobName.slice(0, -13)}/checkpoints/${job.trainingJobName}/`]] },
    });
  });

  test('instances, volume, runtime, environment, tags and input options are passed through', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const repository = new ecr.Repository(stack, 'Repo');
    // WHEN
    new SecureTrainingJob(stack, 'Distributed', {
      algorithm: Algorithm.fromEcrRepository(repository, 'v1', { supportsDistributedTraining: true }),
      inputs: [
        TrainingInput.s3('train', data.bucket, 'd/train/', { contentType: 'text/csv', distribution: S3DataDistribution.SHARDED_BY_S3_KEY, inputMode: InputMode.FAST_FILE, gzip: true }),
        TrainingInput.manifest('validation', data.bucket, 'd/validation/manifest.json', { inputMode: InputMode.FAST_FILE }),
      ],
      instanceType: InstanceType.ML_P4D_24XLARGE,
      instanceCount: 4,
      volumeSize: Size.gibibytes(500),
      maxRuntime: Duration.hours(6),
      environment: { LOG_LEVEL: 'debug' },
      tags: { team: 'ml-platform' },
      outputPrefix: 'runs/',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // THEN
    const request = trainingJobRequest(Template.fromStack(stack));
    expect(request.ResourceConfig).toMatchObject({ InstanceType: 'ml.p4d.24xlarge', InstanceCount: 4, VolumeSizeInGB: 500 });
    expect(request.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 21600 });
    expect(request.Environment).toEqual({ LOG_LEVEL: 'debug' });
    expect(request.Tags).toEqual([{ Key: 'team', Value: 'ml-platform' }]);
    expect(request.AlgorithmSpecification.TrainingInputMode).toBe('FastFile');
    expect(request.InputDataConfig).toEqual([
      expect.objectContaining({ ChannelName: 'train', ContentType: 'text/csv', CompressionType: 'Gzip', DataSource: { S3DataSource: expect.objectContaining({ S3DataType: 'S3Prefix', S3DataDistributionType: 'ShardedByS3Key' }) } }),
      expect.objectContaining({ ChannelName: 'validation', DataSource: { S3DataSource: expect.objectContaining({ S3DataType: 'ManifestFile' }) } }),
    ]);
    expect(JSON.stringify(request.OutputDataConfig.S3OutputPath)).toContain('/runs/');
  });

  test('removalPolicy reaches a new output bucket; a key of your own encrypts volume and output; waitTimeout bounds the wait', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const key = new kms.Key(stack, 'JobKey', { enableKeyRotation: true });
    // WHEN
    new SecureTrainingJob(stack, 'Job', {
      algorithm: Algorithm.kmeans(),
      inputs: [TrainingInput.s3('train', data.bucket, 'in/')],
      hyperparameters: { k: '3', feature_dim: '2' },
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
      waitTimeout: Duration.hours(3),
    });
    // THEN
    const template = Template.fromStack(stack);
    const keyArn = stack.resolve(key.keyArn);
    const request = trainingJobRequest(template);
    expect(request.ResourceConfig.VolumeKmsKeyId).toEqual(keyArn);
    expect(request.OutputDataConfig.KmsKeyId).toEqual(keyArn);
    template.hasResource('AWS::S3::Bucket', { Properties: Match.objectLike({ BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } })] }) }), DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::CloudFormation::WaitCondition', { Timeout: '10800' });
  });

  test('a given network, key and output bucket are used and nothing new is created for them', () => {
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Shared');
    const artifacts = new SecureBucket(stack, 'Artifacts', { encryptionKey: network.encryptionKey });
    const job = new SecureTrainingJob(stack, 'Job', {
      algorithm: Algorithm.builtIn('kmeans'),
      inputs: [TrainingInput.s3('train', artifacts.bucket, 'in/')],
      hyperparameters: { k: '3', feature_dim: '2' },
      network,
      outputBucket: artifacts.bucket,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(job.encryptionKey).toBe(network.encryptionKey);
    // A built-in algorithm publishes its own metrics: none are sent.
    expect(trainingJobRequest(template).AlgorithmSpecification.MetricDefinitions).toBeUndefined();
  });

  test('a job that may outlast the deploy\'s wait is flagged with a warning', () => {
    const { stack } = kmeansJob({ maxRuntime: Duration.hours(20) });
    Annotations.fromStack(stack).hasWarning('/TestStack/KMeans', Match.stringLikeRegexp('may run 20 hours but the deployment waits 12 hours'));
  });

  test('metrics are read per host from the training job namespace', () => {
    const { stack, job } = kmeansJob();
    const metric = job.metric('test:msd');
    expect(metric.namespace).toBe('/aws/sagemaker/TrainingJobs');
    expect(stack.resolve(metric.dimensions)).toEqual({ Host: `${job.trainingJobName}/algo-1` });
    expect(job.metricGpuUtilization().metricName).toBe('GPUUtilization');
    expect(job.metricCpuUtilization({ period: Duration.minutes(5) }).period.toMinutes()).toBe(5);
  });
});

describe('SecureTrainingJob rejects bad input at synth', () => {
  const expectError = (overrides: Partial<SecureTrainingJobProps>, message: RegExp) => {
    expect(() => kmeansJob(overrides)).toThrow(message);
  };

  test('a hyperparameter the algorithm does not accept', () => {
    expectError({ hyperparameters: { k: '10', feature_dim: '784', learning_rate: '0.1' } },
      /hyperparameters.learning_rate: got "0.1"; allowed: names the kmeans algorithm accepts: feature_dim, k,/);
  });

  test('a missing required hyperparameter', () => {
    expectError({ hyperparameters: { feature_dim: '784' } }, /hyperparameters: got \["feature_dim"\]; allowed: a set that includes k/);
  });

  test('more than 100 hyperparameters', () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, '1']));
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    expect(() => new SecureTrainingJob(stack, 'Job', {
      algorithm: Algorithm.fromAsset(__dirname), inputs: [TrainingInput.s3('train', data.bucket, 'x/')], hyperparameters: many,
    })).toThrow(/hyperparameters: got "101 hyperparameters"; allowed: at most 100/);
  });

  test('channel names SageMaker rejects, channels the algorithm does not read, and duplicates', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    expect(() => new SecureTrainingJob(stack, 'Job', {
      algorithm: Algorithm.kmeans(),
      hyperparameters: { k: '2', feature_dim: '2' },
      inputs: [TrainingInput.s3('train data', data.bucket, 'a/'), TrainingInput.s3('validation', data.bucket, 'b/'), TrainingInput.s3('test', data.bucket, 'c/'), TrainingInput.s3('test', data.bucket, 'd/')],
    })).toThrow(/inputs\[\].channelName: got "train data"; allowed: 1 to 64 letters[\s\S]*inputs\[\].channelName: got "validation"; allowed: a channel the kmeans algorithm reads: train, test[\s\S]*inputs\[\].channelName: got "test"; allowed: each channel once/);
  });

  test('maxWait shorter than maxRuntime', () => {
    expectError({ spot: true, maxRuntime: Duration.hours(4), maxWait: Duration.hours(3) }, /maxWait: got "3 hours"; allowed: at least maxRuntime \(4 hours\)/);
  });

  test('spot on an algorithm that cannot resume from a checkpoint', () => {
    expectError({ algorithm: Algorithm.builtIn('kmeans'), spot: true }, /spot: got true; allowed: false for kmeans: it cannot resume from a checkpoint/);
  });

  test('more than one instance for a single-host algorithm', () => {
    expectError({ algorithm: Algorithm.preprocessing(), hyperparameters: {}, instanceCount: 2 }, /instanceCount: got 2; allowed: 1: the preprocessing algorithm trains on a single host/);
  });

  test('a wait longer than CloudFormation allows, and every problem in one error', () => {
    let message = '';
    try {
      kmeansJob({ waitTimeout: Duration.hours(13), maxRuntime: Duration.days(30), instanceCount: 0 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SecureTrainingJob at 'TestStack\/KMeans' has invalid props/);
    expect(message).toMatch(/waitTimeout: got "13 hours"; allowed: from 1 minute to 12 hours/);
    expect(message).toMatch(/maxRuntime: got "30 days"; allowed: from 1 second to 28 days/);
    expect(message).toMatch(/instanceCount: got 0; allowed: a whole number of at least 1/);
  });
});

describe('SecureTrainingJob checks values against the algorithm\'s specification', () => {
  test('a hyperparameter value the algorithm does not take, and a content type its channel does not read, are synth errors', () => {
    // GIVEN / WHEN / THEN: the construct calls the specification's checks with its own prop names
    expect(() => kmeansJob({ hyperparameters: { k: 'ten', feature_dim: '784', init_method: 'bogus' } }))
      .toThrow(/hyperparameters\.k: got "ten"[\s\S]*hyperparameters\.init_method: got "bogus"/);
    const withContentType = (contentType: string) => () => {
      const stack = newStack();
      const data = new SecureBucket(stack, 'Data');
      new SecureTrainingJob(stack, 'KMeans', {
        algorithm: Algorithm.kmeans(),
        inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/', { contentType })],
        hyperparameters: { k: '10', feature_dim: '784' },
      });
    };
    expect(withContentType('image/png')).toThrow(/inputs\[train\]\.contentType: got "image\/png"/);
    expect(withContentType('text/csv')).not.toThrow();
  });
});

describe('SecureTrainingJob on several instances (companion K-Means and Linear Learner)', () => {
  const WARNING = /trains on \d+ instances, but channels? .* FullyReplicated: every instance reads every row .* Use distribution: S3DataDistribution.SHARDED_BY_S3_KEY/;
  const warnings = (stack: ReturnType<typeof newStack>) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('FullyReplicated'));

  test('Algorithm.kmeans() on 3 instances with sharded data: InstanceCount 3, inter-container encryption on, no warning', () => {
    // GIVEN / WHEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const job = new SecureTrainingJob(stack, 'KMeans', {
      algorithm: Algorithm.kmeans(),
      inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/', { distribution: S3DataDistribution.SHARDED_BY_S3_KEY })],
      hyperparameters: { k: '10', feature_dim: '784', _collective_port: '7070', _collective_timeout: '600' },
      instanceCount: 3,
    });
    // THEN
    const template = Template.fromStack(stack);
    const request = trainingJobRequest(template);
    expect(request.ResourceConfig.InstanceCount).toBe(3);
    expect(request.EnableInterContainerTrafficEncryption).toBe(true);
    expect(request.EnableNetworkIsolation).toBe(true);
    expect(request.InputDataConfig[0].DataSource.S3DataSource.S3DataDistributionType).toBe('ShardedByS3Key');
    expect(request.HyperParameters).toMatchObject({ _collective_port: '7070', _collective_timeout: '600' });
    // The instances reach each other: the job's security group admits itself.
    const group = stack.resolve(job.network.securityGroup.securityGroupId);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: '-1', GroupId: group, SourceSecurityGroupId: group });
    expect(warnings(stack)).toHaveLength(0);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('Algorithm.linearLearner() on 2 instances with a FullyReplicated channel: synth warns, recommending ShardedByS3Key', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    new SecureTrainingJob(stack, 'Linear', {
      algorithm: Algorithm.linearLearner(),
      inputs: [
        TrainingInput.s3('train', data.bucket, 'll/train/', { distribution: S3DataDistribution.SHARDED_BY_S3_KEY }),
        TrainingInput.s3('validation', data.bucket, 'll/validation/'),
      ],
      hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '10' },
      instanceCount: 2,
    });
    const found = warnings(stack);
    expect(found).toHaveLength(1);
    expect(String(found[0].entry.data)).toMatch(WARNING);
    expect(String(found[0].entry.data)).toMatch(/channel validation is FullyReplicated/);
    expect(trainingJobRequest(Template.fromStack(stack)).ResourceConfig.InstanceCount).toBe(2);
  });

  test('the built-in K-Means warns the same way; one instance, or an image of the user\'s own, does not', () => {
    const warned = kmeansJob({ algorithm: Algorithm.builtIn('kmeans'), instanceCount: 2 });
    expect(warnings(warned.stack)).toHaveLength(1);
    expect(warnings(kmeansJob({ instanceCount: 1 }).stack)).toHaveLength(0);
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    new SecureTrainingJob(stack, 'Own', {
      algorithm: Algorithm.fromEcrRepository(new ecr.Repository(stack, 'Repo'), 'v1', { supportsDistributedTraining: true }),
      inputs: [TrainingInput.s3('train', data.bucket, 'own/')],
      instanceCount: 2,
    });
    expect(warnings(stack)).toHaveLength(0);
  });

  test('the companion images accept the collective hyperparameters and check their ranges; the built-ins do not take them', () => {
    expect(Algorithm.kmeans().supportsDistributedTraining).toBe(true);
    expect(Algorithm.linearLearner().supportsDistributedTraining).toBe(true);
    expect(Algorithm.preprocessing().supportsDistributedTraining).toBe(false);
    expect(Algorithm.linearLearner().acceptsHyperparameter('_collective_timeout')).toBe(true);
    expect(Algorithm.builtIn('kmeans').acceptsHyperparameter('_collective_port')).toBe(false);
    expect(() => kmeansJob({ hyperparameters: { k: '10', feature_dim: '784', _collective_port: '80' }, instanceCount: 2 }))
      .toThrow(/_collective_port: got "80"; allowed: .*1024/);
  });
});
