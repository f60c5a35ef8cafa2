import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { baselineJob } from './private/baseline-job';
import { biasProblems } from './private/bias-checks';
import { GroundTruthLocation } from './model-quality-monitor';
import { CLARIFY_CONFIG_INPUT, CLARIFY_DATA_INPUT, clarifyImage, writeAnalysisConfig } from './private/clarify';
import { MONITOR_INPUT as INPUT, MONITOR_OUTPUT as OUTPUT, monitorJobSettings, monitorRole } from './private/monitor-jobs';
import { boundedName } from './private/names';
import { monitoringSchedule } from './private/monitoring-schedule';

/**
 * A sensitive attribute (facet) whose groups Clarify compares.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-config-json-monitor-bias-parameters.html
 */
export interface BiasFacet {
  /** The facet's column (CSV with `headers`) or JMESPath (JSON Lines). */
  readonly name: string;

  /**
   * The values (or, one number, the threshold above which) that make the sensitive group.
   *
   * @default - each value of the facet against the rest
   */
  readonly valuesOrThreshold?: number[];
}

/** Where the baseline dataset's labels and predictions are. */
export interface BiasDatasetOptions {
  /** The column of the model's predicted label (a batch transform of the dataset, joined with it). */
  readonly predictedLabel: string;
}

/**
 * The constraints (Clarify's `analysis.json`) the bias monitor reports violations against.
 */
export class BiasBaseline {
  /** An analysis computed elsewhere (e.g. by `ModelBiasMonitor.suggest_baseline`). */
  public static fromS3(constraintsUri: string): BiasBaseline {
    return new BiasBaseline(undefined, undefined, undefined, constraintsUri);
  }

  /**
   * Computed at deploy time by a Clarify processing job over a CSV dataset (columns named by
   * `headers`) that holds the true label and the model's predicted label: post-training bias
   * without a shadow endpoint.
   */
  public static fromDataset(bucket: s3.IBucket, prefix: string, options: BiasDatasetOptions): BiasBaseline {
    return new BiasBaseline(bucket, prefix, options);
  }

  private constructor(
    /** The dataset's bucket. */
    public readonly datasetBucket?: s3.IBucket,
    /** The dataset's prefix. */
    public readonly datasetPrefix?: string,
    /** Where the dataset's predictions are. */
    public readonly dataset?: BiasDatasetOptions,
    /** The constraints' S3 URI. */
    public readonly constraintsUri?: string,
  ) {}
}

/**
 * A bias-drift monitoring schedule: SageMaker Clarify computes post-training bias metrics of the
 * captured predictions merged with ground truth, per facet.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-model-monitor-bias-drift.html
 */
export interface ModelBiasOptions {
  /** The label's column (CSV with `headers`) or JMESPath (JSON Lines). */
  readonly label: string;

  /** The sensitive attributes (at least one). */
  readonly facets: BiasFacet[];

  /** Where the labels are uploaded (the format is on {@link GroundTruthLocation}). */
  readonly groundTruth: GroundTruthLocation;

  /**
   * The label values (or, one number, the threshold above which) that are the positive outcome.
   *
   * @default [1]
   */
  readonly labelValuesOrThreshold?: number[];

  /**
   * The column of a subgroup for conditional demographic disparity (CDDL, CDDPL).
   *
   * @default - none
   */
  readonly groupVariable?: string;

  /**
   * The names of the request's columns (CSV), label last, so facets and the label are named.
   *
   * @default - none: facets and label are column indexes or JMESPaths
   */
  readonly headers?: string[];

  /**
   * The path of the predicted label in the captured response.
   *
   * @default - `predictions[0].predicted_label` for Linear Learner; required for other models
   */
  readonly inferenceAttribute?: string;

  /**
   * The path of the probability of the positive class in the captured response.
   *
   * @default - `predictions[0].score` for Linear Learner; none otherwise
   */
  readonly probabilityAttribute?: string;

  /**
   * The probability from which a prediction is the positive outcome.
   *
   * @default 0.5 when a probability attribute is read
   */
  readonly probabilityThreshold?: number;

  /**
   * What the metrics are compared with.
   *
   * @default - no baseline: metrics are published, no constraint violations reported
   */
  readonly baseline?: BiasBaseline;

  /**
   * Alarm when a post-training bias metric's magnitude exceeds a threshold, by Clarify's short
   * name, for each facet, e.g. `{ DPPL: 0.1, DI: 0.2 }`.
   *
   * @default - no alarms (metrics are still published)
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-measure-post-training-bias.html
   */
  readonly maxBiasMetrics?: Record<string, number>;

  /**
   * How late labels arrive: each run analyzes the hour of captures that ended this long ago.
   *
   * @default - the previous hour
   */
  readonly labelDelay?: Duration;

