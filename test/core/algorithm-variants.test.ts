// The companion images' CPU and GPU variants (containers/Dockerfile's `cpu` and `gpu` targets),
// chosen by the constructs from the instance types the image runs on: the asset manifest says
// which target each image builds, and the template names the asset it uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SageMakerExecutionRole } from '../../lib/core/roles';
import { SecureBucket } from '../../lib/core/storage';
import { InferencePipeline, PipelineStage } from '../../lib/inference/inference-pipeline';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ModelSource } from '../../lib/models/model-source';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { HyperparameterRange } from '../../lib/tuning/ranges';
import { TuningObjective } from '../../lib/tuning/strategy';
import { TunedModel } from '../../lib/tuning/tuned-model';
import { newStack } from '../helpers/nag';

interface DockerImage { readonly source: { readonly dockerBuildTarget?: string; readonly dockerBuildArgs?: Record<string, string>; readonly dockerFile?: string } }

/** The stack's Docker image assets by hash, from the cloud assembly's asset manifest. */
function dockerImages(stack: Stack): Record<string, DockerImage> {
  const assembly = (stack.node.root as App).synth();
  return JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')).dockerImages;
}

/** The targets of the images the stack's template refers to, with their algorithm. */
function imagesUsed(stack: Stack): string[] {
  const template = JSON.stringify(Template.fromStack(stack).toJSON());
  return Object.entries(dockerImages(stack))
    .filter(([hash]) => template.includes(hash))
    .map(([, image]) => `${image.source.dockerBuildArgs?.ALGORITHM}:${image.source.dockerBuildTarget ?? '(last stage)'}`)
    .sort();
}

function trainingJob(algorithm: Algorithm, instanceType?: InstanceType, hyperparameters: Record<string, string> = { k: '3', feature_dim: '2' }): Stack {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  new SecureTrainingJob(stack, 'Job', { algorithm, inputs: [TrainingInput.s3('train', data.bucket, 'train/')], hyperparameters, instanceType });
  return stack;
}

describe('companion image variants', () => {
  test.each([
    ['ml.m5.xlarge', 'cpu'], ['ml.c5.2xlarge', 'cpu'], ['ml.p3.2xlarge', 'cpu'], ['ml.p2.xlarge', 'cpu'],
    ['ml.g4dn.xlarge', 'gpu'], ['ml.g5.2xlarge', 'gpu'], ['ml.p4d.24xlarge', 'gpu'], ['ml.p5.48xlarge', 'gpu'], ['ml.g7e.2xlarge', 'gpu'],
  ])('a K-Means training job on %s builds and runs the %s image', (instanceType, target) => {
    // GIVEN / WHEN
    const stack = trainingJob(Algorithm.kmeans(), InstanceType.of(instanceType));
    // THEN the template's training image is that asset, the only one built
    expect(imagesUsed(stack)).toEqual([`kmeans:${target}`]);
    expect(Object.values(dockerImages(stack)).map((image) => image.source.dockerFile)).toEqual(['Dockerfile']);
  });

  test('a training job on the default instance type (ml.m5.xlarge) uses the CPU image', () => {
    expect(imagesUsed(trainingJob(Algorithm.linearLearner(), undefined, { predictor_type: 'regressor', feature_dim: '2' }))).toEqual(['linear-learner:cpu']);
  });

  test('Linear Learner on a GPU instance uses the GPU image', () => {
    expect(imagesUsed(trainingJob(Algorithm.linearLearner(), InstanceType.ML_G5_XLARGE, { predictor_type: 'regressor', feature_dim: '2' }))).toEqual(['linear-learner:gpu']);
  });

  test('the pre-processing image is the CPU one even on a GPU instance', () => {
    expect(imagesUsed(trainingJob(Algorithm.preprocessing(), InstanceType.ML_G5_XLARGE, { feature_dim: '2' }))).toEqual(['preprocessing:cpu']);
  });

  test('bind picks from the instance types given: GPU when any has a usable GPU or is unknown, GPU when none are given', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Variants');
    const role = new SageMakerExecutionRole(stack, 'Role');
    const kmeans = Algorithm.kmeans();
    // WHEN
    const cpu = kmeans.bind(stack, role, { instanceTypes: [InstanceType.ML_M5_LARGE, InstanceType.of('ml.p3.2xlarge')] });
    const gpu = kmeans.bind(stack, role, { instanceTypes: [InstanceType.ML_M5_LARGE, InstanceType.ML_G6_XLARGE] });
    const unknown = kmeans.bind(stack, role);
    const token = kmeans.bind(stack, role, { instanceTypes: [InstanceType.of(Token.asString({ Ref: 'InstanceType' }))] });
    const again = kmeans.bind(stack, role, { instanceTypes: [InstanceType.ML_C5_XLARGE] });
    // THEN two images: the CPU one reused, every other choice the GPU one
    const uri = (config: { imageUri: string }) => JSON.stringify(stack.resolve(config.imageUri));
    expect(uri(gpu)).toEqual(uri(unknown));
    expect(uri(token)).toEqual(uri(gpu));
    expect(uri(again)).toEqual(uri(cpu));
    expect(uri(cpu)).not.toEqual(uri(gpu));
    expect(Object.values(dockerImages(stack)).map((image) => image.source.dockerBuildTarget).sort()).toEqual(['cpu', 'gpu']);
  });

  test('a user\'s own Dockerfile builds its last stage: no target is chosen for it', () => {
    const app = new App();
    const stack = new Stack(app, 'Own');
    Algorithm.fromAsset(path.join(__dirname, '../../containers')).bind(stack, new SageMakerExecutionRole(stack, 'Role'), { instanceTypes: [InstanceType.ML_M5_LARGE] });
    expect(Object.values(dockerImages(stack)).map((image) => image.source.dockerBuildTarget)).toEqual([undefined]);
  });

  test('a registered version serving on CPU instance types names the CPU image; one that lists a GPU type, the GPU image', () => {
    for (const [instanceTypes, expected] of [[undefined, 'kmeans:cpu'], [[InstanceType.ML_M5_LARGE, InstanceType.ML_G5_XLARGE], 'kmeans:gpu']] as const) {
      // GIVEN a version of an imported artifact
      const stack = newStack();
      const data = new SecureBucket(stack, 'Data');
      const registry = new ModelRegistry(stack, 'Registry');
      // WHEN
      registry.register('V1', {
        model: ModelSource.fromS3(Algorithm.kmeans(), data.bucket, 'm/model.tar.gz'),
        instanceTypes: instanceTypes as InstanceType[] | undefined,
      });
      // THEN
      expect(imagesUsed(stack)).toEqual([expected]);
    }
  });
});

