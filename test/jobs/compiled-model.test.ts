import { CreateCompilationJobCommand } from '@aws-sdk/client-sagemaker';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { SecureBucket } from '../../lib/core/storage';
import { createRequest } from '../../lib/handlers/sagemaker-job/request';
import { CompilationTarget } from '../../lib/jobs/compilation-target';
import { CompiledModel, CompiledModelProps } from '../../lib/jobs/compiled-model';
import { NeoFramework } from '../../lib/jobs/neo-framework';
import { ModelSource } from '../../lib/models/model-source';
import { sentBody, withoutUndefined } from '../helpers/api-model';
import { newApp } from '../helpers/app';
import { newStack, unacknowledgedFindings } from '../helpers/nag';
import { synthError } from '../helpers/synth-error';

function compiled(overrides: Partial<CompiledModelProps> = {}, stack: Stack = newStack()) {
  const data = new SecureBucket(stack, 'Models');
  const model = ModelSource.fromS3(Algorithm.builtIn('linear-learner'), data.bucket, 'xgb/model.tar.gz');
  const neo = new CompiledModel(stack, 'Neo', {
    model,
    framework: NeoFramework.xgboost(),
    target: CompilationTarget.device('ml_c5'),
    ...overrides,
  });
  return { stack, data, neo, get template() { return Template.fromStack(stack); } };
}

function compilationRequest(template: Template): any {
  const [resource] = Object.values(template.findResources('Custom::SageMakerCompilationJob')) as any[];
  return JSON.parse(JSON.stringify(resource.Properties.CompilationJob));
}

describe('CompiledModel defaults', () => {
  test('the compilation job reads the source artifact, runs in the VPC, encrypts its output and has a maximum runtime', () => {
    // GIVEN / WHEN
    const { neo, template } = compiled();
    // THEN
    const request = compilationRequest(template);
    expect(request).toMatchObject({
      CompilationJobName: neo.compilationJobName,
      InputConfig: { Framework: 'XGBOOST', FrameworkVersion: '1.3' },
      OutputConfig: { TargetDevice: 'ml_c5', KmsKeyId: expect.anything(), S3OutputLocation: expect.anything() },
      VpcConfig: { SecurityGroupIds: [expect.anything()], Subnets: expect.arrayContaining([expect.anything()]) },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    expect(request.InputConfig.DataInputConfig).toBeUndefined();
    expect(request.OutputConfig.TargetPlatform).toBeUndefined();
    expect(neo.compilationJobName).toMatch(/^[a-z0-9-]{1,63}$/);
  });

  test('SageMaker sends no compilation event: the handler polls on a schedule named after the job, and may disable only it', () => {
    const { neo, template } = compiled();
    // No state-change rule...
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: Match.anyValue() }, 0);
    // ...but a schedule whose target input names the kind, the wait handle, the job and the rule.
    template.hasResourceProperties('AWS::Events::Rule', { Name: neo.compilationJobName, ScheduleExpression: 'rate(1 minute)' });
    const rules = template.findResources('AWS::Events::Rule', { Properties: { Name: neo.compilationJobName } });
    const [rule] = Object.values(rules) as any[];
    const input = rule.Properties.Targets[0].Input['Fn::Join'][1];
    const rendered = input.map((part: unknown) => typeof part === 'string' ? part : 'HANDLE').join('');
    expect(JSON.parse(rendered)).toEqual({
      poll: { kind: 'compilation', waitHandleUrl: 'HANDLE', jobName: neo.compilationJobName, ruleName: neo.compilationJobName },
    });
    expect(input.find((part: any) => typeof part !== 'string')).toEqual({ Ref: expect.stringMatching(/^NeoJobHandle/) });
    expect(rule.DependsOn.some((id: string) => id.startsWith('NeoJobStart'))).toBe(true);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'events:DisableRule',
        Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`:rule/${neo.compilationJobName}$`)])] },
      })]) },
    });
    // The handler reaches EventBridge privately.
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.events$')])] },
    });
  });

  test('the compiled artifact is read once the job has ended, and is the model source\'s data', () => {
    const { neo, stack, template } = compiled();
    const readers = template.findResources('Custom::SageMakerCompiledArtifact');
    const [[readerId, reader]] = Object.entries(readers) as any;
    expect(reader.Properties.CompilationJobName).toBe(neo.compilationJobName);
    expect(reader.DependsOn.some((id: string) => id.startsWith('NeoJobWait'))).toBe(true);
    expect(stack.resolve(neo.modelData)).toEqual({ 'Fn::GetAtt': [readerId, 'ModelData'] });
  });

  test('the role reads only the source artifact and writes only its output prefix', () => {
    const { template } = compiled();
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Description: 'Permissions of TestStack/Neo/ExecutionRole/Role' },
    }));
    expect(policies).toContain('/xgb/model.tar.gz');
    expect(policies).toMatch(/compiled\/[a-z0-9-]+\/\*/);
  });

  test('default configuration has no unacknowledged findings in the five packs and Control Tower', () => {
    const { stack } = compiled();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('the request is valid against the SageMaker API model after the handler restores its types', async () => {
    // GIVEN a platform target with compiler options and input shapes, as CloudFormation delivers it
    const { stack } = compiled({
      framework: NeoFramework.pytorch('1.8'),
      inputShapes: { input0: [1, 3, 224, 224] },
      target: CompilationTarget.platform({ os: 'LINUX', arch: 'ARM64', accelerator: 'NVIDIA' }),
      compilerOptions: { 'gpu-code': 'sm_72', 'trt-ver': '8.2', 'cuda-ver': '10.2' },
      maxRuntime: Duration.minutes(30),
      tags: { team: 'ml' },
    });
    const delivered = JSON.parse(JSON.stringify(compilationRequest(Template.fromStack(stack)),
      (_key, value) => typeof value === 'number' || typeof value === 'boolean' ? String(value) : value));
    // WHEN the handler makes the Create request of it
    const request = createRequest<any>(delivered, 'CompilationJobName');
    // THEN the SDK sends every field (none unknown to the API), typed
    expect(await sentBody(new CreateCompilationJobCommand(request))).toEqual(withoutUndefined(request));
    expect(request.StoppingCondition.MaxRuntimeInSeconds).toBe(1800);
    expect(request.OutputConfig.TargetPlatform).toEqual({ Os: 'LINUX', Arch: 'ARM64', Accelerator: 'NVIDIA' });
    expect(JSON.parse(request.OutputConfig.CompilerOptions)).toEqual({ 'gpu-code': 'sm_72', 'trt-ver': '8.2', 'cuda-ver': '10.2' });
    expect(JSON.parse(request.InputConfig.DataInputConfig)).toEqual({ input0: [1, 3, 224, 224] });
    expect(request.OutputConfig.TargetDevice).toBeUndefined();
  });
});

