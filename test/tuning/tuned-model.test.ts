import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { TrainingInput } from '../../lib/training/inputs';
import { HyperparameterRange, ScalingType } from '../../lib/tuning/ranges';
import { EarlyStopping, TuningObjective, TuningStrategy, WarmStart } from '../../lib/tuning/strategy';
import { TunedModel, TunedModelProps } from '../../lib/tuning/tuned-model';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function tuned(overrides: Partial<TunedModelProps> = {}) {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const model = new TunedModel(stack, 'Tuned', {
    algorithm: Algorithm.linearLearner(),
    inputs: [TrainingInput.s3('train', data.bucket, 'll/train/'), TrainingInput.s3('validation', data.bucket, 'll/val/')],
    staticHyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
    objective: TuningObjective.minimize('validation:objective_loss'),
    ranges: [
      HyperparameterRange.continuous('learning_rate', 1e-4, 1e-1, { scaling: 'Logarithmic' }),
      HyperparameterRange.integer('mini_batch_size', 100, 5000),
    ],
    strategy: TuningStrategy.BAYESIAN,
    maxJobs: 20,
    maxParallelJobs: 2,
    ...overrides,
  });
  return { stack, data, model, template: Template.fromStack(stack) };
}

function tuningRequest(template: Template): any {
  const [resource] = Object.values(template.findResources('Custom::SageMakerTuningJob')) as any[];
  return resource.Properties.TuningJob;
}

describe('TunedModel defaults', () => {
  test('the tuning job searches the ranges for the objective with the shared secure training definition', () => {
    // GIVEN / WHEN
    const { stack, model, template } = tuned();
    // THEN
    const request = tuningRequest(template);
    expect(request.HyperParameterTuningJobName).toBe(model.tuningJobName);
    expect(model.tuningJobName.length).toBeLessThanOrEqual(32);
    expect(request.HyperParameterTuningJobConfig).toEqual({
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:objective_loss' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 20, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'mini_batch_size', MinValue: '100', MaxValue: '5000', ScalingType: 'Auto' }],
        ContinuousParameterRanges: [{ Name: 'learning_rate', MinValue: '0.0001', MaxValue: '0.1', ScalingType: 'Logarithmic' }],
        CategoricalParameterRanges: [],
      },
      TrainingJobEarlyStoppingType: 'Off',
    });
    const key = stack.resolve(model.encryptionKey.keyArn);
    template.hasResourceProperties('Custom::SageMakerTuningJob', {
      TuningJob: Match.objectLike({
        TrainingJobDefinition: Match.objectLike({
          StaticHyperParameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          ResourceConfig: Match.objectLike({ VolumeKmsKeyId: key }),
          OutputDataConfig: Match.objectLike({ KmsKeyId: key }),
          VpcConfig: Match.objectLike({ SecurityGroupIds: [stack.resolve(model.network.securityGroup.securityGroupId)] }),
          StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        }),
      }),
    });
    const objective = model.algorithm.metricDefinitions.find((m) => m.name === 'validation:objective_loss')!;
    expect(request.TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions).toContainEqual({ Name: objective.name, Regex: objective.regex });
  });

  test('it waits on a wait condition signalled by the tuning job\'s state change', () => {
    const { model, template } = tuned();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'detail-type': ['SageMaker HyperParameter Tuning Job State Change'],
        'detail': { HyperParameterTuningJobName: [model.tuningJobName], HyperParameterTuningJobStatus: ['Completed', 'Failed', 'Stopped'] },
      },
    });
    template.resourceCountIs('AWS::CloudFormation::WaitCondition', 1);
  });

  test('the best training job is read after the wait and becomes an isolated model in the VPC', () => {
    // GIVEN / WHEN
    const { stack, model, template } = tuned();
    // THEN
    const [bestId, best] = Object.entries(template.findResources('Custom::SageMakerBestTrainingJob'))[0] as [string, any];
    expect(best.Properties.TuningJobName).toBe(model.tuningJobName);
    expect(best.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^TunedJobWait/)]));
    template.hasResourceProperties('AWS::SageMaker::Model', {
      ExecutionRoleArn: stack.resolve(model.modelRole.role.roleArn),
      PrimaryContainer: { Image: Match.anyValue(), ModelDataUrl: { 'Fn::GetAtt': [bestId, 'ModelData'] } },
      VpcConfig: { SecurityGroupIds: [stack.resolve(model.network.securityGroup.securityGroupId)], Subnets: Match.anyValue() },
      EnableNetworkIsolation: true,
    });
    expect(stack.resolve(model.bestObjectiveValue)).toEqual({ 'Fn::GetAtt': [bestId, 'BestObjectiveValue'] });
    expect(stack.resolve(model.bestTrainingJobName)).toEqual({ 'Fn::GetAtt': [bestId, 'BestTrainingJobName'] });
    const [modelId] = Object.keys(template.findResources('AWS::SageMaker::Model'));
    expect(stack.resolve(model.modelName)).toEqual({ 'Fn::GetAtt': [modelId, 'ModelName'] });
  });

  test('the model role reads only the artifacts and key; the handler may read only this tuning job\'s training jobs', () => {
    const { stack, model, template } = tuned();
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as any[];
    const modelPolicy = policies.find((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(model.modelRole.role.roleName)]));
    expect(modelPolicy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [stack.resolve(model.outputBucket.bucketArn), `/${model.outputPrefix}*`]] } }),
    ]));
    expect(JSON.stringify(modelPolicy)).not.toContain('s3:PutObject');
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sagemaker:DescribeTrainingJob',
          Resource: { 'Fn::Join': ['', Match.arrayWith([`:training-job/${model.tuningJobName}-*`])] },
        })]),
      },
    });
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const { stack } = tuned();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('metrics follow the best training job', () => {
    const { stack, model } = tuned();
    const metric = model.metricObjective();
    expect(metric.metricName).toBe('validation:objective_loss');
    expect(stack.resolve(metric.dimensions!.Host)).toEqual({ 'Fn::Join': ['', [stack.resolve(model.bestTrainingJobName), '/algo-1']] });
  });
});

