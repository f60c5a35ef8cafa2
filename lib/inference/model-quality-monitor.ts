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
import { modelQualityProblems } from './private/model-quality-checks';
import { MONITOR_INPUT as INPUT, MONITOR_OUTPUT as OUTPUT, monitorJobSettings, monitorRole } from './private/monitor-jobs';
import { boundedName } from './private/names';
import { monitoringSchedule } from './private/monitoring-schedule';

/**
 * The kind of problem a model solves, which decides the metrics Model Monitor computes.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
 */
export enum ProblemType {
  /** Two classes: accuracy, precision, recall, F1, AUC, ... */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes: accuracy, weighted F1, weighted precision and recall, ... */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number: MAE, MSE, RMSE, R². */
  REGRESSION = 'Regression',
}

/**
 * Where the ground truth labels are uploaded, for Model Monitor to merge with the captured predictions.
 *
 * Each object is JSON Lines under `<prefix>yyyy/mm/dd/hh/` (the hour the labels were collected),
 * one record per labelled inference:
 * `{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"<inference id>"},"eventVersion":"0"}`,
 * where `eventId` is the `InferenceId` the caller passed to InvokeEndpoint (or, without one, the
 * capture's own `eventId`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-merge.html
 */
export interface GroundTruthLocation {
  /** The bucket of the labels. */
  readonly bucket: s3.IBucket;
  /** The key prefix of the labels, ending in `/`. */
  readonly prefix: string;
}

/** Where the baseline dataset's predictions, probabilities and labels are. */
export interface ModelQualityDatasetOptions {
  /** The column (CSV with a header) or key (JSON Lines) of the true label. */
  readonly groundTruthAttribute: string;

  /**
   * The column or key of the predicted label (or value, for regression).
   *
   * @default - none: `probabilityAttribute` is needed instead (binary classification)
   */
  readonly inferenceAttribute?: string;

  /**
   * The column or key of the probability of the positive class (binary classification).
   *
   * @default - none
   */
  readonly probabilityAttribute?: string;

  /**
   * `csv` (with a header naming the columns) or `json` (JSON Lines).
   *
   * @default 'csv'
   */
  readonly format?: string;
}

/**
 * The constraints the model-quality monitor reports violations against.
 */
export class ModelQualityBaseline {
  /** Constraints computed elsewhere (e.g. by `ModelQualityMonitor.suggest_baseline`). */
  public static fromS3(constraintsUri: string): ModelQualityBaseline {
    return new ModelQualityBaseline(undefined, undefined, undefined, constraintsUri);
  }

  /**
   * Computed at deploy time by a processing job running the analyzer over a labelled dataset that
   * holds the model's predictions next to the true labels (e.g. a batch transform of the
   * validation channel, joined with its labels).
   */
  public static fromDataset(bucket: s3.IBucket, prefix: string, options: ModelQualityDatasetOptions): ModelQualityBaseline {
    return new ModelQualityBaseline(bucket, prefix, options);
  }

  private constructor(
    /** The dataset's bucket. */
    public readonly datasetBucket?: s3.IBucket,
    /** The dataset's prefix. */
    public readonly datasetPrefix?: string,
    /** Where the dataset's attributes are. */
    public readonly dataset?: ModelQualityDatasetOptions,
    /** The constraints' S3 URI. */
    public readonly constraintsUri?: string,
  ) {}
}

/**
 * Alarm thresholds of a model-quality monitor, each on the metric Model Monitor publishes after
 * every run; give only those of the monitor's problem type.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
 */
export interface ModelQualityAlarmOptions {
  /**
   * Alarm when accuracy falls below this (classification).
   *
   * @default - no accuracy alarm
   */
  readonly minAccuracy?: number;

  /**
   * Alarm when F1 (binary) or weighted F1 (multiclass) falls below this.
   *
   * @default - no F1 alarm
   */
  readonly minF1?: number;

  /**
   * Alarm when the area under the ROC curve falls below this (binary classification).
   *
   * @default - no AUC alarm
   */
  readonly minAuc?: number;

  /**
   * Alarm when the root mean square error rises above this (regression).
   *
   * @default - no RMSE alarm
   */
  readonly maxRmse?: number;

  /**
   * Alarm when the mean absolute error rises above this (regression).
   *
   * @default - no MAE alarm
   */
  readonly maxMae?: number;
}

