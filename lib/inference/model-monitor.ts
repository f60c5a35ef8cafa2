import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { ModelBiasOptions } from './model-bias-monitor';
import { ExplainabilityOptions } from './model-explainability-monitor';
import { ModelQualityOptions } from './model-quality-monitor';
import { baselineJob } from './private/baseline-job';
import { MONITOR_INPUT as INPUT, MONITOR_OUTPUT as OUTPUT, monitorJobSettings, monitorRole } from './private/monitor-jobs';
import { boundedName } from './private/names';
import { monitoringSchedule } from './private/monitoring-schedule';

/** Options of a baseline computed from a dataset. */
export interface DatasetBaselineOptions {
  /**
   * `csv` (no header) or `json` (JSON Lines).
   *
   * @default 'csv'
   */
  readonly format?: string;
}

/**
 * The statistics and constraints the monitor compares captured traffic with.
 */
export class MonitoringBaseline {
  /** Statistics and constraints computed elsewhere (e.g. by `DefaultModelMonitor.suggest_baseline`). */
  public static fromS3(statisticsUri: string, constraintsUri: string): MonitoringBaseline {
    return new MonitoringBaseline(undefined, undefined, undefined, statisticsUri, constraintsUri);
  }

  /** Computed at deploy time from a dataset under a prefix, by a processing job running the analyzer. */
  public static fromDataset(bucket: s3.IBucket, prefix: string, options: DatasetBaselineOptions = {}): MonitoringBaseline {
    return new MonitoringBaseline(bucket, prefix, options.format ?? 'csv');
  }

  private constructor(
    /** The dataset's bucket. */
    public readonly datasetBucket?: s3.IBucket,
    /** The dataset's prefix. */
    public readonly datasetPrefix?: string,
    /** The dataset's format. */
    public readonly datasetFormat?: string,
    /** The statistics' S3 URI. */
    public readonly statisticsUri?: string,
    /** The constraints' S3 URI. */
    public readonly constraintsUri?: string,
  ) {}
}

/**
 * A data-quality monitoring schedule for the endpoint's captured traffic: Model Monitor compares
 * the captured requests with the baseline's statistics and constraints.
 */
export interface DataQualityOptions {
  /** What the captured traffic is compared with. */
  readonly baseline: MonitoringBaseline;

  /**
   * When the monitor runs, as a SageMaker cron expression.
   *
   * @default 'cron(0 * ? * * *)' (hourly)
   */
  readonly scheduleExpression?: string;

  /**
   * Features whose drift from the baseline raises an alarm (Model Monitor publishes
   * `feature_baseline_drift_<feature>` for each), e.g. `['age', 'spend_30d']`.
   *
   * @default - no drift alarms (violations are still in the monitoring reports)
   */
  readonly driftAlarmFeatures?: string[];

  /**
   * The drift distance (0 to 1) at which a drift alarm fires.
   *
   * @default 0.1
   */
  readonly driftThreshold?: number;

  /**
   * The instance type of the monitoring (and baselining) jobs.
   *
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
}

/**
 * The monitors of an endpoint's captured traffic. Each runs its own jobs, with its own role.
 */
export interface MonitoringOptions {
  /**
   * Data quality: captured requests against a baseline's statistics and constraints, with drift alarms.
   *
   * @default - no data-quality monitor (unless the deprecated top-level `baseline` is given)
   */
  readonly dataQuality?: DataQualityOptions;

  /**
   * Model quality: captured predictions merged with ground truth labels, with alarms on the
   * metrics of the problem type.
   *
   * @default - no model-quality monitor
   */
  readonly modelQuality?: ModelQualityOptions;

  /**
   * Bias drift (SageMaker Clarify): post-training bias metrics per facet of the captured
   * predictions merged with ground truth, with alarms on their magnitude.
   *
   * @default - no bias monitor
   */
  readonly bias?: ModelBiasOptions;

  /**
   * Feature-attribution drift (SageMaker Clarify): global SHAP values of the captured requests,
   * computed on a shadow copy of the model, against a baseline, with alarms on their values.
   *
   * @default - no explainability monitor
   */
  readonly explainability?: ExplainabilityOptions;

  /**
   * @deprecated use `dataQuality.baseline`; given here, it makes a data-quality monitor with the
   * other deprecated top-level settings (it may not be combined with `dataQuality`)
   * @default - none
   */
  readonly baseline?: MonitoringBaseline;

  /**
   * @deprecated use `dataQuality.scheduleExpression`
   * @default 'cron(0 * ? * * *)' (hourly)
   */
  readonly scheduleExpression?: string;

  /**
   * @deprecated use `dataQuality.driftAlarmFeatures`
   * @default - no drift alarms
   */
  readonly driftAlarmFeatures?: string[];

  /**
   * @deprecated use `dataQuality.driftThreshold`
   * @default 0.1
   */
  readonly driftThreshold?: number;

