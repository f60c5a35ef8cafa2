import { Duration, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CreateProcessingJobCommand } from '@aws-sdk/client-sagemaker';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Stack } from 'aws-cdk-lib';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SecureBucket } from '../../lib/core/storage';
import { SecureProcessingJob, SecureProcessingJobProps } from '../../lib/jobs/processing-job';
import { ProcessingInput, ProcessingInputMode } from '../../lib/jobs/processing-inputs';
import { ProcessingOutput, ProcessingUploadMode } from '../../lib/jobs/processing-outputs';
import { createRequest } from '../../lib/handlers/sagemaker-job/request';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { TrainingInput } from '../../lib/training/inputs';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function prepJob(overrides: Partial<SecureProcessingJobProps> = {}, stack: Stack = newStack()) {
  const data = new SecureBucket(stack, 'Data');
  const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'prep');
  const job = new SecureProcessingJob(stack, 'Prep', {
    algorithm: Algorithm.fromEcrRepository(repository, '1.0'),
    containerEntrypoint: ['python3', '/opt/program/prep.py'],
    inputs: [ProcessingInput.s3('raw', data.bucket, 'churn/raw/')],
    outputs: [ProcessingOutput.s3('train'), ProcessingOutput.s3('validation')],
    ...overrides,
  });
  return { stack, data, job, get template() { return Template.fromStack(stack); } };
}

function processingRequest(template: Template): any {
  const [resource] = Object.values(template.findResources('Custom::SageMakerProcessingJob')) as any[];
  return JSON.parse(JSON.stringify(resource.Properties.ProcessingJob));
}

describe('SecureProcessingJob defaults', () => {
  test('the job runs in the VPC with network isolation, inter-container encryption, KMS and a maximum runtime', () => {
    // GIVEN / WHEN
    const { stack, job, template } = prepJob();
    // THEN
    const key = stack.resolve(job.encryptionKey.keyArn);
    template.hasResourceProperties('Custom::SageMakerProcessingJob', {
      ProcessingJob: Match.objectLike({
        ProcessingJobName: job.processingJobName,
        NetworkConfig: {
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: {
            SecurityGroupIds: [stack.resolve(job.network.securityGroup.securityGroupId)],
            Subnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('Isolated') })]),
          },
        },
        ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30, VolumeKmsKeyId: key } },
        ProcessingOutputConfig: Match.objectLike({ KmsKeyId: key }),
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        RoleArn: stack.resolve(job.role.role.roleArn),
        AppSpecification: { ImageUri: Match.anyValue(), ContainerEntrypoint: ['python3', '/opt/program/prep.py'] },
      }),
    });
  });

  test('inputs are mounted under /opt/ml/processing/input and outputs uploaded under the job\'s own name', () => {
    const { stack, data, job, template } = prepJob();
    const request = processingRequest(template);
    expect(request.ProcessingInputs).toEqual([{
      InputName: 'raw',
      S3Input: {
        S3Uri: stack.resolve(data.bucket.s3UrlForObject('churn/raw/')),
        LocalPath: '/opt/ml/processing/input/raw',
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
        S3CompressionType: 'None',
      },
    }]);
    const prefix = job.processingJobName.slice(0, -13);
    expect(request.ProcessingOutputConfig.Outputs).toEqual([
      {
        OutputName: 'train',
        S3Output: {
          S3Uri: stack.resolve(job.outputBucket.s3UrlForObject(`processing/${prefix}/${job.processingJobName}/train/`)),
          LocalPath: '/opt/ml/processing/output/train',
          S3UploadMode: 'EndOfJob',
        },
      },
      expect.objectContaining({ OutputName: 'validation' }),
    ]);
    expect(job.output('train').prefix).toBe(`processing/${prefix}/${job.processingJobName}/train/`);
    expect(stack.resolve(job.output('validation').s3Uri)).toEqual(
      stack.resolve(job.outputBucket.s3UrlForObject(`processing/${prefix}/${job.processingJobName}/validation/`)));
  });

  test('the deploy waits on a wait condition signalled by the processing job\'s state change', () => {
    const { job, template } = prepJob();
    const [, wait] = Object.entries(template.findResources('AWS::CloudFormation::WaitCondition'))[0] as [string, any];
    expect(wait.Properties).toEqual({ Count: 1, Handle: { Ref: expect.stringMatching(/Handle/) }, Timeout: '43200' });
    const [startId] = Object.keys(template.findResources('Custom::SageMakerProcessingJob'));
    expect(wait.DependsOn).toContain(startId);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Processing Job State Change'],
        'detail': { ProcessingJobName: [job.processingJobName], ProcessingJobStatus: ['Completed', 'Failed', 'Stopped'] },
      },
      Targets: [Match.objectLike({
        InputTransformer: Match.objectLike({ InputPathsMap: { 'detail-ProcessingJobName': '$.detail.ProcessingJobName', 'detail-ProcessingJobStatus': '$.detail.ProcessingJobStatus' } }),
      })],
    });
  });

  test('the handler may start, describe and stop exactly this job', () => {
    const { template } = prepJob();
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .concat(Object.values(template.findResources('AWS::IAM::ManagedPolicy')))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    const processing = statements.find((statement: any) => ([] as string[]).concat(statement.Action).includes('sagemaker:CreateProcessingJob'));
    expect(processing.Action).toEqual(expect.arrayContaining(['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob']));
    expect(JSON.stringify(processing.Resource)).toMatch(/:processing-job\/teststack-prep-[0-9a-f]{8}-[0-9a-f]{12}"/);
  });

  test('the execution role reads the inputs, writes its own output prefix and is trusted only for this construct\'s jobs', () => {
    const { stack, data, job, template } = prepJob();
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    const prefix = job.processingJobName.slice(0, -13);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [stack.resolve(data.bucket.bucketArn), '/churn/raw/*']] } }),
      expect.objectContaining({
        Action: expect.arrayContaining(['s3:PutObject']),
        Resource: { 'Fn::Join': ['', [stack.resolve(job.outputBucket.bucketArn), `/processing/${prefix}/*`]] },
      }),
    ]));
    expect(JSON.stringify(statements)).toContain('/aws/sagemaker/ProcessingJobs');
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('Execution role of SageMaker processing in TestStack/Prep'),
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':processing-job/teststack-prep-[0-9a-f]{8}-\\*')])] }) } }),
        })],
      },
    });
  });

  test('default configuration has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = prepJob();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('the same configuration gives the same job name; any change gives a new one', () => {
    const a = prepJob().job.processingJobName;
    const b = prepJob().job.processingJobName;
    const c = prepJob({ containerArguments: ['--split', '0.8'] }).job.processingJobName;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  test('the request is valid against the SageMaker API model after the handler restores its types', async () => {
    // GIVEN the request as CloudFormation delivers it (every number and boolean a string)
    const { stack, job } = prepJob({ containerArguments: ['--split', '0.8'], environment: { MODE: 'train' }, tags: { team: 'ml' } });
    const delivered = JSON.parse(JSON.stringify(processingRequest(Template.fromStack(stack)),
      (_key, value) => typeof value === 'number' || typeof value === 'boolean' ? String(value) : value));
    expect(delivered.ProcessingJobName).toBe(job.processingJobName);
    // WHEN the handler makes the Create request of it
    const request = createRequest<any>(delivered, 'ProcessingJobName');
    // THEN the SDK sends every field (none unknown to the API), with numbers and booleans typed
    expect(await sentBody(new CreateProcessingJobCommand(request))).toEqual(withoutUndefined(request));
    expect(request.ProcessingResources.ClusterConfig.InstanceCount).toBe(1);
    expect(request.StoppingCondition.MaxRuntimeInSeconds).toBe(86400);
    expect(request.NetworkConfig.EnableNetworkIsolation).toBe(true);
    expect(request.AppSpecification.ContainerArguments).toEqual(['--split', '0.8']);
    expect(request.Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
  });
});