/**
 * A model-quality monitoring schedule: captured predictions merged with ground truth labels.
 *
 * The predictions are read from the captured responses at `inferenceAttribute` (and
 * `probabilityAttribute`); for the companion Linear Learner (and the built-in one) the defaults
 * read its JSON response (`Accept: application/json`, one record per request, which the merge
 * needs: one label per inference id).
 */
export interface ModelQualityOptions {
  /** What the model predicts. */
  readonly problemType: ProblemType;

  /** Where the labels are uploaded (the format is on {@link GroundTruthLocation}). */
  readonly groundTruth: GroundTruthLocation;

  /**
   * What the metrics are compared with.
   *
   * @default - no baseline: metrics are published and alarmed on, no constraint violations reported
   */
  readonly baseline?: ModelQualityBaseline;

  /**
   * The path of the predicted label (or value) in the captured response: a column index for CSV,
   * a JSONPath-style path for JSON.
   *
   * @default - the model's algorithm's: `predictions[0].predicted_label` (classification) or
   * `predictions[0].score` (regression) for Linear Learner; required for other models
   */
  readonly inferenceAttribute?: string;

  /**
   * The path of the probability of the positive class in the captured response (binary classification).
   *
   * @default - `predictions[0].score` for a Linear Learner binary classifier; none otherwise
   */
  readonly probabilityAttribute?: string;

  /**
   * The probability from which a prediction counts as the positive class (binary classification).
   *
   * @default 0.5 when a probability attribute is read
   */
  readonly probabilityThreshold?: number;

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
   * Alarm thresholds.
   *
   * @default - no alarms (metrics are still published and graphed)
   */
  readonly alarms?: ModelQualityAlarmOptions;

  /**
   * The instance type of the monitoring (and baselining) jobs.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
}

/**
 * Properties of a {@link ModelQualityMonitor}: what it monitors and where its jobs run.
 */
export interface ModelQualityMonitorProps extends ModelQualityOptions {
  /** The name of the endpoint monitored. */
  readonly endpointName: string;
  /** The endpoint resource: the monitor's job definition is created after it. */
  readonly endpoint: IDependable;
  /** The bucket the endpoint captures to; the monitor's reports and baseline go there too (under `model-quality/<endpoint>/`). */
  readonly captureBucket: s3.IBucket;
  /** The key prefix of the endpoint's captures. */
  readonly capturePrefix: string;
  /** The network the monitoring jobs run in. */
  readonly network: SageMakerNetwork;
  /** The key of the monitoring jobs' volumes and output. */
  readonly encryptionKey: kms.IKey;
}

/** The metrics worth graphing per problem type, as Model Monitor names them. */
const KEY_METRICS: Record<ProblemType, string[]> = {
  [ProblemType.BINARY_CLASSIFICATION]: ['accuracy', 'f1', 'auc'],
  [ProblemType.MULTICLASS_CLASSIFICATION]: ['accuracy', 'weighted_f1'],
  [ProblemType.REGRESSION]: ['rmse', 'mae'],
};

/**
 * Model Monitor for model quality: an optional deploy-time baselining processing job, a job
 * definition that merges the captures with the ground truth labels, and an hourly schedule, all
 * with network isolation, inter-container encryption, KMS on volumes and output, in the VPC, run
 * by a role that reads only the captures, the labels and the baseline dataset, and writes only its
 * own prefix.
 */
export class ModelQualityMonitor extends Construct {
  /** The monitoring schedule's name. */
  public readonly scheduleName: string;

  /** The problem type monitored. */
  public readonly problemType: ProblemType;

  /** The metrics graphed on the endpoint's dashboard. */
  public readonly keyMetrics: string[];

  private readonly endpointName: string;