describe('companion image variants of served models', () => {
  /** An artifact served by an endpoint of the given instance type: the model is made for the endpoint. */
  function endpointServing(instanceType: InstanceType, serverless = false): Stack {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const artifact = ModelSource.fromS3(Algorithm.kmeans(), data.bucket, 'models/kmeans/model.tar.gz');
    new MonitoredEndpoint(stack, 'Endpoint', serverless
      ? { model: artifact, variants: [{ name: 'AllTraffic', serverless: { memorySizeMb: 2048, maxConcurrency: 5 } }], disableDataCapture: true }
      : { model: artifact, instanceType });
    return stack;
  }

  test('an endpoint on CPU instances (or serverless) serves the CPU image; on GPU instances, the GPU image', () => {
    expect(imagesUsed(endpointServing(InstanceType.ML_M5_LARGE))).toEqual(['kmeans:cpu']);
    expect(imagesUsed(endpointServing(InstanceType.ML_M5_LARGE, true))).toEqual(['kmeans:cpu']);
    expect(imagesUsed(endpointServing(InstanceType.ML_G5_XLARGE))).toEqual(['kmeans:gpu']);
  });
});

describe('companion image variants of models made before their endpoint', () => {
  /** The model images (those an AWS::SageMaker::Model names) with their algorithm and target. */
  function modelImages(stack: Stack): string[] {
    const models = JSON.stringify(Template.fromStack(stack).findResources('AWS::SageMaker::Model'));
    return Object.entries(dockerImages(stack))
      .filter(([hash]) => models.includes(hash))
      .map(([, image]) => `${image.source.dockerBuildArgs?.ALGORITHM}:${image.source.dockerBuildTarget ?? '(last stage)'}`)
      .sort();
  }

  function tunedModel(servingInstanceTypes?: InstanceType[]): Stack {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    new TunedModel(stack, 'Tuned', {
      algorithm: Algorithm.kmeans(), inputs: [TrainingInput.s3('train', data.bucket, 'train/'), TrainingInput.s3('test', data.bucket, 'test/')],
      staticHyperparameters: { k: '3', feature_dim: '2' }, objective: TuningObjective.minimize('test:msd'),
      ranges: [HyperparameterRange.integer('mini_batch_size', 100, 1000)], servingInstanceTypes,
    });
    return stack;
  }

  test('a TunedModel\'s model is the CPU image unless servingInstanceTypes lists a GPU instance', () => {
    expect(modelImages(tunedModel())).toEqual(['kmeans:cpu']);
    expect(modelImages(tunedModel([InstanceType.ML_C5_XLARGE]))).toEqual(['kmeans:cpu']);
    expect(modelImages(tunedModel([InstanceType.ML_M5_LARGE, InstanceType.ML_G5_XLARGE]))).toEqual(['kmeans:gpu']);
  });

  function pipeline(servingInstanceTypes?: InstanceType[]): Stack {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    new InferencePipeline(stack, 'Pipeline', {
      stages: [
        PipelineStage.fromAlgorithm(Algorithm.preprocessing(), { hostname: 'scaler' }),
        PipelineStage.fromModelData(Algorithm.linearLearner(), data.bucket, 'models/ll/model.tar.gz', { hostname: 'predictor' }),
      ],
      servingInstanceTypes,
    });
    return stack;
  }

  test('an InferencePipeline\'s stages are CPU images unless servingInstanceTypes lists a GPU instance (pre-processing is CPU only)', () => {
    expect(modelImages(pipeline())).toEqual(['linear-learner:cpu', 'preprocessing:cpu']);
    expect(modelImages(pipeline([InstanceType.ML_G5_XLARGE]))).toEqual(['linear-learner:gpu', 'preprocessing:cpu']);
  });
});