describe('CompiledModel serving', () => {
  test('an XGBoost model for ml_c5 is served by Neo\'s XGBoost image from the region\'s registry, isolated in the VPC', () => {
    const { stack, neo } = compiled();
    const config = neo.bindForServing(stack, { instanceTypes: [InstanceType.of('ml.c5.xlarge')] });
    const template = Template.fromStack(stack);
    expect(config.modelName).toBeDefined();
    template.hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      PrimaryContainer: {
        Image: { 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ 'Fn::FindInMap': Match.arrayWith(['SageMakerNeoXgboostRegistries']) }), '/xgboost-neo:latest'])] },
        ModelDataUrl: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NeoCompiledArtifact'), 'ModelData'] },
      },
      VpcConfig: Match.anyValue(),
    });
    expect(template.toJSON().Mappings.SageMakerNeoXgboostRegistries['eu-west-1']).toEqual({ account: '802834080501' });
  });

  test('PyTorch compiled for a GPU family gets the GPU tag of Neo\'s PyTorch image', () => {
    const { stack, neo } = compiled({ framework: NeoFramework.pytorch('1.8.1'), inputShapes: { input0: [1, 3, 224, 224] }, target: CompilationTarget.device('ml_g4dn') });
    neo.bindForServing(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: { 'Fn::Join': ['', Match.arrayWith(['/sagemaker-inference-pytorch:1.8-gpu-py3'])] } },
    });
  });

  test('MonitoredEndpoint serves it on instances of the family compiled for, and refuses others', () => {
    const { stack, neo } = compiled();
    new MonitoredEndpoint(stack, 'Endpoint', { model: neo, endpointName: 'neo-xgb', instanceType: InstanceType.of('ml.c5.large') });
    const template = Template.fromStack(stack);
    const [modelId] = Object.keys(template.findResources('AWS::SageMaker::Model'));
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.c5.large', ModelName: { 'Fn::GetAtt': [modelId, 'ModelName'] } })],
    });
    // The endpoint's default, ml.m5.large, is not the family compiled for.
    const other = compiled();
    expect(() => new MonitoredEndpoint(other.stack, 'Endpoint', { model: other.neo, endpointName: 'neo-xgb' }))
      .toThrow(/instanceTypes: got "ml.m5.large"; allowed: instances of the family compiled for \(ml.c5.\*\)/);
  });

  test('an unknown region is a synth error naming the regions Neo\'s images are in', () => {
    const stack = new Stack(newApp(), 'Far', { env: { region: 'xx-nowhere-1', account: '111122223333' } });
    const { neo } = compiled({}, stack);
    expect(() => neo.bindForServing(stack)).toThrow(/region: got "xx-nowhere-1"; allowed: af-south-1, .*us-west-2/);
  });

  test('serving on another instance family than the one compiled for is a synth error', () => {
    const { stack, neo } = compiled();
    expect(() => neo.bindForServing(stack, { instanceTypes: [InstanceType.ML_M5_XLARGE] }))
      .toThrow(/instanceTypes: got "ml.m5.xlarge"; allowed: instances of the family compiled for \(ml.c5.\*\)/);
  });

  test('a model compiled for an edge device is a model source but not servable here, and says why', () => {
    const { stack, neo } = compiled({ target: CompilationTarget.device('jetson_nano'), framework: NeoFramework.tflite(), inputShapes: { input: [1, 224, 224, 3] } });
    expect(neo.modelData).toBeDefined();
    expect(() => neo.bindForServing(stack)).toThrow(/Neo's inference images serve models compiled for ml_c4, .*give servingAlgorithm/);
  });

  test('a serving algorithm of one\'s own serves any compiled model', () => {
    const { stack, neo } = compiled({
      framework: NeoFramework.tensorflow('2.9'), inputShapes: { inputs: [1, 28, 28] },
      servingAlgorithm: Algorithm.builtIn('kmeans'),
    });
    neo.bindForServing(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: { 'Fn::Join': ['', Match.arrayWith(['/kmeans:1'])] } },
    });
  });
});