describe('TunedModel props', () => {
  test('a configuration change gives a new tuning job; the same one does not', () => {
    const first = tuned().model.tuningJobName;
    expect(tuned().model.tuningJobName).toBe(first);
    expect(tuned({ maxJobs: 30 }).model.tuningJobName).not.toBe(first);
  });

  test('Hyperband, early stopping, warm start, completion criteria, tuning runtime, spot and tags', () => {
    const { template } = tuned({
      strategy: TuningStrategy.hyperband({ minResource: 1, maxResource: 20 }),
      warmStartFrom: WarmStart.transferLearning(['parent-a', 'parent-b']),
      completionCriteria: { targetObjectiveValue: 0.05, maxJobsNotImproving: 5 },
      tuningMaxRuntime: Duration.hours(6),
      spot: true,
      tags: { team: 'ml' },
    });
    const request = tuningRequest(template);
    expect(request.HyperParameterTuningJobConfig).toMatchObject({
      Strategy: 'Hyperband',
      StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 20 } },
      ResourceLimits: { MaxRuntimeInSeconds: 21600 },
      TuningJobCompletionCriteria: { TargetObjectiveMetricValue: 0.05, BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 5 } },
    });
    expect(request.WarmStartConfig).toEqual({
      ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'parent-a' }, { HyperParameterTuningJobName: 'parent-b' }],
      WarmStartType: 'TransferLearning',
    });
    expect(request.TrainingJobDefinition.EnableManagedSpotTraining).toBe(true);
    expect(request.TrainingJobDefinition.CheckpointConfig).toBeDefined();
    expect(request.Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
  });

  test('Grid over categorical ranges runs without maxJobs; early stopping Auto is passed', () => {
    const { template } = tuned({
      strategy: TuningStrategy.GRID,
      maxJobs: undefined,
      ranges: [HyperparameterRange.categorical('optimizer', ['sgd', 'adam']), HyperparameterRange.categorical('loss', ['logistic', 'hinge_loss'])],
      earlyStopping: EarlyStopping.AUTO,
    });
    const config = tuningRequest(template).HyperParameterTuningJobConfig;
    expect(config.ResourceLimits).toEqual({ MaxParallelTrainingJobs: 2 });
    expect(config.ParameterRanges.CategoricalParameterRanges).toEqual([{ Name: 'optimizer', Values: ['sgd', 'adam'] }, { Name: 'loss', Values: ['logistic', 'hinge_loss'] }]);
    expect(config.TrainingJobEarlyStoppingType).toBe('Auto');
  });

  test('the same objective checks hold for the built-in algorithm', () => {
    expect(() => tuned({ algorithm: Algorithm.builtIn('linear-learner') })).not.toThrow();
    expect(() => tuned({ algorithm: Algorithm.builtIn('linear-learner'), objective: TuningObjective.maximize('validation:auc') }))
      .toThrow(/objective: got "validation:auc"; allowed: a metric the linear-learner algorithm emits/);
  });
});

