/**
 * What a reference-sized app costs in resources to review, log and pay for. The numbers are the
 * README's ("Resources per stack"): this test reads them there and fails when either changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Algorithm } from '../../lib/core/algorithm';
import { InstanceType } from '../../lib/core/instance-type';
import { SageMakerNetwork } from '../../lib/core/network';
import { Feature } from '../../lib/feature-store/feature';
import { FeatureStore } from '../../lib/feature-store/feature-store';
import { InferencePipeline, PipelineStage } from '../../lib/inference/inference-pipeline';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { TrainingInput } from '../../lib/training/inputs';
import { SecureTrainingJob } from '../../lib/training/secure-training-job';
import { HyperparameterRange } from '../../lib/tuning/ranges';
import { TuningObjective } from '../../lib/tuning/strategy';
import { TunedModel } from '../../lib/tuning/tuned-model';
import { newApp } from '../helpers/app';

/**
 * One stack: a network, `jobs` K-Means training jobs, a scaler, a tuned Linear Learner, a
 * pipeline of both served by an endpoint, the tuned model on a second endpoint, and a feature
 * group. The training data lives in a bucket of the data lake (imported), as it usually does.
 */
function referenceSizedApp(jobs: number): Template {
  const stack = new Stack(newApp(), 'Platform');
  const network = new SageMakerNetwork(stack, 'Network');
  const lake = s3.Bucket.fromBucketName(stack, 'Lake', 'data-lake');
  for (let i = 0; i < jobs; i++) {
    new SecureTrainingJob(stack, `KMeans${i}`, {
      network, algorithm: Algorithm.kmeans(),
      inputs: [TrainingInput.s3('train', lake, `kmeans/${i}/`)],
      hyperparameters: { k: '10', feature_dim: '784' },
    });
  }
  const scaler = new SecureTrainingJob(stack, 'Scaler', {
    network, algorithm: Algorithm.preprocessing(),
    inputs: [TrainingInput.s3('train', lake, 'churn/train/')],
    hyperparameters: { feature_dim: '20' },
  });
  const churn = new TunedModel(stack, 'Churn', {
    network, algorithm: Algorithm.linearLearner(),
    inputs: [TrainingInput.s3('train', lake, 'churn/train/'), TrainingInput.s3('validation', lake, 'churn/validation/')],
    staticHyperparameters: { predictor_type: 'binary_classifier', feature_dim: '20' },
    objective: TuningObjective.minimize('validation:objective_loss'),
    ranges: [HyperparameterRange.continuous('learning_rate', 1e-4, 1e-1)],
  });
  const pipeline = new InferencePipeline(stack, 'Pipeline', {
    network, stages: [PipelineStage.fromModel(scaler), PipelineStage.fromModel(churn)],
  });
  new MonitoredEndpoint(stack, 'PipelineEndpoint', { model: pipeline, instanceType: InstanceType.ML_M5_LARGE });
  new MonitoredEndpoint(stack, 'ChurnEndpoint', { model: churn });
  new FeatureStore(stack, 'Features', { network }).addFeatureGroup('Customers', {
    recordIdentifier: Feature.string('customer_id'), eventTime: Feature.fractional('event_time'),
    features: [Feature.integral('age')], online: {},
  });
  return Template.fromStack(stack);
}

function count(template: Template, type: string): number {
  return Object.keys(template.findResources(type)).length;
}

/** The README's sentence: "... makes **N** resources: **B** buckets, **F** Lambda functions ... and **Q** queue". */
function readmeCounts(): Record<string, number> {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Resources per stack'));
  const number = (label: string) => Number(new RegExp(`\\*\\*(\\d+)\\*\\* ${label}`).exec(section)?.[1]);
  return { resources: number('resources'), buckets: number('buckets'), functions: number('Lambda functions'), queues: number('queues?') };
}

describe('resources of a reference-sized app', () => {
  const small = referenceSizedApp(1);
  const large = referenceSizedApp(4);

  test('one job handler function per stack, whatever the number of jobs', () => {
    const handlers = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))
      .filter((fn: any) => /deploy-time SageMaker jobs/.test(fn.Properties.Description ?? ''));
    expect(handlers(small)).toHaveLength(1);
    expect(handlers(large)).toHaveLength(1);
    for (const type of ['AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup', 'AWS::EC2::SecurityGroup', 'AWS::S3::Bucket']) {
      expect([type, count(large, type)]).toEqual([type, count(small, type)]);
    }
    // Each function reserves a little concurrency; the total does not grow with the jobs.
    const reserved = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))
      .reduce((sum: number, fn: any) => sum + (fn.Properties.ReservedConcurrentExecutions ?? 0), 0);
    expect(reserved(large)).toBe(reserved(small));
  });

  test('at most 2 buckets by default: the platform bucket and its access-log bucket', () => {
    expect(count(small, 'AWS::S3::Bucket')).toBeLessThanOrEqual(2);
  });

  test('the README states the counts', () => {
    const stated = readmeCounts();
    expect({
      resources: Object.keys(small.toJSON().Resources).length,
      buckets: count(small, 'AWS::S3::Bucket'),
      functions: count(small, 'AWS::Lambda::Function'),
      queues: count(small, 'AWS::SQS::Queue'),
    }).toEqual(stated);
  });
});
