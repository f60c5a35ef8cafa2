import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  DeploymentStrategy, FeatureGroup, IModelRegistry, InferencePipeline, InstanceType, ManagedPolicyRole, MonitoredEndpoint, MonitoringBaseline,
  PipelineStage, ProblemType, SecureBucket, SecureTrainingJob, ServableModel, TunedModel,
} from '../lib';

/** The churn model's 20 CSV features, in request order; column 0 flags senior customers. */
const CHURN_FEATURES = ['senior', ...Array.from({ length: 19 }, (_, i) => `f${i + 1}`)];

export interface ServingStackProps extends StackProps {
  readonly customers: FeatureGroup;
  readonly churnModel: TunedModel;
  readonly churnScaler: SecureTrainingJob;
  readonly churnRegistry: IModelRegistry;
  readonly data: SecureBucket;
}

/**
 * Serving: the newest approved version of the churn model behind a monitored endpoint (canary deployments with rollback,
 * autoscaling, data capture, hourly data-quality, model-quality and bias monitors), the same model
 * behind its scaler as a pipeline endpoint, an asynchronous endpoint for large requests that
 * scales to zero, and the scoring API's role, which reads customer features and invokes them.
 */
export class ServingStack extends Stack {
  public readonly apiRole: ManagedPolicyRole;
  public readonly churn: MonitoredEndpoint;
  public readonly churnPipeline: InferencePipeline;
  public readonly churnPipelineEndpoint: MonitoredEndpoint;
  public readonly churnAsync: MonitoredEndpoint;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    this.churn = new MonitoredEndpoint(this, 'Churn', {
      // The newest approved version, read at deploy; approvals between deploys are promoted
      // without one, and a later deploy never puts an older version back.
      model: ServableModel.fromLatestApproved(props.churnRegistry, {
        algorithm: props.churnModel.algorithm,
        artifactBucket: props.data.bucket,
        artifactKeyPrefix: 'models/churn/',
        network: props.churnModel.network,
      }),
      instanceType: InstanceType.ML_M5_LARGE,
      autoScaling: { minCapacity: 2, maxCapacity: 8, targetInvocationsPerInstance: 500 },
      dataCapture: { samplingPercentage: 20, bucket: props.data.bucket },
      monitoring: {
        // Headerless CSV: Model Monitor names the columns _c0, _c1, ...; alarm on the first three features' drift.
        dataQuality: { baseline: MonitoringBaseline.fromDataset(props.data.bucket, 'churn/baseline/'), driftAlarmFeatures: ['_c0', '_c1', '_c2'] },
        // Labels arrive a day later (JSON Lines under churn/labels/yyyy/mm/dd/hh/, one per inference id).
        modelQuality: {
          problemType: ProblemType.BINARY_CLASSIFICATION,
          groundTruth: { bucket: props.data.bucket, prefix: 'churn/labels/' },
          labelDelay: Duration.days(1),
          alarms: { minAccuracy: 0.9, minAuc: 0.85 },
        },
        // Bias drift of the same labelled predictions: churn predicted for seniors (column 0) vs the rest.
        bias: {
          label: 'churned',
          headers: [...CHURN_FEATURES, 'churned'],
          facets: [{ name: 'senior', valuesOrThreshold: [1] }],
          groundTruth: { bucket: props.data.bucket, prefix: 'churn/labels/' },
          labelDelay: Duration.days(1),
          maxBiasMetrics: { DPPL: 0.1 },
        },
      },
      deployment: DeploymentStrategy.canary({ canaryPercent: 10, bake: Duration.minutes(10) }),
    });

    // The same model behind its scaler, as a serial pipeline: a second endpoint for raw records,
    // and a nightly batch transform of the day's customers.
    this.churnPipeline = new InferencePipeline(this, 'ChurnPipeline', {
      network: props.churnModel.network,
      stages: [
        PipelineStage.fromModel(props.churnScaler, { hostname: 'scaler' }),
        PipelineStage.fromModel(props.churnModel, { hostname: 'churn' }),
      ],
    });
    this.churnPipelineEndpoint = new MonitoredEndpoint(this, 'ChurnPipelineEndpoint', {
      model: this.churnPipeline,
      autoScaling: { maxCapacity: 4 },
      dataCapture: { bucket: props.data.bucket },
      deployment: DeploymentStrategy.linear({ stepPercent: 50, bake: Duration.minutes(5) }),
    });
    this.churnPipeline.addBatchTransform('NightlyScoring', {
      inputBucket: props.data.bucket,
      inputPrefix: 'churn/batch/in/',
      outputBucket: props.data.bucket,
      outputPrefix: 'churn/batch/out/',
      schedule: 'cron(0 3 * * ? *)',
    });

    // Large scoring requests (a whole customer file per call) go to an asynchronous endpoint:
    // queued from S3, results and failures to S3 (KMS) and SNS, down to zero instances when idle.
    this.churnAsync = new MonitoredEndpoint(this, 'ChurnAsync', {
      model: props.churnModel,
      autoScaling: { maxCapacity: 4 },
      dataCapture: { bucket: props.data.bucket },
      asyncInference: {
        output: { bucket: props.data.bucket, prefix: 'churn/async/out/' },
        input: { bucket: props.data.bucket, prefix: 'churn/async/in/' },
        maxConcurrentInvocationsPerInstance: 4,
        scaleToZero: true,
      },
    });

    this.apiRole = new ManagedPolicyRole(this, 'ScoringApiRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The scoring API: reads customer features and invokes the churn model',
    });
    props.customers.grantRead(this.apiRole);
    this.churn.grantInvoke(this.apiRole);
    this.churnPipelineEndpoint.grantInvoke(this.apiRole);
    this.churnAsync.grantInvoke(this.apiRole);
  }
}