describe('TunedModel rejects bad input at synth', () => {
  const expectError = (overrides: Partial<TunedModelProps>, message: RegExp) => expect(() => tuned(overrides)).toThrow(message);

  test('an objective the algorithm does not emit', () => {
    expectError({ objective: TuningObjective.minimize('validation:loss') }, /objective: got "validation:loss"; allowed: a metric the linear-learner algorithm emits: train:objective_loss, validation:objective_loss/);
  });

  test('a range the algorithm does not accept, one also set statically, and a duplicate', () => {
    let message = '';
    try {
      tuned({ ranges: [HyperparameterRange.integer('depth', 1, 10), HyperparameterRange.categorical('feature_dim', ['10']), HyperparameterRange.integer('epochs', 1, 5), HyperparameterRange.integer('epochs', 1, 9)] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/ranges\[depth\]: got "depth"; allowed: names the linear-learner algorithm accepts/);
    expect(message).toMatch(/ranges\[feature_dim\]: got "feature_dim"; allowed: a hyperparameter that is not also in staticHyperparameters/);
    expect(message).toMatch(/ranges\[epochs\]: got "epochs"; allowed: each hyperparameter in one range/);
  });

  test('min not below max, a Logarithmic range from 0, a ReverseLogarithmic range outside [0, 1), an unknown scaling', () => {
    let message = '';
    try {
      tuned({
        ranges: [
          HyperparameterRange.integer('epochs', 10, 10),
          HyperparameterRange.continuous('learning_rate', 0, 0.1, { scaling: ScalingType.LOGARITHMIC }),
          HyperparameterRange.continuous('momentum', 0.5, 1.5, { scaling: ScalingType.REVERSE_LOGARITHMIC }),
          HyperparameterRange.continuous('wd', 0.1, 0.2, { scaling: 'Exponential' }),
        ],
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/ranges\[epochs\]: got "10..10"; allowed: min < max/);
    expect(message).toMatch(/ranges\[learning_rate\].scaling: got "Logarithmic over 0..0.1"; allowed: min > 0 for a Logarithmic range/);
    expect(message).toMatch(/ranges\[momentum\].scaling: got "ReverseLogarithmic over 0.5..1.5"; allowed: a range within \[0, 1\)/);
    expect(message).toMatch(/ranges\[wd\].scaling: got "Exponential"; allowed: Auto, Linear, Logarithmic, ReverseLogarithmic/);
  });

  test('categorical ranges with no values or more than 30', () => {
    expectError({ ranges: [HyperparameterRange.categorical('optimizer', [])] }, /ranges\[optimizer\]: got "0 values"; allowed: 1 to 30 values/);
    expectError({ ranges: [HyperparameterRange.categorical('optimizer', Array.from({ length: 31 }, (_, i) => `o${i}`))] }, /got "31 values"; allowed: 1 to 30 values/);
  });

  test('Grid with a numeric range or with maxJobs', () => {
    expectError({ strategy: TuningStrategy.GRID }, /strategy: got "Grid"; allowed: only categorical ranges[\s\S]*maxJobs: got 20; allowed: nothing with Grid/);
  });

  test('Hyperband with bad resource settings or early stopping', () => {
    expectError({ strategy: TuningStrategy.hyperband({ minResource: 10, maxResource: 5 }), earlyStopping: EarlyStopping.AUTO },
      /strategy: got "Hyperband with minResource 10, maxResource 5"; allowed: whole numbers with 1 <= minResource < maxResource[\s\S]*earlyStopping: got "Auto"; allowed: Off with Hyperband/);
  });

  test('more parallel jobs than jobs, and more than 30 ranges', () => {
    expectError({ maxJobs: 4, maxParallelJobs: 5 }, /maxParallelJobs: got 5; allowed: at most maxJobs \(4\)/);
    const many = Array.from({ length: 31 }, (_, i) => HyperparameterRange.integer(`epochs${i}`, 1, 2));
    expectError({ algorithm: Algorithm.fromEcrRepository(ecr.Repository.fromRepositoryName(newStack(), 'R', 'r'), 'v1', { metricDefinitions: [{ name: 'validation:objective_loss', regex: 'loss=(\\S+)' }] }), ranges: many },
      /ranges: got "31 ranges"; allowed: 1 to 30 ranges/);
  });

  test('a required hyperparameter set neither statically nor by a range', () => {
    expectError({ staticHyperparameters: { feature_dim: '20' } }, /staticHyperparameters: got \["feature_dim"\]; allowed: a set that includes predictor_type/);
  });
});

describe('TunedModel checks its objective against the algorithm\'s specification', () => {
  test('an objective the predictor type does not emit, or on a channel the job lacks, is a synth error', () => {
    // GIVEN a binary classifier / WHEN tuned on a regression metric / THEN
    expect(() => tuned({ objective: TuningObjective.minimize('validation:rmse') }))
      .toThrow(/objective: got "validation:rmse"; allowed: a metric the linear-learner algorithm emits on channel validation for predictor_type binary_classifier/);
    // GIVEN no test channel / WHEN tuned on a test metric / THEN
    expect(() => tuned({ objective: TuningObjective.minimize('test:objective_loss') }))
      .toThrow(/objective: got "test:objective_loss"; allowed: an objective on a channel the job has \(train, validation\)/);
  });
});
