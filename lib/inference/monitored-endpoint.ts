import { Duration, Names, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AutoScalingOptions } from './autoscaling';
import { DeploymentStrategy } from './deployment';
import { DataQualityMonitor, MonitoringOptions } from './model-monitor';
import { IServableModel } from './servable-model';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { SecureBucket } from '../core/storage';

/**
 * Serverless capacity of a variant.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html
 */
export interface ServerlessOptions {
  /** Memory per invocation, 1024 to 6144 MB in steps of 1024. */
  readonly memorySizeMb: number;
  /** The most concurrent invocations (1 to 200). */
  readonly maxConcurrency: number;
  /**
   * Warm capacity kept ready (1 to maxConcurrency).
   *
   * @default - none
   */
  readonly provisionedConcurrency?: number;
}

/**
 * One production (or shadow) variant of an endpoint.
 */
export interface VariantOptions {
  /** The variant's name. */
  readonly name: string;

  /**
   * The model it serves.
   *
   * @default - the endpoint's model
   */
  readonly model?: IServableModel;

  /**
   * The instance type (instance-backed variants).
   *
   * @default - the endpoint's instanceType
   */
  readonly instanceType?: InstanceType;

  /**
   * Instances at creation (at least 2, spread over Availability Zones, unless the endpoint allows a single instance).
   *
   * @default 2
   */
  readonly initialInstanceCount?: number;

  /**
   * The variant's share of traffic, relative to the other variants' weights.
   *
   * @default 1
   */
  readonly weight?: number;

  /**
   * Serverless capacity instead of instances.
   *
   * @default - instance-backed
   */
  readonly serverless?: ServerlessOptions;
}

/**
 * Data capture of requests and responses.
 */
export interface DataCaptureOptions {
  /**
   * The percentage of requests captured (0 to 100).
   *
   * @default 20
   */
  readonly samplingPercentage?: number;

  /**
   * The bucket captures (and monitoring reports) go to.
   *
   * @default - a new SecureBucket
   */
  readonly bucket?: s3.IBucket;
}

/**
 * Alarm thresholds of an endpoint.
 */
export interface EndpointAlarmOptions {
  /**
   * Alarm (and roll back a deployment) on this many 5XX errors per minute.
   *
   * @default 1
   */
  readonly max5xxErrorsPerMinute?: number;

  /**
   * Alarm (and roll back a deployment) when p99 model latency exceeds this.
   *
   * @default Duration.seconds(1)
   */
  readonly maxModelLatencyP99?: Duration;

  /**
   * Alarm on this many 4XX (invocation) errors per 5 minutes.
   *
   * @default 50
   */
  readonly max4xxErrorsPer5Minutes?: number;

  /**
   * Alarm on average CPU, GPU, memory or disk utilization above this (percent of one core or GPU
   * for CPU and GPU, which SageMaker reports per core and per GPU).
   *
   * @default 80
   */
  readonly maxUtilizationPercent?: number;
}

/**
 * Properties of a {@link MonitoredEndpoint}.
 */
export interface MonitoredEndpointProps {
  /** The model served by the default variant (a TunedModel, SecureTrainingJob, InferencePipeline or imported model). */
  readonly model: IServableModel;

  /**
   * The network; used for the monitor's jobs.
   *
   * @default - the model's network, or a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key of the endpoint's volumes, captures and monitoring output.
   *
   * @default - the model's key, or the network's
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The instance type of instance-backed variants.
   *
   * @default InstanceType.ML_M5_LARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * The production variants (at most 10).
   *
   * @default - one variant, `AllTraffic`, of 2 instances of instanceType
   */
  readonly variants?: VariantOptions[];

  /**
   * Shadow variants: get a copy of the traffic, their responses are discarded.
   *
   * @default - none
   */
  readonly shadowVariants?: VariantOptions[];

  /**
   * How long a container may take to pass its first health check.
   *
   * @default - SageMaker's default
   */
  readonly containerStartupTimeout?: Duration;

  /**
   * How long the model download may take.
   *
   * @default - SageMaker's default
   */
  readonly modelDownloadTimeout?: Duration;