describe('CompiledModel bad input', () => {
  test('a target that is both a device and a platform, or neither, is a synth error', () => {
    expect(synthError(() => compiled({ target: CompilationTarget.of({ device: 'ml_c5', platform: { os: 'LINUX', arch: 'X86_64' } }) })))
      .toMatch(/CompiledModel at 'TestStack\/Neo'[\s\S]*target: got "\{\\"device\\":\\"ml_c5\\",\\"platform\\":\{\\"os\\":\\"LINUX\\",\\"arch\\":\\"X86_64\\"\}\}"; allowed: exactly one of a device/);
    expect(synthError(() => compiled({ target: CompilationTarget.of({}) })))
      .toMatch(/target: got "neither device nor platform"; allowed: exactly one of a device/);
  });

  test('framework × target combinations Neo does not document are synth errors', () => {
    expect(synthError(() => compiled({ framework: NeoFramework.tflite(), inputShapes: { input: [1, 4] } })))
      .toMatch(/framework: got "TFLITE"; allowed: for ml_c5, Neo documents MXNET, ONNX, KERAS, PYTORCH, TENSORFLOW, XGBOOST/);
    expect(synthError(() => compiled({ target: CompilationTarget.device('ml_inf1') })))
      .toMatch(/framework: got "XGBOOST"; allowed: for ml_inf1, Neo documents MXNET, PYTORCH, TENSORFLOW/);
    expect(synthError(() => compiled({ framework: NeoFramework.pytorch('1.9'), inputShapes: { input0: [1, 3] } })))
      .toMatch(/framework.version: got "1.9"; allowed: for PYTORCH on cloud instances 1.4, 1.5, 1.6, 1.7, 1.8, 1.12, 1.13, 2.0/);
    expect(synthError(() => compiled({ framework: NeoFramework.xgboost('1.5') })))
      .toMatch(/framework.version: got "1.5"; allowed: 1.3 or earlier/);
  });

  test('unknown devices and platform values, NVIDIA without its compiler options and missing input shapes, all at once', () => {
    const message = synthError(() => compiled({
      framework: NeoFramework.onnx(),
      target: CompilationTarget.platform({ os: 'IOS', arch: 'ARM64', accelerator: 'NVIDIA' }),
      compilerOptions: { 'gpu-code': 'sm_72' },
      maxRuntime: Duration.hours(13),
    }));
    expect(message).toMatch(/target.platform.os: got "IOS"; allowed: LINUX, ANDROID/);
    expect(message).toMatch(/compilerOptions: got "\{\\"gpu-code\\":\\"sm_72\\"\}"; allowed: for an NVIDIA accelerator, options gpu-code, trt-ver, cuda-ver \(missing trt-ver, cuda-ver\)/);
    expect(message).toMatch(/inputShapes: got "none"; allowed: the name and shape of each input \(Neo needs them for ONNX\)/);
    expect(message).toMatch(/maxRuntime: got "13 hours"; allowed: from 1 minute to 12 hours/);
    expect(synthError(() => compiled({ target: CompilationTarget.device('ml_c9') }))).toMatch(/target.device: got "ml_c9"; allowed: ml_c4, ml_c5/);
  });
});
