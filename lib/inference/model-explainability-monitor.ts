import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { acknowledge } from '../core/private/nag-acknowledgments';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';
import { baselineJob } from './private/baseline-job';
import { CLARIFY_CONFIG_INPUT, CLARIFY_DATA_INPUT, clarifyImage, writeAnalysisConfig } from './private/clarify';
import { explainabilityProblems } from './private/explainability-checks';
import { MONITOR_INPUT as INPUT, MONITOR_OUTPUT as OUTPUT, MonitorJobSettings, monitorJobSettings, monitorRole } from './private/monitor-jobs';
import { boundedName } from './private/names';
import { monitoringSchedule } from './private/monitoring-schedule';
import { configurationHash, DeployTimeJob } from '../private/deploy-time-job';

/** How Clarify aggregates the SHAP values of all records into one global value per feature. */
export enum ShapAggregation {
  /** Mean of the absolute SHAP values. */
  MEAN_ABS = 'mean_abs',
  /** Median of the SHAP values. */
  MEDIAN = 'median',
  /** Mean of the squared SHAP values. */
  MEAN_SQ = 'mean_sq',
}

/**
 * The background data of Kernel SHAP: what each feature is replaced with when it is "absent".
 */
export class ShapBaseline {
  /** One row of feature values (no label), in the order of the request's columns. */
  public static fromValues(values: number[]): ShapBaseline {
    return new ShapBaseline(values, undefined);
  }

  /** A CSV object of rows of feature values (no label, no header) in S3. The monitor's role reads it. */
  public static fromS3(bucket: s3.IBucket, key: string): ShapBaseline {
    return new ShapBaseline(undefined, { bucket, key });
  }

  private constructor(
    /** The row, when given inline. */
    public readonly values?: number[],
    /** The object, when in S3. */
    public readonly object?: ShapBaselineObject,
  ) {}
}

/** Where a SHAP baseline object is. */
export interface ShapBaselineObject {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The object's key. */
  readonly key: string;
}

/** The dataset an explainability baseline's SHAP values are computed over. */
export interface ExplainabilityDatasetOptions {
  /**
   * The column of the true label, when the dataset has one: its name in `headers`. Clarify
   * leaves it out of the explained features.
   *
   * @default - none: every column is a feature, in the order of the requests
   */
  readonly label?: string;

  /**
   * The names of the dataset's columns, the label's included.
   *
   * @default - the monitor's `headers`
   */
  readonly headers?: string[];
}

/**
 * The constraints (Clarify's `analysis.json` of a baselining run) the explainability monitor
 * compares each run's global SHAP values with.
 */
export class ExplainabilityBaseline {
  /** An analysis computed elsewhere (e.g. by `ModelExplainabilityMonitor.suggest_baseline`). */
  public static fromS3(constraintsUri: string): ExplainabilityBaseline {
    return new ExplainabilityBaseline(constraintsUri);
  }

  /**
   * Computed at deploy time by a Clarify processing job over a headerless CSV dataset (e.g. the
   * validation channel): Clarify starts a shadow copy of the model, computes the dataset's
   * global SHAP values and writes them as the constraints. The deploy waits for the job and fails
   * with its reason; a changed configuration or dataset location runs it again.
   */
  public static fromDataset(bucket: s3.IBucket, prefix: string, options: ExplainabilityDatasetOptions = {}): ExplainabilityBaseline {
    return new ExplainabilityBaseline(undefined, bucket, prefix, options);
  }

  private constructor(
    /** The constraints' S3 URI, when computed elsewhere. */
    public readonly constraintsUri?: string,
    /** The dataset's bucket, when computed at deploy time. */
    public readonly datasetBucket?: s3.IBucket,
    /** The dataset's prefix. */
    public readonly datasetPrefix?: string,
    /** The dataset's columns. */
    public readonly dataset?: ExplainabilityDatasetOptions,
  ) {}
}

/**
 * A feature-attribution drift schedule: SageMaker Clarify computes Kernel SHAP values of the
 * captured requests on a shadow copy of the model and compares their global ranking with the
 * baseline's.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-model-monitor-feature-attribution-drift.html
 */
export interface ExplainabilityOptions {
  /** The Kernel SHAP background data. */
  readonly shapBaseline: ShapBaseline;

