/**
 * One table of invalid configurations across the five constructs: each must be rejected at synth
 * with a SageMakerValidationError whose problems name the prop that is wrong. Each row changes one
 * thing in a configuration that is otherwise valid (the first test proves the bases are).
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Algorithm } from '../../lib/core/algorithm';
import { SageMakerValidationError } from '../../lib/core/errors';
import { SageMakerNetwork } from '../../lib/core/network';
import { SecureBucket } from '../../lib/core/storage';
import { Feature } from '../../lib/feature-store/feature';
import { FeatureGroupProps, ThroughputMode } from '../../lib/feature-store/feature-group';
import { FeatureStore, FeatureStoreProps } from '../../lib/feature-store/feature-store';
import { DeploymentStrategy } from '../../lib/inference/deployment';
import { BatchTransformOptions } from '../../lib/inference/batch-transform';
import { InferencePipeline, InferencePipelineProps, PipelineStage } from '../../lib/inference/inference-pipeline';
import { MonitoredEndpoint, MonitoredEndpointProps } from '../../lib/inference/monitored-endpoint';
import { MonitoringBaseline } from '../../lib/inference/model-monitor';
import { InputMode, TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob, SecureTrainingJobProps } from '../../lib/training/secure-training-job';
import { HyperparameterRange, ScalingType } from '../../lib/tuning/ranges';
import { EarlyStopping, TuningObjective, TuningStrategy, WarmStart } from '../../lib/tuning/strategy';
import { TunedModel, TunedModelProps } from '../../lib/tuning/tuned-model';
import { newStack } from '../helpers/nag';

type Build = (stack: Stack, data: SecureBucket) => void;

const training = (overrides: Partial<SecureTrainingJobProps> = {}): Build => (stack, data) => new SecureTrainingJob(stack, 'Job', {
  algorithm: Algorithm.kmeans(),
  inputs: [TrainingInput.s3('train', data.bucket, 'kmeans/train/')],
  hyperparameters: { k: '10', feature_dim: '784' },
  ...overrides,
});

const tuning = (overrides: Partial<TunedModelProps> = {}): Build => (stack, data) => new TunedModel(stack, 'Tuned', {
  algorithm: Algorithm.linearLearner(),
  inputs: [TrainingInput.s3('train', data.bucket, 'll/train/'), TrainingInput.s3('validation', data.bucket, 'll/val/')],
  staticHyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
  objective: TuningObjective.minimize('validation:objective_loss'),
  ranges: [HyperparameterRange.continuous('learning_rate', 1e-4, 1e-1, { scaling: ScalingType.LOGARITHMIC }), HyperparameterRange.integer('mini_batch_size', 100, 5000)],
  maxJobs: 20,
  maxParallelJobs: 2,
  ...overrides,
});

const endpoint = (overrides: Partial<MonitoredEndpointProps> = {}): Build => (stack, data) => {
  const job = new SecureTrainingJob(stack, 'Job', {
    algorithm: Algorithm.kmeans(), inputs: [TrainingInput.s3('train', data.bucket, 'in/')], hyperparameters: { k: '3', feature_dim: '4' },
  });
  new MonitoredEndpoint(stack, 'Endpoint', { model: job, ...overrides });
};

const stages = (count: number) => Array.from({ length: count }, (_, i) => PipelineStage.fromAlgorithm(Algorithm.builtIn('kmeans'), { hostname: `stage${i}` }));
const pipeline = (overrides: Partial<InferencePipelineProps> = {}, transform: Partial<BatchTransformOptions> = {}): Build => (stack, data) => {
  const model = new InferencePipeline(stack, 'Pipeline', { stages: stages(2), ...overrides });
  model.addBatchTransform('Nightly', { inputBucket: data.bucket, inputPrefix: 'in/', outputBucket: data.bucket, outputPrefix: 'out/', ...transform });
};

const GROUP: FeatureGroupProps = {
  recordIdentifier: Feature.string('customer_id'),
  eventTime: Feature.fractional('event_time'),
  features: [Feature.integral('age')],
  online: { ttl: Duration.days(30) },
};
const featureStore = (group: Partial<FeatureGroupProps> = {}, store: Partial<FeatureStoreProps> = {}): Build => (stack) => {
  new FeatureStore(stack, 'Features', { network: new SageMakerNetwork(stack, 'Network'), ...store }).addFeatureGroup('Customers', { ...GROUP, ...group });
};

const trainOnly = (stack: Stack) => Algorithm.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'trainer'), 'v1', { canServe: false, name: 'trainer' });

/** [construct, what is wrong, the prop the error must name, how to build it]. */
const INVALID: Array<[string, string, string, Build]> = [
  ['SecureTrainingJob', 'a hyperparameter the algorithm does not accept', 'hyperparameters.learning_rate', training({ hyperparameters: { k: '10', feature_dim: '784', learning_rate: '0.1' } })],
  ['SecureTrainingJob', 'a required hyperparameter missing', 'hyperparameters', training({ hyperparameters: { feature_dim: '784' } })],
  ['SecureTrainingJob', 'a hyperparameter value over 2,500 characters', 'hyperparameters.k', training({ hyperparameters: { k: '1'.repeat(2501), feature_dim: '784' } })],
  ['SecureTrainingJob', 'no input channels', 'inputs', training({ inputs: [] })],
  ['SecureTrainingJob', 'a channel name with a space', 'inputs[].channelName', (s, d) => training({ inputs: [TrainingInput.s3('train data', d.bucket, 'x/')] })(s, d)],
  ['SecureTrainingJob', 'a channel the algorithm does not read', 'inputs[].channelName', (s, d) => training({ inputs: [TrainingInput.s3('train', d.bucket, 'x/'), TrainingInput.s3('validation', d.bucket, 'y/')] })(s, d)],
  ['SecureTrainingJob', 'the same channel twice', 'inputs[].channelName', (s, d) => training({ inputs: [TrainingInput.s3('train', d.bucket, 'x/'), TrainingInput.s3('train', d.bucket, 'y/')] })(s, d)],
  ['SecureTrainingJob', 'channels in different input modes', 'inputs[].inputMode', (s, d) => training({
    inputs: [TrainingInput.s3('train', d.bucket, 'x/', { inputMode: InputMode.PIPE }), TrainingInput.s3('test', d.bucket, 'y/', { inputMode: InputMode.FILE })],
  })(s, d)],
  ['SecureTrainingJob', 'no instances', 'instanceCount', training({ instanceCount: 0 })],
  ['SecureTrainingJob', 'a fractional instance count', 'instanceCount', training({ instanceCount: 1.5 })],
  ['SecureTrainingJob', 'a volume over 16 TiB', 'volumeSize', training({ volumeSize: Size.gibibytes(16385) })],
  ['SecureTrainingJob', 'a maximum runtime over 28 days', 'maxRuntime', training({ maxRuntime: Duration.days(29) })],
  ['SecureTrainingJob', 'maxWait without spot', 'maxWait', training({ maxWait: Duration.hours(30) })],
  ['SecureTrainingJob', 'maxWait shorter than maxRuntime', 'maxWait', training({ algorithm: Algorithm.linearLearner(), hyperparameters: { predictor_type: 'regressor', feature_dim: '2' }, spot: true, maxRuntime: Duration.hours(4), maxWait: Duration.hours(3) })],
  ['SecureTrainingJob', 'spot for an algorithm that cannot resume', 'spot', training({ algorithm: Algorithm.builtIn('kmeans'), spot: true })],
  ['SecureTrainingJob', 'a deploy wait over 12 hours', 'waitTimeout', training({ waitTimeout: Duration.hours(13) })],
  ['SecureTrainingJob', 'an output prefix without a trailing "/"', 'outputPrefix', training({ outputPrefix: 'models' })],

  ['TunedModel', 'an objective the algorithm does not emit', 'objective', tuning({ objective: TuningObjective.maximize('validation:auc') })],
  ['TunedModel', 'an algorithm whose image cannot serve', 'algorithm', (s, d) => tuning({ algorithm: trainOnly(s), staticHyperparameters: {}, objective: TuningObjective.minimize('loss') })(s, d)],
  ['TunedModel', 'no ranges', 'ranges', tuning({ ranges: [] })],
  ['TunedModel', 'a range of an unknown hyperparameter', 'ranges[depth]', tuning({ ranges: [HyperparameterRange.integer('depth', 1, 10)] })],
  ['TunedModel', 'a range of a hyperparameter also set statically', 'ranges[feature_dim]', tuning({ ranges: [HyperparameterRange.categorical('feature_dim', ['10', '20'])] })],
  ['TunedModel', 'two ranges of one hyperparameter', 'ranges[epochs]', tuning({ ranges: [HyperparameterRange.integer('epochs', 1, 5), HyperparameterRange.integer('epochs', 1, 9)] })],
  ['TunedModel', 'min equal to max', 'ranges[epochs]', tuning({ ranges: [HyperparameterRange.integer('epochs', 10, 10)] })],
  ['TunedModel', 'a Logarithmic range from 0', 'ranges[learning_rate].scaling', tuning({ ranges: [HyperparameterRange.continuous('learning_rate', 0, 0.1, { scaling: ScalingType.LOGARITHMIC })] })],
  ['TunedModel', 'a categorical range with 31 values', 'ranges[optimizer]', tuning({ ranges: [HyperparameterRange.categorical('optimizer', Array.from({ length: 31 }, (_, i) => `o${i}`))] })],
  ['TunedModel', 'Grid over a numeric range', 'strategy', tuning({ strategy: TuningStrategy.GRID, maxJobs: undefined, maxParallelJobs: 1 })],
  ['TunedModel', 'Grid with maxJobs', 'maxJobs', tuning({ strategy: TuningStrategy.GRID, ranges: [HyperparameterRange.categorical('optimizer', ['sgd', 'adam'])] })],
  ['TunedModel', 'Hyperband with minResource above maxResource', 'strategy', tuning({ strategy: TuningStrategy.hyperband({ minResource: 10, maxResource: 5 }) })],
  ['TunedModel', 'Hyperband with early stopping', 'earlyStopping', tuning({ strategy: TuningStrategy.hyperband({ minResource: 1, maxResource: 10 }), earlyStopping: EarlyStopping.AUTO })],
  ['TunedModel', 'no jobs', 'maxJobs', tuning({ maxJobs: 0, maxParallelJobs: 1 })],
  ['TunedModel', 'more parallel jobs than jobs', 'maxParallelJobs', tuning({ maxJobs: 2, maxParallelJobs: 3 })],
  ['TunedModel', 'warm start from six parents', 'warmStartFrom', tuning({ warmStartFrom: WarmStart.transferLearning(['a', 'b', 'c', 'd', 'e', 'f']) })],
  ['TunedModel', 'stopping after two jobs without improvement', 'completionCriteria.maxJobsNotImproving', tuning({ completionCriteria: { maxJobsNotImproving: 2 } })],
  ['TunedModel', 'a tuning runtime of one minute', 'tuningMaxRuntime', tuning({ tuningMaxRuntime: Duration.minutes(1) })],

  ['MonitoredEndpoint', 'an endpoint name with "_"', 'endpointName', endpoint({ endpointName: 'bad_name' })],
  ['MonitoredEndpoint', 'eleven variants', 'variants', endpoint({ variants: Array.from({ length: 11 }, (_, i) => ({ name: `v${i}` })) })],
  ['MonitoredEndpoint', 'a variant name with a space', 'variants[].name', endpoint({ variants: [{ name: 'my variant' }] })],
  ['MonitoredEndpoint', 'two variants of one name', 'variants[].name', endpoint({ variants: [{ name: 'A' }, { name: 'A' }] })],
  ['MonitoredEndpoint', 'every weight zero', 'variants[].weight', endpoint({ variants: [{ name: 'A', weight: 0 }] })],
  ['MonitoredEndpoint', 'a negative weight', 'variants[A].weight', endpoint({ variants: [{ name: 'A', weight: -1 }, { name: 'B' }] })],
  ['MonitoredEndpoint', 'a single instance without the opt-out', 'variants[A].initialInstanceCount', endpoint({ variants: [{ name: 'A', initialInstanceCount: 1 }] })],
  ['MonitoredEndpoint', 'serverless memory not in 1 GB steps', 'variants[S].serverless.memorySizeMb', endpoint({ variants: [{ name: 'S', serverless: { memorySizeMb: 1000, maxConcurrency: 5 } }], disableDataCapture: true })],
  ['MonitoredEndpoint', 'serverless concurrency over 200', 'variants[S].serverless.maxConcurrency', endpoint({ variants: [{ name: 'S', serverless: { memorySizeMb: 2048, maxConcurrency: 201 } }], disableDataCapture: true })],
  ['MonitoredEndpoint', 'serverless with data capture left on', 'disableDataCapture', endpoint({ variants: [{ name: 'S', serverless: { memorySizeMb: 2048, maxConcurrency: 5 } }] })],
  ['MonitoredEndpoint', 'capture sampling over 100 %', 'dataCapture.samplingPercentage', endpoint({ dataCapture: { samplingPercentage: 120 } })],
  ['MonitoredEndpoint', 'monitoring with data capture off', 'monitoring', endpoint({ disableDataCapture: true, monitoring: { baseline: MonitoringBaseline.fromS3('s3://b/statistics.json', 's3://b/constraints.json') } })],
  ['MonitoredEndpoint', 'minCapacity above maxCapacity', 'autoScaling.minCapacity', endpoint({ autoScaling: { minCapacity: 5, maxCapacity: 3 } })],
  ['MonitoredEndpoint', 'a CPU target over 100 %', 'autoScaling.target*Utilization', endpoint({ autoScaling: { maxCapacity: 4, targetCpuUtilization: 150 } })],
  ['MonitoredEndpoint', 'a canary of 60 %', 'deployment.canaryPercent', endpoint({ deployment: DeploymentStrategy.canary({ canaryPercent: 60, bake: Duration.minutes(5) }) })],
  ['MonitoredEndpoint', 'linear steps of 5 %', 'deployment.stepPercent', endpoint({ deployment: DeploymentStrategy.linear({ stepPercent: 5, bake: Duration.minutes(1) }) })],

  ['InferencePipeline', 'one stage', 'stages', pipeline({ stages: stages(1) })],
  ['InferencePipeline', 'sixteen stages', 'stages', pipeline({ stages: stages(16) })],
  ['InferencePipeline', 'a stage whose image cannot serve', 'stages[].algorithm', (s, d) => pipeline({ stages: [...stages(1), PipelineStage.fromAlgorithm(trainOnly(s))] })(s, d)],
  ['InferencePipeline', 'a hostname with "_"', 'stages[].hostname', pipeline({ stages: [...stages(1), PipelineStage.fromAlgorithm(Algorithm.builtIn('kmeans'), { hostname: 'a_b' })] })],
  ['InferencePipeline', 'one hostname twice', 'stages[].hostname', pipeline({ stages: [...stages(1), ...stages(1)] })],
  ['InferencePipeline', 'an unknown split type', 'splitType', pipeline({}, { splitType: 'Paragraph' })],
  ['InferencePipeline', 'an unknown batch strategy', 'batchStrategy', pipeline({}, { batchStrategy: 'AllAtOnce' })],
  ['InferencePipeline', 'MultiRecord with unsplit input', 'batchStrategy', pipeline({}, { splitType: 'None', batchStrategy: 'MultiRecord' })],
  ['InferencePipeline', 'RecordIO splitting of CSV', 'contentType', pipeline({}, { splitType: 'RecordIO', contentType: 'text/csv' })],
  ['InferencePipeline', 'a payload over 100 MB', 'maxPayloadMb', pipeline({}, { maxPayloadMb: 101, maxConcurrentTransforms: 1 })],
  ['InferencePipeline', 'no concurrent transforms', 'maxConcurrentTransforms', pipeline({}, { maxConcurrentTransforms: 0 })],
  ['InferencePipeline', 'payload × concurrency over 100 MB', 'maxPayloadMb × maxConcurrentTransforms', pipeline({}, { maxPayloadMb: 50, maxConcurrentTransforms: 4 })],
  ['InferencePipeline', 'an output prefix without a trailing "/"', 'outputPrefix', pipeline({}, { outputPrefix: 'out' })],

  ['FeatureStore', 'a Glue database name with upper case', 'databaseName', featureStore({}, { databaseName: 'Features' })],
  ['FeatureStore', 'a feature group name with a space', 'featureGroupName', featureStore({ featureGroupName: 'my customers' })],
  ['FeatureStore', 'a feature name with a space', 'features[].name', featureStore({ features: [Feature.integral('bad name')] })],
  ['FeatureStore', 'a reserved feature name', 'features[].name', featureStore({ features: [Feature.integral('write_time')] })],
  ['FeatureStore', 'one feature name twice', 'features[].name', featureStore({ features: [Feature.integral('age'), Feature.fractional('age')] })],
  ['FeatureStore', 'more than 2,500 features', 'features', featureStore({ features: Array.from({ length: 2500 }, (_, i) => Feature.integral(`f${i}`)) })],
  ['FeatureStore', 'a Fractional record identifier', 'recordIdentifier', featureStore({ recordIdentifier: Feature.fractional('score') })],
  ['FeatureStore', 'an Integral event time', 'eventTime', featureStore({ eventTime: Feature.integral('ts') })],
  ['FeatureStore', 'the record identifier as event time', 'eventTime', featureStore({ recordIdentifier: Feature.string('id'), eventTime: Feature.string('id') })],
  ['FeatureStore', 'neither an online nor an offline store', 'online', featureStore({ online: undefined, disableOfflineStore: true })],
  ['FeatureStore', 'a TTL of 30 seconds', 'online.ttl', featureStore({ online: { ttl: Duration.seconds(30) } })],
  ['FeatureStore', 'provisioned throughput of 0 read units', 'throughput.readCapacityUnits', featureStore({ throughput: ThroughputMode.provisioned(0, 1) })],
  ['FeatureStore', 'provisioned throughput without an online store', 'throughput', featureStore({ online: undefined, throughput: ThroughputMode.provisioned(1, 1) })],
];

function problemsOf(build: Build): string[] {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  try {
    build(stack, data);
  } catch (error) {
    if (error instanceof SageMakerValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('invalid construct inputs are rejected at synth, naming the prop', () => {
  test('the table covers at least 40 configurations across all five constructs', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
    expect(new Set(INVALID.map(([construct]) => construct))).toEqual(new Set(['SecureTrainingJob', 'TunedModel', 'MonitoredEndpoint', 'InferencePipeline', 'FeatureStore']));
  });

  test('the configurations the table starts from are valid', () => {
    for (const base of [training(), tuning(), endpoint(), pipeline(), featureStore()]) expect(problemsOf(base)).toEqual([]);
  });

  test.each(INVALID)('%s: %s', (_construct, _what, prop, build) => {
    const problems = problemsOf(build);
    // Each problem reads "<prop>: got <value>; allowed: <what is>".
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((problem) => problem.startsWith(`${prop}: got `) && problem.includes('; allowed: '))).toBe(true);
  });
});