  /**
   * Data capture (on by default, KMS-encrypted).
   *
   * @default - 20 % of requests and responses, to a new SecureBucket
   */
  readonly dataCapture?: DataCaptureOptions;

  /**
   * Turn data capture off; needed for serverless variants, where SageMaker does not support it.
   *
   * @default false
   */
  readonly disableDataCapture?: boolean;

  /**
   * A data-quality monitoring schedule (needs data capture).
   *
   * @default - no monitoring schedule
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * Autoscaling of the instance-backed variants.
   *
   * @default - fixed capacity
   */
  readonly autoScaling?: AutoScalingOptions;

  /**
   * How updates move traffic, rolling back on the 5XX and latency alarms.
   *
   * @default DeploymentStrategy.allAtOnce() with auto-rollback
   */
  readonly deployment?: DeploymentStrategy;

  /**
   * Alarm thresholds.
   *
   * @default - see EndpointAlarmOptions
   */
  readonly alarms?: EndpointAlarmOptions;

  /**
   * Where alarms notify.
   *
   * @default - a new SNS topic encrypted with the endpoint's key (subscribe to it)
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Allow variants (and autoscaling) of a single instance, giving up Availability Zone redundancy.
   *
   * @default false
   */
  readonly allowSingleInstance?: boolean;

  /**
   * The endpoint's name.
   *
   * @default - derived from the construct's path
   */
  readonly endpointName?: string;
}

/** A production variant as the endpoint builds it. */
interface ResolvedVariant {
  readonly options: VariantOptions;
  readonly modelName: string;
  readonly instanceType: InstanceType;
}

/**
 * A real-time SageMaker endpoint with everything production needs: KMS on its volumes, encrypted
 * data capture, an optional Model Monitor data-quality schedule, autoscaling, CloudWatch alarms and
 * a dashboard, and guarded deployments that roll back on the alarms. Instance-backed variants
 * start with 2 instances across Availability Zones.
 */
export class MonitoredEndpoint extends Construct {
  /** The endpoint's name. */
  public readonly endpointName: string;

  /** The endpoint's ARN. */
  public readonly endpointArn: string;

  /** The endpoint resource. */
  public readonly endpoint: sagemaker.CfnEndpoint;

  /** The alarms that roll a deployment back (5XX errors and p99 latency per variant). */
  public readonly rollbackAlarms: cloudwatch.Alarm[] = [];

  /** Every alarm of the endpoint. */
  public readonly alarms: cloudwatch.Alarm[] = [];

  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  /** The topic alarms notify. */
  public readonly alarmTopic: sns.ITopic;

  /** The bucket of data captures, when captured. */
  public readonly captureBucket?: s3.IBucket;

  /** The key of volumes and captures. */
  public readonly encryptionKey: kms.IKey;

  /** The data-quality monitor, when monitoring is on. */
  public readonly monitor?: DataQualityMonitor;

  private readonly variantNames: string[];