  constructor(scope: Construct, id: string, props: ModelQualityMonitorProps) {
    super(scope, id);
    const problems = ValidationProblems.of('ModelQualityMonitor', scope, id);
    modelQualityProblems(problems, '', props);
    problems.throwIfAny();
    this.endpointName = props.endpointName;
    this.problemType = props.problemType;
    this.keyMetrics = KEY_METRICS[props.problemType];
    const outputPrefix = `model-quality/${props.endpointName}/`;
    const baseline = props.baseline;
    const { role, image } = monitorRole(this, `Model quality monitor of ${props.endpointName}`, props.encryptionKey, (grantee) => {
      grantee.grantRead(props.captureBucket, props.capturePrefix);
      grantee.grantRead(props.groundTruth.bucket, props.groundTruth.prefix);
      grantee.grantWrite(props.captureBucket, outputPrefix);
      if (baseline?.datasetBucket) grantee.grantRead(baseline.datasetBucket, baseline.datasetPrefix);
    });
    const { cluster, networkConfig, stoppingCondition } = monitorJobSettings(props.network, props.encryptionKey, props.instanceType);
    const classification = props.problemType !== ProblemType.REGRESSION;

    let constraintsUri = baseline?.constraintsUri;
    const dependencies: IDependable[] = [role, props.endpoint];
    if (baseline?.datasetBucket && baseline.dataset) {
      const dataset = baseline.dataset;
      const baselinePrefix = `${outputPrefix}baseline/`;
      const format = dataset.format === 'json' ? { json: { lines: true } } : { csv: { header: true } };
      const probability = classification && dataset.probabilityAttribute !== undefined;
      const baselining = baselineJob(this, {
        image, role,
        environment: {
          analysis_type: 'MODEL_QUALITY',
          problem_type: props.problemType,
          ground_truth_attribute: dataset.groundTruthAttribute,
          ...(dataset.inferenceAttribute !== undefined ? { inference_attribute: dataset.inferenceAttribute } : {}),
          ...(probability ? { probability_attribute: dataset.probabilityAttribute!, probability_threshold_attribute: String(props.probabilityThreshold ?? 0.5) } : {}),
          dataset_format: JSON.stringify(format),
          dataset_source: `${INPUT}/baseline_dataset_input`,
          output_path: OUTPUT,
          publish_cloudwatch_metrics: 'Disabled',
        },
        inputs: [{ name: 'baseline_dataset_input', s3Uri: baseline.datasetBucket.s3UrlForObject(baseline.datasetPrefix), localPath: `${INPUT}/baseline_dataset_input` }],
        output: { name: 'monitoring_output', s3Uri: props.captureBucket.s3UrlForObject(baselinePrefix), localPath: OUTPUT },
        settings: { cluster, networkConfig, stoppingCondition },
        network: props.network,
        encryptionKey: props.encryptionKey,
      });
      dependencies.push(baselining.completion);
      constraintsUri = props.captureBucket.s3UrlForObject(`${baselinePrefix}constraints.json`);
    }

    const delayHours = props.labelDelay ? Math.ceil(props.labelDelay.toHours({ integral: false })) : 0;
    const offsets = delayHours > 0 ? { startTimeOffset: `-PT${delayHours + 1}H`, endTimeOffset: `-PT${delayHours}H` } : {};
    const definitionName = boundedName(this, props.endpointName, '-mq', 63);
    const definition = new sagemaker.CfnModelQualityJobDefinition(this, 'Definition', {
      jobDefinitionName: definitionName,
      modelQualityAppSpecification: { imageUri: image, problemType: props.problemType },
      modelQualityBaselineConfig: constraintsUri ? { constraintsResource: { s3Uri: constraintsUri } } : undefined,
      modelQualityJobInput: {
        endpointInput: {
          endpointName: props.endpointName,
          localPath: `${INPUT}/endpoint`,
          s3InputMode: 'File',
          s3DataDistributionType: 'FullyReplicated',
          inferenceAttribute: props.inferenceAttribute,
          probabilityAttribute: classification ? props.probabilityAttribute : undefined,
          probabilityThresholdAttribute: classification && props.probabilityAttribute !== undefined ? props.probabilityThreshold ?? 0.5 : undefined,
          ...offsets,
        },
        groundTruthS3Input: { s3Uri: props.groundTruth.bucket.s3UrlForObject(props.groundTruth.prefix) },
      },
      modelQualityJobOutputConfig: {
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
      endpointName: props.endpointName, monitoringType: 'ModelQuality', nameSuffix: '-model-quality',
      definitionName, definition, scheduleExpression: props.scheduleExpression,
    });
  }

  /**
   * One model-quality metric as the monitor publishes it after each run (`accuracy`, `f1`,
   * `auc`, `weighted_f1`, `rmse`, `mae`, `r2`, ...).
   *
   * @default - average over 1 hour
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'aws/sagemaker/Endpoints/model-metrics',
      metricName,
      dimensionsMap: { Endpoint: this.endpointName, MonitoringSchedule: this.scheduleName },
      statistic: 'Average',
      period: Duration.hours(1),
      ...props,
    });
  }
}