describe('SecureProcessingJob options', () => {
  test('instances, volume, runtime, environment, tags, key, input and output options are passed through', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const other = new SecureBucket(stack, 'Features');
    const { job, template } = prepJob({
      instanceType: InstanceType.of('ml.c5.2xlarge'),
      instanceCount: 2,
      volumeSize: Size.gibibytes(100),
      maxRuntime: Duration.hours(2),
      encryptionKey: key,
      environment: { MODE: 'train' },
      tags: { team: 'ml' },
      containerArguments: ['--split', '0.8'],
      outputs: [ProcessingOutput.s3('features', { bucket: other.bucket, prefix: 'features/v1/', localPath: '/opt/ml/processing/features', uploadMode: ProcessingUploadMode.CONTINUOUS })],
    }, stack);
    const request = processingRequest(template);
    expect(request).toMatchObject(JSON.parse(JSON.stringify({
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.c5.2xlarge', InstanceCount: 2, VolumeSizeInGB: 100, VolumeKmsKeyId: stack.resolve(key.keyArn) } },
      StoppingCondition: { MaxRuntimeInSeconds: 7200 },
      Environment: { MODE: 'train' },
      Tags: [{ Key: 'team', Value: 'ml' }],
      AppSpecification: { ContainerArguments: ['--split', '0.8'] },
      ProcessingOutputConfig: {
        KmsKeyId: stack.resolve(key.keyArn),
        Outputs: [{
          OutputName: 'features',
          S3Output: { S3Uri: stack.resolve(other.bucket.s3UrlForObject('features/v1/')), LocalPath: '/opt/ml/processing/features', S3UploadMode: 'Continuous' },
        }],
      },
    })));
    expect(job.output('features').prefix).toBe('features/v1/');
  });

  test('a Pipe-mode gzip input is rendered as such', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Raw');
    const { template } = prepJob({ inputs: [ProcessingInput.s3('stream', data.bucket, 'x/', { inputMode: ProcessingInputMode.PIPE, gzip: true, localPath: '/opt/ml/processing/stream' })] }, stack);
    expect(processingRequest(template).ProcessingInputs[0].S3Input).toMatchObject({ S3InputMode: 'Pipe', S3CompressionType: 'Gzip', LocalPath: '/opt/ml/processing/stream' });
  });

  test('a maximum runtime longer than the wait warns at synth', () => {
    const { stack } = prepJob({ maxRuntime: Duration.days(2) });
    Annotations.fromStack(stack).hasWarning('/TestStack/Prep', Match.stringLikeRegexp('may run 2 days but the deployment waits 12 hours'));
  });
});