  /**
   * When the monitor runs, as a SageMaker cron expression (at most hourly).
   *
   * @default 'cron(0 * ? * * *)' (hourly)
   */
  readonly scheduleExpression?: string;

  /**
   * The instance type of the monitoring (and baselining) jobs.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
}

/**
 * Properties of a {@link ModelBiasMonitor}: what it monitors and where its jobs run.
 */
export interface ModelBiasMonitorProps extends ModelBiasOptions {
  /** The name of the endpoint monitored. */
  readonly endpointName: string;
  /** The endpoint resource: the monitor's job definition is created after it. */
  readonly endpoint: IDependable;
  /** The bucket the endpoint captures to; the monitor's configuration, baseline and reports go there too (under `model-bias/<endpoint>/`). */
  readonly captureBucket: s3.IBucket;
  /** The key prefix of the endpoint's captures. */
  readonly capturePrefix: string;
  /** The network the monitoring jobs run in. */
  readonly network: SageMakerNetwork;
  /** The key of the monitoring jobs' volumes, output and configuration. */
  readonly encryptionKey: kms.IKey;
}

/**
 * SageMaker Clarify bias drift: the analysis configuration written at deploy time from the typed
 * props, an optional deploy-time baselining Clarify job over a dataset of predictions, a
 * ModelBias job definition that merges the captures with the ground truth, and an hourly
 * schedule, all with network isolation, inter-container encryption, KMS on volumes and outputs,
 * in the VPC, run by a role that reads only the captures, the labels and the dataset, and writes
 * only its own prefix.
 */
export class ModelBiasMonitor extends Construct {
  /** The monitoring schedule's name. */
  public readonly scheduleName: string;

  /** The facets monitored. */
  public readonly facets: BiasFacet[];

  private readonly endpointName: string;
  private readonly label: string;
  private readonly labelValue: string;

  constructor(scope: Construct, id: string, props: ModelBiasMonitorProps) {
    super(scope, id);
    const problems = ValidationProblems.of('ModelBiasMonitor', scope, id);
    biasProblems(problems, '', props);
    problems.throwIfAny();
    this.endpointName = props.endpointName;
    this.facets = props.facets;
    this.label = props.label;
    const labelValues = props.labelValuesOrThreshold ?? [1];
    this.labelValue = labelValues.join(',');
    const outputPrefix = `model-bias/${props.endpointName}/`;
    const baseline = props.baseline;
    const { role } = monitorRole(this, `Bias monitor of ${props.endpointName}`, props.encryptionKey, (grantee) => {
      grantee.grantRead(props.captureBucket, props.capturePrefix);
      grantee.grantRead(props.groundTruth.bucket, props.groundTruth.prefix);
      grantee.grantWrite(props.captureBucket, outputPrefix);
      if (baseline?.datasetBucket) grantee.grantRead(baseline.datasetBucket, baseline.datasetPrefix);
    });
    const image = clarifyImage(this, role);
    const { cluster, networkConfig, stoppingCondition } = monitorJobSettings(props.network, props.encryptionKey, props.instanceType);

    const analysis: Record<string, unknown> = {
      label: props.label,
      label_values_or_threshold: labelValues,
      facet: props.facets.map((facet) => ({ name_or_index: facet.name, ...(facet.valuesOrThreshold ? { value_or_threshold: facet.valuesOrThreshold } : {}) })),
      ...(props.groupVariable !== undefined ? { group_variable: props.groupVariable } : {}),
      ...(props.headers ? { headers: props.headers } : {}),
      ...(props.probabilityAttribute !== undefined ? { probability_threshold: props.probabilityThreshold ?? 0.5 } : {}),
      methods: { post_training_bias: { methods: 'all' } },
    };
    const configUri = writeAnalysisConfig(this, 'AnalysisConfig', {
      bucket: props.captureBucket, key: `${outputPrefix}analysis_config.json`, encryptionKey: props.encryptionKey, config: analysis, network: props.network,
    });

    let constraintsUri = baseline?.constraintsUri;
    const dependencies: IDependable[] = [role, props.endpoint];
    if (baseline?.datasetBucket && baseline.dataset) {
      const baselinePrefix = `${outputPrefix}baseline/`;
      const baselineConfig = writeAnalysisConfig(this, 'BaselineConfig', {
        bucket: props.captureBucket, key: `${baselinePrefix}config/analysis_config.json`, encryptionKey: props.encryptionKey, network: props.network,
        config: { ...analysis, dataset_type: 'text/csv', predicted_label: baseline.dataset.predictedLabel, methods: { report: { name: 'report' }, post_training_bias: { methods: 'all' } } },
      });
      const baselining = baselineJob(this, {
        image, role,
        inputs: [
          { name: 'dataset', s3Uri: baseline.datasetBucket.s3UrlForObject(baseline.datasetPrefix), localPath: CLARIFY_DATA_INPUT },
          // The configuration's URI is known once written: the job waits for it.
          { name: 'analysis_config', s3Uri: baselineConfig, localPath: CLARIFY_CONFIG_INPUT },
        ],
        output: { name: 'analysis_result', s3Uri: props.captureBucket.s3UrlForObject(baselinePrefix), localPath: OUTPUT },
        settings: { cluster, networkConfig, stoppingCondition },
        network: props.network,
        encryptionKey: props.encryptionKey,
      });
      dependencies.push(baselining.completion);
      constraintsUri = props.captureBucket.s3UrlForObject(`${baselinePrefix}analysis.json`);
    }

    const delayHours = props.labelDelay ? Math.ceil(props.labelDelay.toHours({ integral: false })) : 0;
    const offsets = delayHours > 0 ? { startTimeOffset: `-PT${delayHours + 1}H`, endTimeOffset: `-PT${delayHours}H` } : {};
    const definitionName = boundedName(this, props.endpointName, '-mb', 63);
    const definition = new sagemaker.CfnModelBiasJobDefinition(this, 'Definition', {
      jobDefinitionName: definitionName,
      modelBiasAppSpecification: { imageUri: image, configUri },
      modelBiasBaselineConfig: constraintsUri ? { constraintsResource: { s3Uri: constraintsUri } } : undefined,
      modelBiasJobInput: {
        endpointInput: {
          endpointName: props.endpointName,
          localPath: `${INPUT}/endpoint`,
          s3InputMode: 'File',
          s3DataDistributionType: 'FullyReplicated',
          inferenceAttribute: props.inferenceAttribute,
          probabilityAttribute: props.probabilityAttribute,
          probabilityThresholdAttribute: props.probabilityAttribute !== undefined ? props.probabilityThreshold ?? 0.5 : undefined,
          ...offsets,
        },
        groundTruthS3Input: { s3Uri: props.groundTruth.bucket.s3UrlForObject(props.groundTruth.prefix) },
      },
      modelBiasJobOutputConfig: {
        kmsKeyId: props.encryptionKey.keyArn,
        monitoringOutputs: [{ s3Output: { localPath: OUTPUT, s3Uri: props.captureBucket.s3UrlForObject(`${outputPrefix}reports/`), s3UploadMode: 'EndOfJob' } }],
      },
      jobResources: { clusterConfig: cluster },
      networkConfig,
      roleArn: role.role.roleArn,
      stoppingCondition,
    });
    dependencies.forEach((dependency) => definition.node.addDependency(dependency));

    this.scheduleName = monitoringSchedule(this, {
      endpointName: props.endpointName, monitoringType: 'ModelBias', nameSuffix: '-model-bias',
      definitionName, definition, scheduleExpression: props.scheduleExpression,
    });
  }