  /**
   * The number of samples of Kernel SHAP's synthetic dataset per record.
   *
   * @default - chosen by Clarify from the number of features
   */
  readonly numberOfSamples?: number;

  /**
   * How the records' SHAP values aggregate into one global value per feature.
   *
   * @default ShapAggregation.MEAN_ABS
   */
  readonly aggregationMethod?: ShapAggregation;

  /**
   * The names of the request's feature columns (no label): the metrics are named after them.
   *
   * @default - none: features are named by their index
   */
  readonly headers?: string[];

  /**
   * The format of the model's requests: `text/csv` or `application/jsonlines`.
   *
   * @default 'text/csv'
   */
  readonly contentType?: string;

  /**
   * The format of the model's responses: `text/csv` or `application/jsonlines`.
   *
   * @default - `application/jsonlines` for Linear Learner; the content type otherwise
   */
  readonly acceptType?: string;

  /**
   * The path of the explained score in the shadow model's response.
   *
   * @default - `score` for Linear Learner; the whole response otherwise
   */
  readonly probability?: string;

  /**
   * The path of the features in a JSON Lines request.
   *
   * @default - none (CSV requests)
   */
  readonly featuresAttribute?: string;

  /**
   * What the global SHAP values are compared with (nDCG of the rankings; Clarify reports a
   * violation under 0.9).
   *
   * @default - no baseline: the values are published, no violations reported
   */
  readonly baseline?: ExplainabilityBaseline;

  /**
   * Alarm when a feature's global SHAP value (metric `feature_<name>`) exceeds a threshold, by
   * feature name, e.g. `{ age: 0.3 }`. Clarify publishes no drift score itself, only these values.
   *
   * @default - no alarms (the values are still published)
   */
  readonly maxFeatureAttributions?: Record<string, number>;

  /**
   * When the monitor runs, as a SageMaker cron expression (at most hourly).
   *
   * @default 'cron(0 * ? * * *)' (hourly)
   */
  readonly scheduleExpression?: string;

  /**
   * The instance type of the monitoring jobs.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * The instance type of the shadow copy of the model Clarify invokes during each run.
   *
   * @default InstanceType.ML_M5_LARGE
   */
  readonly shadowInstanceType?: InstanceType;
}

/**
 * Properties of a {@link ModelExplainabilityMonitor}: what it monitors and where its jobs run.
 */
export interface ModelExplainabilityMonitorProps extends ExplainabilityOptions {
  /** The name of the endpoint monitored. */
  readonly endpointName: string;
  /** The endpoint resource: the monitor's job definition is created after it. */
  readonly endpoint: IDependable;
  /** The name of the model the shadow copy serves (the endpoint's default variant's). */
  readonly modelName: string;
  /** The bucket the endpoint captures to; the configuration and reports go there too (under `model-explainability/<endpoint>/`). */
  readonly captureBucket: s3.IBucket;
  /** The key prefix of the endpoint's captures. */
  readonly capturePrefix: string;
  /** The network the monitoring jobs run in. */
  readonly network: SageMakerNetwork;
  /** The key of the monitoring jobs' volumes, output and configuration. */
  readonly encryptionKey: kms.IKey;
}

/** The prefix of the shadow endpoints Clarify starts (and deletes) during each run. */
const SHADOW_PREFIX = 'sm-clarify-';

const NO_ISOLATION_REASON = 'Clarify computes SHAP values by starting and invoking a shadow copy of the model: the container must reach the SageMaker API and runtime '
  + '(through the VPC\'s interface endpoints only; the job runs in the VPC without internet).';

/**
 * SageMaker Clarify feature-attribution drift: the analysis configuration written at deploy time
 * from the typed props, a ModelExplainability job definition over the captures and an hourly
 * schedule, in the VPC with inter-container encryption and KMS on volumes and outputs, run by a
 * role that reads only the captures and the SHAP baseline, writes only its own prefix, and
 * starts, invokes and deletes only Clarify's shadow endpoints.
 *
 * Unlike the other monitors, the job runs without network isolation: Clarify computes SHAP
 * values by invoking a shadow copy of the model, through the network's SageMaker API and runtime
 * endpoints.
 */
export class ModelExplainabilityMonitor extends Construct {
  /** The monitoring schedule's name. */
  public readonly scheduleName: string;

  /** The S3 URI of the constraints the schedule compares with, when it has a baseline. */
  public readonly constraintsUri?: string;