  /**
   * @deprecated use `dataQuality.instanceType`
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
}

/**
 * Properties of a {@link DataQualityMonitor}: what it monitors and where its jobs run.
 */
export interface DataQualityMonitorProps extends DataQualityOptions {
  /** The name of the endpoint monitored. */
  readonly endpointName: string;
  /** The endpoint resource: the monitor's job definition is created after it. */
  readonly endpoint: IDependable;
  /** The bucket the endpoint captures to; the monitor's reports and baseline go there too. */
  readonly captureBucket: s3.IBucket;
  /** The key prefix of the endpoint's captures. */
  readonly capturePrefix: string;
  /** The network the monitoring jobs run in. */
  readonly network: SageMakerNetwork;
  /** The key of the monitoring jobs' volumes and output. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Model Monitor for data quality: an optional deploy-time baselining processing job, a job
 * definition and an hourly schedule, all with network isolation, inter-container encryption, KMS
 * on volumes and output, in the VPC, run by a role that reads only the captures and baseline.
 */
export class DataQualityMonitor extends Construct {
  /** The monitoring schedule's name. */
  public readonly scheduleName: string;

  private readonly endpointName: string;

  constructor(scope: Construct, id: string, props: DataQualityMonitorProps) {
    super(scope, id);
    this.endpointName = props.endpointName;
    const outputPrefix = `monitoring/${props.endpointName}/`;
    const { role, image } = monitorRole(this, `Model Monitor of ${props.endpointName}`, props.encryptionKey, (grantee) => {
      grantee.grantRead(props.captureBucket, props.capturePrefix);
      grantee.grantWrite(props.captureBucket, outputPrefix);
    });
    const { cluster, networkConfig, stoppingCondition } = monitorJobSettings(props.network, props.encryptionKey, props.instanceType);

    let statisticsUri = props.baseline.statisticsUri;
    let constraintsUri = props.baseline.constraintsUri;
    const dependencies: IDependable[] = [role, props.endpoint];
    if (props.baseline.datasetBucket) {
      const baselinePrefix = `${outputPrefix}baseline/`;
      role.grantRead(props.baseline.datasetBucket, props.baseline.datasetPrefix);
      const format = props.baseline.datasetFormat === 'json' ? { json: { lines: true } } : { csv: { header: false } };
      const baselining = baselineJob(this, {
        image, role,
        environment: {
          dataset_format: JSON.stringify(format),
          dataset_source: `${INPUT}/baseline_dataset_input`,
          output_path: OUTPUT,
          publish_cloudwatch_metrics: 'Disabled',
        },
        inputs: [{ name: 'baseline_dataset_input', s3Uri: props.baseline.datasetBucket.s3UrlForObject(props.baseline.datasetPrefix), localPath: `${INPUT}/baseline_dataset_input` }],
        output: { name: 'monitoring_output', s3Uri: props.captureBucket.s3UrlForObject(baselinePrefix), localPath: OUTPUT },
        settings: { cluster, networkConfig, stoppingCondition },
        network: props.network,
        encryptionKey: props.encryptionKey,
      });
      dependencies.push(baselining.completion);
      statisticsUri = props.captureBucket.s3UrlForObject(`${baselinePrefix}statistics.json`);
      constraintsUri = props.captureBucket.s3UrlForObject(`${baselinePrefix}constraints.json`);
    }

    // Named, so the schedule can refer to it (the resource returns only its ARN).
    // Within SageMaker's 63 characters, unique however long the endpoint's name (#27 f, g).
    const definitionName = boundedName(this, props.endpointName, '-dq', 63);
    const definition = new sagemaker.CfnDataQualityJobDefinition(this, 'Definition', {
      jobDefinitionName: definitionName,
      dataQualityAppSpecification: { imageUri: image },
      dataQualityBaselineConfig: {
        constraintsResource: { s3Uri: constraintsUri },
        statisticsResource: { s3Uri: statisticsUri },
      },
      dataQualityJobInput: {
        endpointInput: { endpointName: props.endpointName, localPath: `${INPUT}/endpoint`, s3InputMode: 'File', s3DataDistributionType: 'FullyReplicated' },
      },
      dataQualityJobOutputConfig: {
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
      endpointName: props.endpointName, monitoringType: 'DataQuality', nameSuffix: '-data-quality',
      definitionName, definition, scheduleExpression: props.scheduleExpression,
    });
  }

  /**
   * The drift of one feature from the baseline, as the monitor publishes it.
   *
   * @default - maximum over 1 hour
   */
  public metricFeatureDrift(feature: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'aws/sagemaker/Endpoints/data-metrics',
      metricName: `feature_baseline_drift_${feature}`,
      dimensionsMap: { Endpoint: this.endpointName, MonitoringSchedule: this.scheduleName },
      statistic: 'Maximum',
      period: Duration.hours(1),
      ...props,
    });
  }
}