  constructor(scope: Construct, id: string, props: MonitoredEndpointProps) {
    super(scope, id);
    const served = props.model.bindForServing(this);
    const network = props.network ?? served.network ?? new SageMakerNetwork(this, 'Network');
    this.encryptionKey = props.encryptionKey ?? served.encryptionKey ?? network.encryptionKey;
    this.endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    this.endpointArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: this.endpointName.toLowerCase() });

    const instanceType = props.instanceType ?? InstanceType.ML_M5_LARGE;
    const resolve = (options: VariantOptions): ResolvedVariant => ({
      options,
      instanceType: options.instanceType ?? instanceType,
      modelName: options.model ? options.model.bindForServing(this).modelName : served.modelName,
    });
    const variants = (props.variants ?? [{ name: 'AllTraffic' }]).map(resolve);
    const shadows = (props.shadowVariants ?? []).map(resolve);
    validate(scope, id, props, variants, shadows);
    this.variantNames = variants.map((v) => v.options.name);

    const captureEnabled = !props.disableDataCapture;
    const capturePrefix = `capture/${this.endpointName}/`;
    if (captureEnabled) {
      this.captureBucket = props.dataCapture?.bucket ?? new SecureBucket(this, 'Captures', { encryptionKey: this.encryptionKey }).bucket;
      if (served.role) this.allowCaptureWrites(served.role, this.captureBucket, capturePrefix, served.encryptionKey);
    }

    const renderVariant = (variant: ResolvedVariant) => {
      const { options } = variant;
      return options.serverless ? {
        variantName: options.name,
        modelName: variant.modelName,
        initialVariantWeight: options.weight ?? 1,
        serverlessConfig: {
          memorySizeInMb: options.serverless.memorySizeMb,
          maxConcurrency: options.serverless.maxConcurrency,
          provisionedConcurrency: options.serverless.provisionedConcurrency,
        },
      } : {
        variantName: options.name,
        modelName: variant.modelName,
        initialVariantWeight: options.weight ?? 1,
        instanceType: variant.instanceType.toString(),
        initialInstanceCount: options.initialInstanceCount ?? 2,
        containerStartupHealthCheckTimeoutInSeconds: props.containerStartupTimeout?.toSeconds(),
        modelDataDownloadTimeoutInSeconds: props.modelDownloadTimeout?.toSeconds(),
      };
    };
    const anyInstances = [...variants, ...shadows].some((v) => !v.options.serverless);
    const config = new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants: variants.map(renderVariant),
      shadowProductionVariants: shadows.length ? shadows.map(renderVariant) : undefined,
      // KMS on ML storage volumes is not supported for serverless variants.
      kmsKeyId: anyInstances ? this.encryptionKey.keyArn : undefined,
      dataCaptureConfig: captureEnabled ? {
        enableCapture: true,
        initialSamplingPercentage: props.dataCapture?.samplingPercentage ?? 20,
        destinationS3Uri: this.captureBucket!.s3UrlForObject(capturePrefix),
        kmsKeyId: this.encryptionKey.keyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
        // Declared so CSV and JSON captures are stored as text, not base64.
        captureContentTypeHeader: { csvContentTypes: ['text/csv'], jsonContentTypes: ['application/json', 'application/jsonlines'] },
      } : undefined,
    });
    if (served.role) config.node.addDependency(served.role);

    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    this.createAlarms(variants, props);
    const serverlessOnly = variants.every((v) => v.options.serverless);
    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      // Guardrails are not supported for serverless endpoints.
      deploymentConfig: serverlessOnly ? undefined
        : (props.deployment ?? DeploymentStrategy.allAtOnce()).render(this.rollbackAlarms.map((alarm) => alarm.alarmName)) as any,
    });

    if (props.autoScaling) {
      for (const variant of variants.filter((v) => !v.options.serverless)) this.scale(variant, props.autoScaling);
    }
    if (props.monitoring) {
      this.monitor = new DataQualityMonitor(this, 'Monitor', {
        ...props.monitoring,
        endpointName: this.endpointName,
        endpoint: this.endpoint,
        captureBucket: this.captureBucket!,
        capturePrefix,
        network,
        encryptionKey: this.encryptionKey,
      });
      for (const feature of props.monitoring.driftAlarmFeatures ?? []) {
        const alarm = new cloudwatch.Alarm(this, `Drift${feature}`, {
          metric: this.monitor.metricFeatureDrift(feature),
          threshold: props.monitoring.driftThreshold ?? 0.1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `${this.endpointName}: feature ${feature} drifted from its baseline (monitor violation)`,
        });
        alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
        this.alarms.push(alarm);
      }
    }
    this.dashboard = this.createDashboard(variants, props.monitoring?.driftAlarmFeatures ?? []);
  }

  /** Lets the grantee invoke the endpoint (real-time, streaming and asynchronous). */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream', 'sagemaker:InvokeEndpointAsync'],
      resourceArns: [this.endpointArn],
    });
  }

  /**
   * A metric of the endpoint's variant in `AWS/SageMaker` (invocation metrics).
   *
   * @param variantName the variant
   * @default variantName - the first variant
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions, variantName?: string): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', metricName, variantName ?? this.variantNames[0], props);
  }

  /** Invocations per minute. @default - sum over 1 minute */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  /** Model latency in microseconds. @default - p99 over 1 minute */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }

  /** 5XX errors. @default - sum over 1 minute */
  public metric5xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  /** 4XX errors. @default - sum over 1 minute */
  public metric4xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }

  /** CPU utilization (percent per core) in `/aws/sagemaker/Endpoints`. @default - average over 1 minute */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'CPUUtilization', this.variantNames[0], props);
  }

  /** GPU utilization (percent per GPU). @default - average over 1 minute */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'GPUUtilization', this.variantNames[0], props);
  }

  /** Memory utilization (percent). @default - average over 1 minute */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'MemoryUtilization', this.variantNames[0], props);
  }

  /** Disk utilization (percent). @default - average over 1 minute */
  public metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'DiskUtilization', this.variantNames[0], props);
  }

  private variantMetric(namespace: string, metricName: string, variantName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: variantName },
      statistic: 'Average',
      period: Duration.minutes(1),
      ...props,
    });
  }

  private createAlarms(variants: ResolvedVariant[], props: MonitoredEndpointProps): void {
    const thresholds = props.alarms ?? {};
    const utilization = thresholds.maxUtilizationPercent ?? 80;
    for (const variant of variants) {
      const name = variant.options.name;
      const m = (namespace: string, metricName: string, statistic: string, period = Duration.minutes(1)) =>
        this.variantMetric(namespace, metricName, name, { statistic, period });
      const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, periods = 1, rollback = false) => {
        const created = new cloudwatch.Alarm(this, `${name}${id}`, {
          metric,
          threshold,
          evaluationPeriods: periods,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `${this.endpointName}/${name}: ${description}`,
        });
        created.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
        this.alarms.push(created);
        if (rollback) this.rollbackAlarms.push(created);
      };
      alarm('5xxErrors', m('AWS/SageMaker', 'Invocation5XXErrors', 'Sum'), thresholds.max5xxErrorsPerMinute ?? 1, '5XX errors', 1, true);
      const latency = (thresholds.maxModelLatencyP99 ?? Duration.seconds(1)).toMilliseconds() * 1000;
      alarm('ModelLatencyP99', m('AWS/SageMaker', 'ModelLatency', 'p99'), latency, 'p99 model latency (microseconds)', 3, true);
      alarm('4xxErrors', m('AWS/SageMaker', 'Invocation4XXErrors', 'Sum', Duration.minutes(5)), thresholds.max4xxErrorsPer5Minutes ?? 50, '4XX (invocation) errors');
      if (!variant.options.serverless) {
        alarm('CpuUtilization', m('/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average', Duration.minutes(5)), utilization, 'CPU utilization', 3);
        alarm('MemoryUtilization', m('/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average', Duration.minutes(5)), utilization, 'memory utilization', 3);
        alarm('DiskUtilization', m('/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average', Duration.minutes(5)), utilization, 'disk utilization', 3);
        if (variant.instanceType.hasGpu) {
          alarm('GpuUtilization', m('/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average', Duration.minutes(5)), utilization, 'GPU utilization', 3);
        }
      }
    }
  }

  /**
   * SageMaker writes data captures with the model's role. A capture bucket of this stack grants
   * it in its bucket policy (the model often lives in another stack, which must not depend on
   * this one); a bucket of another stack (shared, like the model's) through the role itself.
   */
  private allowCaptureWrites(modelRole: SageMakerExecutionRole, bucket: s3.IBucket, prefix: string, modelKey?: kms.IKey): void {
    const role = modelRole.role;
    if (Stack.of(bucket) === Stack.of(this)) {
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }));
    } else {
      modelRole.grantWrite(bucket, prefix);
    }
    if (this.encryptionKey === modelKey) return; // the model's role already encrypts with its key
    const keyUse = new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal(role.roleArn)],
      actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
    });
    if (Stack.of(this.encryptionKey) !== Stack.of(this) || !this.encryptionKey.addToResourcePolicy(keyUse).statementAdded) {
      iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [this.encryptionKey.keyArn] });
    }
  }

  /** A topic encrypted with the endpoint's key, which CloudWatch may use to publish. */
  private createAlarmTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'Alarms', {
      displayName: `Alarms of SageMaker endpoint ${this.endpointName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    return topic;
  }

  private scale(variant: ResolvedVariant, options: AutoScalingOptions): void {
    const name = variant.options.name;
    const target = new appscaling.ScalableTarget(this, `${name}Scaling`, {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${name}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: options.minCapacity ?? 2,
      maxCapacity: options.maxCapacity,
    });
    target.node.addDependency(this.endpoint);
    const cooldowns = { scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(5), scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(1) };
    target.scaleToTrackMetric('Invocations', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: options.targetInvocationsPerInstance ?? 500,
      ...cooldowns,
    });
    if (options.targetCpuUtilization !== undefined) {
      target.scaleToTrackMetric('Cpu', {
        customMetric: this.variantMetric('/aws/sagemaker/Endpoints', 'CPUUtilization', name),
        targetValue: options.targetCpuUtilization,
        ...cooldowns,
      });
    }
    if (options.targetGpuUtilization !== undefined) {
      target.scaleToTrackMetric('Gpu', {
        customMetric: this.variantMetric('/aws/sagemaker/Endpoints', 'GPUUtilization', name),
        targetValue: options.targetGpuUtilization,
        ...cooldowns,
      });
    }
    (options.schedules ?? []).forEach((scheduled, index) => target.scaleOnSchedule(`Schedule${index}`, {
      schedule: scheduled.schedule,
      minCapacity: scheduled.minCapacity,
      maxCapacity: scheduled.maxCapacity,
    }));
  }

  private createDashboard(variants: ResolvedVariant[], driftFeatures: string[]): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.endpointName.slice(0, 255),
    });
    const per = (namespace: string, metricName: string, statistic: string) =>
      variants.map((v) => this.variantMetric(namespace, metricName, v.options.name, { statistic, label: `${v.options.name} ${metricName} ${statistic}` }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Invocations', left: per('AWS/SageMaker', 'Invocations', 'Sum'), right: per('AWS/SageMaker', 'InvocationsPerInstance', 'Sum') }),
      new cloudwatch.GraphWidget({ title: 'Model latency (µs)', left: ['p50', 'p90', 'p99'].flatMap((p) => per('AWS/SageMaker', 'ModelLatency', p)) }),
      new cloudwatch.GraphWidget({ title: 'Errors', left: [...per('AWS/SageMaker', 'Invocation4XXErrors', 'Sum'), ...per('AWS/SageMaker', 'Invocation5XXErrors', 'Sum')] }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Utilization (%)',
        left: ['CPUUtilization', 'MemoryUtilization', 'DiskUtilization', 'GPUUtilization'].flatMap((metric) => per('/aws/sagemaker/Endpoints', metric, 'Average')),
      }),
      new cloudwatch.GraphWidget({ title: 'Instances (sample count of CPU reports)', left: per('/aws/sagemaker/Endpoints', 'CPUUtilization', 'SampleCount') }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms }),
    );
    if (this.monitor && driftFeatures.length > 0) {
      dashboard.addWidgets(new cloudwatch.GraphWidget({
        title: 'Drift from the baseline',
        left: driftFeatures.map((feature) => this.monitor!.metricFeatureDrift(feature, { label: feature })),
        width: 24,
      }));
    }
    return dashboard;
  }
}

function validate(scope: Construct, id: string, props: MonitoredEndpointProps, variants: ResolvedVariant[], shadows: ResolvedVariant[]): void {
  const problems = ValidationProblems.of('MonitoredEndpoint', scope, id);
  const all = [...variants, ...shadows];
  if (props.endpointName !== undefined) {
    problems.require(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(props.endpointName), 'endpointName', props.endpointName, '1 to 63 letters, digits or "-", starting and ending with a letter or digit');
  }
  problems.require(variants.length >= 1 && variants.length <= 10, 'variants', `${variants.length} variants`, '1 to 10 production variants');
  const names = new Set<string>();
  for (const { options } of all) {
    problems.require(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(options.name), 'variants[].name', options.name, '1 to 63 letters, digits or "-"');
    problems.require(!names.has(options.name), 'variants[].name', options.name, 'each variant name once (shadow variants included)');
    names.add(options.name);
    if (options.serverless) {
      const { memorySizeMb, maxConcurrency, provisionedConcurrency } = options.serverless;
      problems.require([1024, 2048, 3072, 4096, 5120, 6144].includes(memorySizeMb), `variants[${options.name}].serverless.memorySizeMb`, memorySizeMb, '1024 to 6144 in steps of 1024');
      problems.require(Number.isInteger(maxConcurrency) && maxConcurrency >= 1 && maxConcurrency <= 200, `variants[${options.name}].serverless.maxConcurrency`, maxConcurrency, '1 to 200');
      if (provisionedConcurrency !== undefined) {
        problems.require(Number.isInteger(provisionedConcurrency) && provisionedConcurrency >= 1 && provisionedConcurrency <= maxConcurrency,
          `variants[${options.name}].serverless.provisionedConcurrency`, provisionedConcurrency, `1 to maxConcurrency (${maxConcurrency})`);
      }
    } else {
      const count = options.initialInstanceCount ?? 2;
      problems.require(Number.isInteger(count) && count >= (props.allowSingleInstance ? 1 : 2), `variants[${options.name}].initialInstanceCount`, count,
        props.allowSingleInstance ? 'a whole number of at least 1' : 'at least 2, across Availability Zones (allowSingleInstance: true to give that up)');
    }
    problems.require((options.weight ?? 1) >= 0, `variants[${options.name}].weight`, options.weight, 'a weight of at least 0');
  }
  problems.require(variants.some((v) => (v.options.weight ?? 1) > 0), 'variants[].weight', variants.map((v) => v.options.weight ?? 1), 'at least one weight above 0');

  const serverless = all.filter((v) => v.options.serverless).map((v) => v.options.name);
  if (serverless.length > 0) {
    problems.require(props.disableDataCapture === true, 'disableDataCapture', props.disableDataCapture,
      `true: SageMaker does not capture data of serverless variants (${serverless.join(', ')})`);
    problems.require(props.deployment === undefined, 'deployment', props.deployment?.type,
      `nothing: deployment guardrails do not support serverless variants (${serverless.join(', ')})`);
    problems.require(props.monitoring === undefined, 'monitoring', 'a monitoring schedule', 'nothing: it needs data capture, which serverless variants do not support');
  }
  if (props.dataCapture?.samplingPercentage !== undefined) {
    const pct = props.dataCapture.samplingPercentage;
    problems.require(Number.isInteger(pct) && pct >= 0 && pct <= 100, 'dataCapture.samplingPercentage', pct, 'a whole number from 0 to 100');
  }
  problems.require(!(props.disableDataCapture && props.monitoring), 'monitoring', 'a monitoring schedule', 'only with data capture on');
  if (props.autoScaling) {
    const min = props.autoScaling.minCapacity ?? 2;
    const max = props.autoScaling.maxCapacity;
    problems.require(min <= max, 'autoScaling.minCapacity', min, `at most maxCapacity (${max})`);
    problems.require(min >= (props.allowSingleInstance ? 1 : 2), 'autoScaling.minCapacity', min,
      'at least 2, across Availability Zones (allowSingleInstance: true to give that up)');
    problems.require(variants.some((v) => !v.options.serverless), 'autoScaling', 'autoscaling', 'instance-backed variants to scale (serverless variants scale themselves)');
    for (const target of [props.autoScaling.targetCpuUtilization, props.autoScaling.targetGpuUtilization]) {
      if (target !== undefined) problems.require(target > 0 && target <= 100, 'autoScaling.target*Utilization', target, 'a percentage above 0 and at most 100');
    }
  }
  for (const [prop, value, allowed] of props.deployment?.problems() ?? []) problems.add(prop, value, allowed);
  problems.throwIfAny();
}