  private readonly endpointName: string;
  private baselining?: DeployTimeJob;

  constructor(scope: Construct, id: string, props: ModelExplainabilityMonitorProps) {
    super(scope, id);
    const problems = ValidationProblems.of('ModelExplainabilityMonitor', scope, id);
    explainabilityProblems(problems, '', props);
    problems.throwIfAny();
    this.endpointName = props.endpointName;
    const outputPrefix = `model-explainability/${props.endpointName}/`;
    const shap = props.shapBaseline;
    const { role } = monitorRole(this, `Explainability monitor of ${props.endpointName}`, props.encryptionKey, (grantee) => {
      grantee.grantRead(props.captureBucket, props.capturePrefix);
      grantee.grantWrite(props.captureBucket, outputPrefix);
      if (shap.object) grantee.grantRead(shap.object.bucket, shap.object.key);
      if (props.baseline?.datasetBucket) grantee.grantRead(props.baseline.datasetBucket, props.baseline.datasetPrefix);
    });
    // Clarify starts a shadow endpoint of the model for each run, invokes it and deletes it.
    const sagemakerArn = (resource: string) => `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const shadowEndpoints = sagemakerArn(`endpoint/${SHADOW_PREFIX}*`);
    const shadowConfigs = sagemakerArn(`endpoint-config/${SHADOW_PREFIX}*`);
    role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateEndpoint', 'sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint', 'sagemaker:DeleteEndpoint'],
      resources: [shadowEndpoints],
    }));
    role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
      resources: [shadowConfigs],
    }));
    const reason = 'Clarify names each run\'s shadow endpoint (and its configuration) with a fresh suffix under sm-clarify-; it starts, invokes and deletes only those.';
    acknowledgeWildcardResource(role, shadowEndpoints, reason);
    acknowledgeWildcardResource(role, shadowConfigs, reason);

    const image = clarifyImage(this, role);
    const settings = monitorJobSettings(props.network, props.encryptionKey, props.instanceType);
    // The container calls SageMaker (the shadow endpoint) through the VPC's interface endpoints.
    const networkConfig = { ...settings.networkConfig, enableNetworkIsolation: false };

    const contentType = props.contentType ?? 'text/csv';
    const analysis: Record<string, unknown> = {
      ...(props.headers ? { headers: props.headers } : {}),
      methods: {
        shap: {
          baseline: shap.values ? [shap.values] : shap.object!.bucket.s3UrlForObject(shap.object!.key),
          ...(props.numberOfSamples !== undefined ? { num_samples: props.numberOfSamples } : {}),
          agg_method: props.aggregationMethod ?? ShapAggregation.MEAN_ABS,
          use_logit: false,
          save_local_shap_values: false,
        },
      },
      predictor: {
        model_name: props.modelName,
        instance_type: (props.shadowInstanceType ?? InstanceType.ML_M5_LARGE).toString(),
        initial_instance_count: 1,
        content_type: contentType,
        accept_type: props.acceptType ?? contentType,
        ...(props.probability !== undefined ? { probability: props.probability } : {}),
      },
    };
    const configUri = writeAnalysisConfig(this, 'AnalysisConfig', {
      bucket: props.captureBucket, key: `${outputPrefix}analysis_config.json`, encryptionKey: props.encryptionKey, config: analysis, network: props.network,
    });

    const constraintsUri = props.baseline?.datasetBucket
      ? this.baselineAtDeploy(props, role, image, settings, networkConfig, analysis, outputPrefix)
      : props.baseline?.constraintsUri;

    const definitionName = boundedName(this, props.endpointName, '-me', 63);
    const definition = new sagemaker.CfnModelExplainabilityJobDefinition(this, 'Definition', {
      jobDefinitionName: definitionName,
      modelExplainabilityAppSpecification: { imageUri: image, configUri },
      modelExplainabilityBaselineConfig: constraintsUri ? { constraintsResource: { s3Uri: constraintsUri } } : undefined,
      modelExplainabilityJobInput: {
        endpointInput: {
          endpointName: props.endpointName,
          localPath: `${INPUT}/endpoint`,
          s3InputMode: 'File',
          s3DataDistributionType: 'FullyReplicated',
          featuresAttribute: props.featuresAttribute,
        },
      },
      modelExplainabilityJobOutputConfig: {
        kmsKeyId: props.encryptionKey.keyArn,
        monitoringOutputs: [{ s3Output: { localPath: OUTPUT, s3Uri: props.captureBucket.s3UrlForObject(`${outputPrefix}reports/`), s3UploadMode: 'EndOfJob' } }],
      },
      jobResources: { clusterConfig: settings.cluster },
      networkConfig,
      roleArn: role.role.roleArn,
      stoppingCondition: settings.stoppingCondition,
    });
    definition.node.addDependency(role, props.endpoint);
    if (this.baselining) definition.node.addDependency(this.baselining.completion);
    acknowledge(definition, [['SageMakerChecks-JobNetworkIsolation', NO_ISOLATION_REASON]]);

    this.constraintsUri = constraintsUri;
    this.scheduleName = monitoringSchedule(this, {
      endpointName: props.endpointName, monitoringType: 'ModelExplainability', nameSuffix: '-model-explainability',
      definitionName, definition, scheduleExpression: props.scheduleExpression,
    });
  }

  /**
   * The deploy-time baseline: the analysis configuration with the dataset's columns (written under
   * a key named after its hash, so a changed configuration is a new job), and a Clarify processing
   * job over the dataset that starts a shadow copy of the model like the monitoring runs do. The
   * deploy waits for it; its `analysis.json` is the constraints.
   */
  private baselineAtDeploy(props: ModelExplainabilityMonitorProps, role: SageMakerExecutionRole, image: string, settings: MonitorJobSettings,
    networkConfig: MonitorJobSettings['networkConfig'], analysis: Record<string, unknown>, outputPrefix: string): string {
    const baseline = props.baseline!;
    const dataset = baseline.dataset ?? {};
    const headers = dataset.headers ?? props.headers;
    const baselinePrefix = `${outputPrefix}baseline/`;
    const config: Record<string, unknown> = {
      ...analysis,
      dataset_type: 'text/csv',
      ...(headers ? { headers } : {}),
      ...(dataset.label !== undefined ? { label: dataset.label } : {}),
    };
    const configPrefix = `${baselinePrefix}config/${configurationHash(this, config)}/`;
    writeAnalysisConfig(this, 'BaselineConfig', {
      bucket: props.captureBucket, key: `${configPrefix}analysis_config.json`, encryptionKey: props.encryptionKey, config, network: props.network,
    });
    const job = this.baselining = baselineJob(this, {
      image, role,
      inputs: [
        { name: 'dataset', s3Uri: baseline.datasetBucket!.s3UrlForObject(baseline.datasetPrefix), localPath: CLARIFY_DATA_INPUT },
        { name: 'analysis_config', s3Uri: props.captureBucket.s3UrlForObject(configPrefix), localPath: CLARIFY_CONFIG_INPUT },
      ],
      output: { name: 'analysis_result', s3Uri: props.captureBucket.s3UrlForObject(baselinePrefix), localPath: OUTPUT },
      // Without network isolation: Clarify starts a shadow copy of the model (as the monitoring runs do).
      settings: { ...settings, networkConfig },
      network: props.network,
      encryptionKey: props.encryptionKey,
    });
    // The configuration is written before the job reads it.
    job.node.addDependency(this.node.findChild('BaselineConfig'));
    acknowledge(job, [['SageMakerChecks-JobNetworkIsolation', NO_ISOLATION_REASON]]);
    return props.captureBucket.s3UrlForObject(`${baselinePrefix}analysis.json`);
  }

  /**
   * A feature's global SHAP value as Clarify publishes it after each run (`feature_<name>` in
   * `aws/sagemaker/Endpoints/explainability-metrics`).
   *
   * @param outputLabel the explained output: `label0` unless named
   * @default outputLabel 'label0'
   * @default - average over 1 hour
   */
  public metricFeatureAttribution(feature: string, outputLabel?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'aws/sagemaker/Endpoints/explainability-metrics',
      metricName: `feature_${feature}`,
      dimensionsMap: {
        Endpoint: this.endpointName,
        MonitoringSchedule: this.scheduleName,
        ExplainabilityMethod: 'KernelShap',
        Label: outputLabel ?? 'label0',
        ValueType: 'GlobalShapValues',
      },
      statistic: 'Average',
      period: Duration.hours(1),
      ...props,
    });
  }
}