  /**
   * One post-training bias metric of one facet as Clarify publishes it after each run
   * (`bias_metric_<short name>` in `aws/sagemaker/Endpoints/bias-metrics`, stage `Post-training`).
   *
   * @param facetValue the facet's sensitive group
   * @default facetValue - the facet's values as configured, comma-separated
   * @default - average over 1 hour
   */
  public metricBias(shortName: string, facet: string, facetValue?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.biasMetric(shortName, facet, facetValue, 'Post-training', props);
  }

  /**
   * The magnitude of a post-training bias metric of one facet (most are signed, 0 being no bias),
   * what the endpoint alarms on. SageMaker's documentation spells the stage dimension both
   * `Post-training` and `Post-Training`: the expression takes the larger of the two, so the alarm
   * sees the value whichever Clarify publishes.
   *
   * @param facetValue the facet's sensitive group
   * @default facetValue - the facet's values as configured, comma-separated
   */
  public metricBiasMagnitude(shortName: string, facet: string, facetValue?: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'MAX([ABS(lower), ABS(upper)])',
      usingMetrics: {
        lower: this.biasMetric(shortName, facet, facetValue, 'Post-training'),
        upper: this.biasMetric(shortName, facet, facetValue, 'Post-Training'),
      },
      label: `|${shortName}| ${facet}`,
      period: Duration.hours(1),
    });
  }

  private biasMetric(shortName: string, facet: string, facetValue: string | undefined, stage: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const configured = this.facets.find((f) => f.name === facet)?.valuesOrThreshold;
    return new cloudwatch.Metric({
      namespace: 'aws/sagemaker/Endpoints/bias-metrics',
      metricName: `bias_metric_${shortName}`,
      dimensionsMap: {
        Endpoint: this.endpointName,
        MonitoringSchedule: this.scheduleName,
        BiasStage: stage,
        Label: this.label,
        LabelValue: this.labelValue,
        Facet: facet,
        FacetValue: facetValue ?? configured?.join(',') ?? '',
      },
      statistic: 'Average',
      period: Duration.hours(1),
      ...props,
    });
  }
}