describe('SecureProcessingJob outputs as other jobs\' inputs', () => {
  test('a training job given a processing output reads it and starts only after the processing job', () => {
    // GIVEN
    const { stack, job } = prepJob();
    // WHEN
    const training = new SecureTrainingJob(stack, 'KMeans', {
      algorithm: Algorithm.builtIn('kmeans'),
      inputs: [job.output('train').asTrainingInput('train', { contentType: 'text/csv;label_size=0' })],
      hyperparameters: { k: '3', feature_dim: '4' },
      network: job.network,
    });
    // THEN
    const template = Template.fromStack(stack);
    const [startId, start] = Object.entries(template.findResources('Custom::SageMakerTrainingJob'))[0] as [string, any];
    const [waitId] = Object.keys(template.findResources('AWS::CloudFormation::WaitCondition', {
      Properties: { Handle: { Ref: Match.stringLikeRegexp(`Prep.*Handle${job.processingJobName.replace(/-/g, '')}`) } },
    }));
    expect(waitId).toBeDefined();
    expect(start.DependsOn).toContain(waitId);
    expect(start.Properties.TrainingJob.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toEqual(stack.resolve(job.output('train').s3Uri));
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [stack.resolve(job.outputBucket.bucketArn), `/${job.output('train').prefix}*`]] },
    })]));
    expect(startId).toBeDefined();
    expect(training.completion).toBeDefined();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('TrainingInput.fromProcessingOutput and ProcessingInput.fromLocation chain jobs the same way', () => {
    const { stack, job } = prepJob();
    const input = TrainingInput.fromProcessingOutput('train', job.output('train'));
    expect(input.completion).toBe(job.completion);
    const second = new SecureProcessingJob(stack, 'Evaluate', {
      algorithm: Algorithm.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'EvalRepo', 'eval')),
      inputs: [ProcessingInput.fromLocation('validation', job.output('validation'))],
      network: job.network,
    });
    const template = Template.fromStack(stack);
    const starts = template.findResources('Custom::SageMakerProcessingJob');
    const secondStart = Object.entries(starts).find(([id]) => id.startsWith('Evaluate'))![1] as any;
    expect(secondStart.DependsOn.some((id: string) => id.startsWith('PrepJobWait'))).toBe(true);
    expect(second.processingJobName).not.toBe(job.processingJobName);
  });
});

describe('SecureProcessingJob bad input', () => {
  test('two outputs writing under one S3 path are a synth error naming both', () => {
    const stack = newStack();
    const out = new SecureBucket(stack, 'Out');
    expect(() => prepJob({
      outputs: [
        ProcessingOutput.s3('train', { bucket: out.bucket, prefix: 'data/' }),
        ProcessingOutput.s3('validation', { bucket: out.bucket, prefix: 'data/validation/' }),
      ],
    }, stack)).toThrow(/outputs\[validation\]\.prefix: got "data\/validation\/"; allowed: an S3 prefix apart from output train's/);
  });

  test('names, local paths, counts, runtime and Pipe-only gzip are checked, all problems at once', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Raw');
    let message = '';
    try {
      prepJob({
        inputs: [
          ProcessingInput.s3('raw', data.bucket, 'a/', { localPath: '/tmp/raw', gzip: true }),
          ProcessingInput.s3('raw', data.bucket, 'b/'),
        ],
        outputs: [ProcessingOutput.s3('out', { localPath: '/opt/ml/processing/input/raw/out' })],
        instanceCount: 0,
        maxRuntime: Duration.days(8),
        containerArguments: [],
      }, stack);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/inputs\[raw\]\.localPath: got "\/tmp\/raw"; allowed: an absolute path under \/opt\/ml\/processing\//);
    expect(message).toMatch(/inputs\[raw\]\.gzip: got true; allowed: false with ProcessingInputMode.FILE/);
    expect(message).toMatch(/inputs\[\]\.inputName: got "raw"; allowed: a name no other input or output of the job has/);
    expect(message).toMatch(/outputs\[out\]\.localPath: got "\/opt\/ml\/processing\/input\/raw\/out"; allowed: a folder apart from the one of raw/);
    expect(message).toMatch(/instanceCount: got 0; allowed: a whole number from 1 to 100/);
    expect(message).toMatch(/maxRuntime: got "8 days"; allowed: from 1 second to 7 days/);
    expect(message).toMatch(/containerArguments: got "0 strings"; allowed: 1 to 100/);
  });

  test('asking for an output the job does not have names the outputs it has', () => {
    const { job } = prepJob();
    expect(() => job.output('test')).toThrow(/output\(outputName\): got "test"; allowed: train, validation/);
  });
});
