import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import { Algorithm } from '../../lib/core/algorithm';
import { SageMakerExecutionRole } from '../../lib/core/roles';
import { newStack } from '../helpers/nag';
import { newApp } from '../helpers/app';

describe('Algorithm', () => {
  test('companion and built-in K-Means accept the same hyperparameters and emit the same metrics', () => {
    const companion = Algorithm.kmeans();
    const builtIn = Algorithm.builtIn('kmeans');
    for (const name of ['k', 'feature_dim', 'mini_batch_size', 'init_method', 'epochs', 'eval_metrics']) {
      expect(companion.acceptsHyperparameter(name)).toBe(true);
      expect(builtIn.acceptsHyperparameter(name)).toBe(true);
    }
    expect(companion.metricDefinitions).toEqual(builtIn.metricDefinitions);
    expect(companion.emitsMetric('test:msd')).toBe(true);
    expect(companion.acceptsHyperparameter('learning_rate')).toBe(false);
    expect(companion.acceptsHyperparameter('_compute_backend')).toBe(true);
    expect(builtIn.acceptsHyperparameter('_compute_backend')).toBe(false);
  });

  test('Linear Learner metric regexes capture the values the built-in algorithm prints', () => {
    const algorithm = Algorithm.linearLearner();
    const metric = algorithm.metricDefinitions.find((m) => m.name === 'validation:objective_loss')!;
    const match = new RegExp(metric.regex).exec('#quality_metric: host=algo-1, validation objective_loss <loss>=0.0712');
    expect(match?.[1]).toBe('0.0712');
    expect(algorithm.acceptsHyperparameter('predictor_type')).toBe(true);
    expect(algorithm.supportsCheckpoints).toBe(true);
  });

  test('a companion image is a Docker image asset of containers/, pullable by the role', () => {
    // GIVEN
    const stack = newStack();
    const role = new SageMakerExecutionRole(stack, 'Role');
    // WHEN
    const config = Algorithm.kmeans().bind(stack, role);
    // THEN
    expect(stack.resolve(config.imageUri)).toEqual({ 'Fn::Sub': expect.stringContaining('cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}') });
    const assets = Template.fromStack(stack).toJSON();
    expect(JSON.stringify(assets)).toContain('ecr:BatchGetImage');
  });

  test.each([
    ['kmeans', () => Algorithm.kmeans()],
    ['linear-learner', () => Algorithm.linearLearner()],
    ['preprocessing', () => Algorithm.preprocessing()],
  ])('the %s image builds containers/Dockerfile with its program as the ALGORITHM build argument', (program, algorithm) => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Images');
    // WHEN
    algorithm().bind(stack, new SageMakerExecutionRole(stack, 'Role'));
    // THEN the asset names the shared Dockerfile, and the program it picks exists beside it
    const manifest = JSON.parse(fs.readFileSync(path.join(app.synth().directory, 'Images.assets.json'), 'utf8'));
    const [image] = Object.values(manifest.dockerImages) as Array<{ source: { dockerFile?: string; dockerBuildArgs?: Record<string, string> } }>;
    expect(image.source.dockerFile).toBe('Dockerfile');
    expect(image.source.dockerBuildArgs).toEqual({ ALGORITHM: program });
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'containers', program, 'main.ts'))).toBe(true);
  });

  test('a built-in image comes from the region\'s registry through a mapping', () => {
    // GIVEN
    const stack = newStack();
    const role = new SageMakerExecutionRole(stack, 'Role');
    // WHEN
    const config = Algorithm.builtIn('linear-learner').bind(stack, role);
    // THEN
    expect(JSON.stringify(stack.resolve(config.imageUri))).toContain('"Fn::FindInMap":["SageMakerBuiltInAlgorithmRegistries",{"Ref":"AWS::Region"},"account"]');
    expect(Template.fromStack(stack).toJSON().Mappings.SageMakerBuiltInAlgorithmRegistries['us-east-1'].account).toBe('382416733822');
  });

  test('a built-in image in a known region resolves to that region\'s account', () => {
    const stack = new Stack(new App(), 'Pinned', { env: { account: '111122223333', region: 'eu-west-1' } });
    const role = new SageMakerExecutionRole(stack, 'Role');
    const config = Algorithm.builtIn('kmeans').bind(stack, role);
    expect(stack.resolve(config.imageUri)).toEqual({ 'Fn::Join': ['', ['438346466558.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/kmeans:1']] });
  });

  test('an ECR repository of your own is pulled by tag', () => {
    const stack = newStack();
    const role = new SageMakerExecutionRole(stack, 'Role');
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'my-algo');
    const algorithm = Algorithm.fromEcrRepository(repository, 'v3', { hyperparameters: ['alpha'] });
    expect(algorithm.name).toBe('my-algo');
    expect(algorithm.acceptsHyperparameter('beta')).toBe(false);
    expect(stack.resolve(algorithm.bind(stack, role).imageUri)['Fn::Join'][1]).toContain('/my-algo:v3');
  });

  test('rejects an unknown built-in algorithm and an unknown region', () => {
    expect(() => Algorithm.builtIn('xgboostt')).toThrow(/name: got "xgboostt"; allowed: kmeans, linear-learner/);
    const stack = new Stack(newApp(), 'Mars', { env: { region: 'mars-north-1' } });
    expect(() => Algorithm.builtIn('kmeans').bind(stack, new SageMakerExecutionRole(stack, 'Role')))
      .toThrow(/region: got "mars-north-1"; allowed: af-south-1/);
  });
});

describe('Algorithm.fromAsset', () => {
  test('two directories with the same base name are two images, the same directory bound twice one (#27 e)', () => {
    // GIVEN two build contexts both named "algo", with different Dockerfiles
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assets-'));
    const dirs = ['team-a', 'team-b'].map((team) => {
      const dir = path.join(root, team, 'algo');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM public.ecr.aws/docker/library/busybox\nLABEL team=${team}\n`);
      return dir;
    });
    const stack = newStack();
    const role = new SageMakerExecutionRole(stack, 'Role');
    // WHEN
    const [a, b] = dirs.map((dir) => Algorithm.fromAsset(dir).bind(stack, role));
    const again = Algorithm.fromAsset(dirs[0]).bind(stack, role);
    // THEN
    expect(stack.resolve(a.imageUri)).not.toEqual(stack.resolve(b.imageUri));
    expect(stack.resolve(again.imageUri)).toEqual(stack.resolve(a.imageUri));
    expect(stack.node.children.filter((c) => c instanceof ecrAssets.DockerImageAsset)).toHaveLength(2);
  });
});
