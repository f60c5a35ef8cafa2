import { Duration, Lazy, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EndpointAlarmOptions } from './alarm-options';
import { AsyncInferenceLocation, AsyncInferenceOptions } from './async-inference';
import { AutoScalingOptions } from './autoscaling';
import { DataCaptureOptions } from './data-capture';
import { DeploymentStrategy } from './deployment';
import { EndpointAttributes, EndpointBase, EndpointMetricOptions, IEndpoint } from './endpoint';
import { DataQualityMonitor, DataQualityOptions, MonitoringOptions } from './model-monitor';
import { ModelBiasMonitor, ModelBiasOptions } from './model-bias-monitor';
import { ExplainabilityOptions, ModelExplainabilityMonitor } from './model-explainability-monitor';
import { ModelQualityMonitor, ModelQualityOptions } from './model-quality-monitor';
import { createAlarmTopic, createEndpointAlarms } from './private/alarms';
import { biasProblems } from './private/bias-checks';
import { explainabilityProblems } from './private/explainability-checks';
import { allowAsyncAccess, asyncEndpointMetric, asyncProblems, createAsyncAlarms, grantAsyncCaller, renderAsyncConfig, ResolvedAsync, resolveAsync } from './private/async-inference';
import { allowCaptureWrites } from './private/capture-grants';
import { createEndpointDashboard, MonitorPanel } from './private/dashboard';
import { endpointArn, ImportedEndpoint } from './private/imported-endpoint';
import { linearLearnerAttributes, modelQualityAlarmSpecs, modelQualityProblems } from './private/model-quality-checks';
import { checkScheduleExpression } from './private/monitor-jobs';
import { scaleVariant } from './private/scaling';
import { renderVariant, ResolvedVariant } from './private/variants';
import { VariantOptions } from './variant-options';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { platformBucket } from '../core/private/platform-bucket';
import { ValidationProblems } from '../core/private/validation';
import { IServableModel } from '../models/servable-model';
import { configurationHash } from '../private/deploy-time-job';

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
   * @default - 20 % of requests and responses, to the stack's shared platform bucket
   */
  readonly dataCapture?: DataCaptureOptions;

  /**
   * Turn data capture off; needed for serverless variants, where SageMaker does not support it.
   *
   * @default false
   */
  readonly disableDataCapture?: boolean;

  /**
   * Model Monitor schedules of the captured traffic (need data capture): `dataQuality` and
   * `modelQuality`. The top-level `baseline`, `driftAlarmFeatures`, ... of earlier versions still
   * make a data-quality monitor (deprecated: move them under `dataQuality`).
   *
   * @default - no monitoring schedule
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * Autoscaling of the instance-backed variants. Updates of an autoscaled endpoint keep the
   * instance counts autoscaling reached (`RetainAllVariantProperties`, all but the weights and the
   * data capture settings, which come from the new configuration).
   *
   * @default - fixed capacity
   */
  readonly autoScaling?: AutoScalingOptions;

  /**
   * Make the endpoint asynchronous: requests queued from S3, results and failures written to S3
   * (KMS) and notified on SNS (KMS), autoscaling on the queue (optionally down to zero), alarms
   * on the queue's age and the failed invocations. It then takes only `InvokeEndpointAsync`.
   *
   * @default - a real-time endpoint
   */
  readonly asyncInference?: AsyncInferenceOptions;

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

/**
 * A real-time SageMaker endpoint with everything production needs: KMS on its volumes, encrypted
 * data capture, an optional Model Monitor data-quality schedule, autoscaling, CloudWatch alarms and
 * a dashboard, and guarded deployments that roll back on the alarms. Instance-backed variants
 * start with 2 instances across Availability Zones.
 *
 * The `AWS::SageMaker::Endpoint` is `node.defaultChild`.
 */
export class MonitoredEndpoint extends EndpointBase {
  /** An endpoint of another app, by name; its metrics measure the `AllTraffic` variant by default. */
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): IEndpoint {
    return new ImportedEndpoint(scope, id, { endpointName });
  }

  /** An endpoint of another app. */
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: EndpointAttributes): IEndpoint {
    return new ImportedEndpoint(scope, id, attrs);
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;

  /** The alarms that roll a deployment back (5XX errors and p99 latency per variant). */
  public readonly rollbackAlarms: cloudwatch.Alarm[];

  /** Every alarm of the endpoint. */
  public readonly alarms: cloudwatch.Alarm[];

  /** The alarms on features drifting from the baseline (`monitoring.driftAlarmFeatures`). */
  public readonly driftAlarms: cloudwatch.Alarm[] = [];

  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  /** The topic alarms notify. */
  public readonly alarmTopic: sns.ITopic;

  /** The bucket of data captures, when captured. */
  public readonly captureBucket?: s3.IBucket;

  /** The key of volumes and captures. */
  public readonly encryptionKey: kms.IKey;

  /** The data-quality monitor, when `monitoring.dataQuality` (or the deprecated `monitoring.baseline`) is given. */
  public readonly monitor?: DataQualityMonitor;

  /** The model-quality monitor, when `monitoring.modelQuality` is given. */
  public readonly modelQualityMonitor?: ModelQualityMonitor;

  /** The alarms on model-quality metrics (`monitoring.modelQuality.alarms`). */
  public readonly modelQualityAlarms: cloudwatch.Alarm[] = [];

  /** Where callers put the payloads of asynchronous requests (`asyncInference`). */
  public readonly asyncInput?: AsyncInferenceLocation;

  /** Where the results of asynchronous requests go (`asyncInference`); failures under `asyncFailurePrefix`. */
  public readonly asyncOutput?: AsyncInferenceLocation;

  /** The prefix of failed asynchronous requests in the output bucket (`asyncInference`). */
  public readonly asyncFailurePrefix?: string;

  /** The topic notified of each asynchronous result (`asyncInference`). */
  public readonly asyncSuccessTopic?: sns.ITopic;

  /** The topic notified of each failed asynchronous request (`asyncInference`). */
  public readonly asyncErrorTopic?: sns.ITopic;

  /** The bias monitor, when `monitoring.bias` is given. */
  public readonly biasMonitor?: ModelBiasMonitor;

  /** The alarms on bias metrics (`monitoring.bias.maxBiasMetrics`, per facet). */
  public readonly biasAlarms: cloudwatch.Alarm[] = [];

  /** The explainability monitor, when `monitoring.explainability` is given. */
  public readonly explainabilityMonitor?: ModelExplainabilityMonitor;

  /** The alarms on global SHAP values (`monitoring.explainability.maxFeatureAttributions`). */
  public readonly explainabilityAlarms: cloudwatch.Alarm[] = [];

  private readonly async?: ResolvedAsync;

  protected readonly defaultVariantName: string;

  constructor(scope: Construct, id: string, props: MonitoredEndpointProps) {
    super(scope, id);
    // A model resolved at deploy time (the latest approved version) resolves again whenever the
    // rest of the endpoint changes: an update never puts back an older version (see README).
    let configuration: unknown;
    const instanceType = props.instanceType ?? InstanceType.ML_M5_LARGE;
    // What the variants run on, so a model made for the endpoint gets the companion image that fits
    // (a serverless variant runs on CPUs).
    const servingOn = (variants: VariantOptions[]) => variants.map((v) => (v.serverless ? InstanceType.ML_M5_LARGE : v.instanceType ?? instanceType));
    const served = props.model.bindForServing(this, {
      network: props.network,
      revision: Lazy.string({ produce: () => configurationHash(this, configuration) }),
      instanceTypes: servingOn([...(props.variants ?? [{ name: 'AllTraffic' }]), ...(props.shadowVariants ?? [])].filter((v) => !v.model)),
    });
    const network = props.network ?? served.network ?? new SageMakerNetwork(this, 'Network');
    this.encryptionKey = props.encryptionKey ?? served.encryptionKey ?? network.encryptionKey;
    this.endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    this.endpointArn = endpointArn(this, this.endpointName);

    // Every model the endpoint serves, each bound once: all of them write captures (#27 a).
    const servedModels = [served];
    const resolve = (options: VariantOptions): ResolvedVariant => {
      const bound = options.model ? options.model.bindForServing(this, { network: props.network, instanceTypes: servingOn([options]) }) : served;
      if (!servedModels.includes(bound)) servedModels.push(bound);
      return { options, instanceType: options.instanceType ?? instanceType, modelName: bound.modelName };
    };
    const variants = (props.variants ?? [{ name: 'AllTraffic' }]).map(resolve);
    const shadows = (props.shadowVariants ?? []).map(resolve);
    const dataQuality = dataQualityOptions(props.monitoring);
    const modelQuality = modelQualityOptions(props.model, props.monitoring?.modelQuality);
    const capturePrefix = `capture/${this.endpointName}/`;
    validate(scope, id, props, variants, shadows, dataQuality, modelQuality, this.endpointName, capturePrefix);
    this.defaultVariantName = variants[0].options.name;

    const captureEnabled = !props.disableDataCapture;
    if (captureEnabled) {
      this.captureBucket = props.dataCapture?.bucket ?? platformBucket(this, this.encryptionKey);
      // SageMaker writes a variant's captures with that variant's model role.
      const roles = new Set<unknown>();
      for (const model of servedModels) {
        if (!model.role || roles.has(model.role)) continue;
        roles.add(model.role);
        allowCaptureWrites(this, model.role, { bucket: this.captureBucket, prefix: capturePrefix, encryptionKey: this.encryptionKey }, model.encryptionKey);
      }
    }
    if (props.asyncInference) {
      const resolved = this.async = resolveAsync(this, this.endpointName, props.asyncInference, this.encryptionKey);
      this.asyncInput = resolved.input;
      this.asyncOutput = resolved.output;
      this.asyncFailurePrefix = resolved.failurePrefix;
      this.asyncSuccessTopic = resolved.successTopic;
      this.asyncErrorTopic = resolved.errorTopic;
      // SageMaker reads the payloads, writes the results and notifies with each variant's model role.
      const roles = new Set<unknown>();
      for (const model of servedModels) {
        if (!model.role || roles.has(model.role)) continue;
        roles.add(model.role);
        allowAsyncAccess(this, model.role, resolved, this.encryptionKey, model.encryptionKey);
      }
    }

    const timeouts = { containerStartupTimeout: props.containerStartupTimeout, modelDownloadTimeout: props.modelDownloadTimeout };
    const anyInstances = [...variants, ...shadows].some((v) => !v.options.serverless);
    const config = new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants: variants.map((v) => renderVariant(v, timeouts)),
      shadowProductionVariants: shadows.length ? shadows.map((v) => renderVariant(v, timeouts)) : undefined,
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
      asyncInferenceConfig: this.async ? renderAsyncConfig(this.async, this.encryptionKey) : undefined,
    });
    if (served.role) config.node.addDependency(served.role);
    configuration = {
      variants: [...variants, ...shadows].map((v) => renderVariant({ ...v, modelName: '' }, timeouts)),
      capture: captureEnabled ? [props.dataCapture?.samplingPercentage ?? 20, this.captureBucket!.bucketName] : false,
      key: this.encryptionKey.keyArn,
      // An endpoint update with CloudFormation's configuration would put its model back: any
      // change that updates the endpoint is in here.
      deployment: (props.deployment ?? DeploymentStrategy.allAtOnce())._render([]),
      name: this.endpointName,
      // Only when autoscaled, so the revision of every other endpoint stays what it was.
      ...(props.autoScaling ? { retainScale: RETAINED_ON_UPDATE } : {}),
      // Only when asynchronous, likewise.
      ...(this.async ? { async: renderAsyncConfig(this.async, this.encryptionKey) } : {}),
    };

    this.alarmTopic = props.alarmTopic ?? createAlarmTopic(this, this.endpointName, this.encryptionKey);
    const { alarms, rollbackAlarms } = createEndpointAlarms(this, this, variants, props.alarms ?? {}, this.alarmTopic);
    this.alarms = alarms;
    this.rollbackAlarms = rollbackAlarms;
    if (this.async) {
      this.alarms.push(...createAsyncAlarms(this, this.endpointName, variants.map((v) => v.options.name), this.async.options, this.alarmTopic));
    }
    // Guardrails support no serverless variant, shadows included (#27 c): validate() rejects an
    // explicit deployment with one, and the default all-at-once guardrail is left out.
    const anyServerless = [...variants, ...shadows].some((v) => v.options.serverless);
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      // Guardrails are not supported for serverless endpoints.
      deploymentConfig: anyServerless ? undefined
        : (props.deployment ?? DeploymentStrategy.allAtOnce())._render(this.rollbackAlarms.map((alarm) => alarm.alarmName)),
      // Autoscaled: an update keeps the instance counts autoscaling reached instead of going back
      // to the config's initial counts (aws-cdk#23151); weights and capture still come from the config.
      ...(props.autoScaling ? {
        retainAllVariantProperties: true,
        excludeRetainedVariantProperties: RETAINED_ON_UPDATE.excluded.map((variantPropertyType) => ({ variantPropertyType })),
      } : {}),
    });
    // The L1 stays reachable for escape hatches, without being API.
    this.node.defaultChild = endpoint;

    if (props.autoScaling) {
      const backlog = this.async
        ? { targetPerInstance: this.async.options.targetBacklogPerInstance ?? 5, scaleToZero: this.async.options.scaleToZero ?? false }
        : undefined;
      for (const variant of variants.filter((v) => !v.options.serverless)) scaleVariant(this, this, variant.options.name, props.autoScaling, endpoint, backlog);
    }
    const driftFeatures = dataQuality?.driftAlarmFeatures ?? [];
    if (dataQuality) {
      const monitor = this.monitor = new DataQualityMonitor(this, 'Monitor', {
        ...dataQuality,
        endpointName: this.endpointName,
        endpoint,
        captureBucket: this.captureBucket!,
        capturePrefix,
        network,
        encryptionKey: this.encryptionKey,
      });
      for (const feature of driftFeatures) {
        const alarm = new cloudwatch.Alarm(this, `Drift${feature}`, {
          metric: monitor.metricFeatureDrift(feature),
          threshold: dataQuality.driftThreshold ?? 0.1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `${this.endpointName}: feature ${feature} drifted from its baseline (monitor violation)`,
        });
        alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
        this.alarms.push(alarm);
        this.driftAlarms.push(alarm);
      }
    }
    if (modelQuality) {
      const quality = this.modelQualityMonitor = new ModelQualityMonitor(this, 'ModelQuality', {
        ...modelQuality,
        endpointName: this.endpointName,
        endpoint,
        captureBucket: this.captureBucket!,
        capturePrefix,
        network,
        encryptionKey: this.encryptionKey,
      });
      for (const spec of modelQualityAlarmSpecs(modelQuality.problemType, modelQuality.alarms)) {
        const alarm = new cloudwatch.Alarm(this, `ModelQuality${spec.id}`, {
          metric: quality.metric(spec.metricName),
          threshold: spec.threshold,
          evaluationPeriods: 1,
          comparisonOperator: spec.below ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          // No labels in an hour means no metric: not a breach.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `${this.endpointName}: model quality ${spec.metricName} ${spec.below ? 'below' : 'above'} ${spec.threshold} (captures merged with ground truth)`,
        });
        alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
        this.alarms.push(alarm);
        this.modelQualityAlarms.push(alarm);
      }
    }
    const bias = biasOptions(props.model, props.monitoring?.bias);
    if (bias) {
      const biasMonitor = this.biasMonitor = new ModelBiasMonitor(this, 'Bias', {
        ...bias,
        endpointName: this.endpointName,
        endpoint,
        captureBucket: this.captureBucket!,
        capturePrefix,
        network,
        encryptionKey: this.encryptionKey,
      });
      for (const [shortName, threshold] of Object.entries(bias.maxBiasMetrics ?? {})) {
        for (const facet of bias.facets) {
          const alarm = new cloudwatch.Alarm(this, `Bias${shortName}${facet.name.replace(/[^A-Za-z0-9]/g, '')}`, {
            metric: biasMonitor.metricBiasMagnitude(shortName, facet.name),
            threshold,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
            alarmDescription: `${this.endpointName}: bias metric ${shortName} of facet ${facet.name} beyond ${threshold} (Clarify bias drift)`,
          });
          alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
          this.alarms.push(alarm);
          this.biasAlarms.push(alarm);
        }
      }
    }
    const explainability = explainabilityOptions(props.model, props.monitoring?.explainability);
    if (explainability) {
      const explainer = this.explainabilityMonitor = new ModelExplainabilityMonitor(this, 'Explainability', {
        ...explainability,
        endpointName: this.endpointName,
        endpoint,
        modelName: served.modelName,
        captureBucket: this.captureBucket!,
        capturePrefix,
        network,
        encryptionKey: this.encryptionKey,
      });
      for (const [feature, threshold] of Object.entries(explainability.maxFeatureAttributions ?? {})) {
        const alarm = new cloudwatch.Alarm(this, `Attribution${feature.replace(/[^A-Za-z0-9]/g, '')}`, {
          metric: explainer.metricFeatureAttribution(feature),
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `${this.endpointName}: global SHAP value of feature ${feature} above ${threshold} (Clarify feature attribution drift)`,
        });
        alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
        this.alarms.push(alarm);
        this.explainabilityAlarms.push(alarm);
      }
    }
    const monitor = this.monitor;
    const quality = this.modelQualityMonitor;
    const panels: MonitorPanel[] = [];
    const hourly = 'cron(0 * ? * * *)';
    if (monitor && dataQuality) {
      panels.push({
        title: 'Data quality', scheduleName: monitor.scheduleName, scheduleExpression: dataQuality.scheduleExpression ?? hourly,
        baseline: dataQuality.baseline.datasetBucket ? 'computed at deploy from a dataset' : 'statistics and constraints from S3',
        latest: driftFeatures.map((feature) => monitor.metricFeatureDrift(feature, { label: `drift ${feature}` })), violations: this.driftAlarms,
      });
    }
    if (quality && modelQuality) {
      panels.push({
        title: 'Model quality', scheduleName: quality.scheduleName, scheduleExpression: modelQuality.scheduleExpression ?? hourly,
        baseline: baselineInWords(modelQuality.baseline), latest: quality.keyMetrics.map((name) => quality.metric(name, { label: name })), violations: this.modelQualityAlarms,
      });
    }
    const biasMonitor = this.biasMonitor;
    if (biasMonitor && bias) {
      const alarmed = Object.keys(bias.maxBiasMetrics ?? {});
      panels.push({
        title: 'Bias', scheduleName: biasMonitor.scheduleName, scheduleExpression: bias.scheduleExpression ?? hourly, baseline: baselineInWords(bias.baseline),
        latest: (alarmed.length ? alarmed : ['DPPL']).flatMap((name) => bias.facets.filter((f) => f.valuesOrThreshold).map((f) => biasMonitor.metricBiasMagnitude(name, f.name))),
        violations: this.biasAlarms,
      });
    }
    const explainer = this.explainabilityMonitor;
    if (explainer && explainability) {
      const features = explainability.headers ?? Object.keys(explainability.maxFeatureAttributions ?? {});
      panels.push({
        title: 'Feature attribution', scheduleName: explainer.scheduleName, scheduleExpression: explainability.scheduleExpression ?? hourly,
        baseline: baselineInWords(explainability.baseline),
        latest: features.map((feature) => explainer.metricFeatureAttribution(feature, undefined, { label: `SHAP ${feature}` })), violations: this.explainabilityAlarms,
      });
    }
    this.dashboard = createEndpointDashboard(this, this, variants, this.alarms,
      monitor ? { features: driftFeatures, metricFor: (feature) => monitor.metricFeatureDrift(feature, { label: feature }) } : undefined,
      quality?.keyMetrics.map((name) => quality.metric(name, { label: name })),
      this.async ? [
        this.metricAsyncBacklogSize({ label: 'ApproximateBacklogSize' }),
        this.metricAsyncOldestRequestAge({ label: 'ApproximateAgeOfOldestRequest (s)' }),
        ...variants.map((v) => this.metricAsyncInvocationFailures({ variantName: v.options.name, label: `${v.options.name} InvocationFailures` })),
      ] : undefined, panels);
  }

  /**
   * Lets the grantee invoke the endpoint; for an asynchronous endpoint also put request payloads
   * under the input prefix and read the results and failures (decrypting them with the
   * endpoint's key).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const invoke = super.grantInvoke(grantee);
    return this.async ? invoke.combine(grantAsyncCaller(grantee, this.async, this.encryptionKey)) : invoke;
  }

  /**
   * Queued asynchronous requests, endpoint-wide (`ApproximateBacklogSize`).
   *
   * @default - average over 1 minute
   */
  public metricAsyncBacklogSize(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return asyncEndpointMetric(this.endpointName, 'ApproximateBacklogSize', 'Average', props);
  }

  /**
   * The age of the oldest queued asynchronous request in seconds (`ApproximateAgeOfOldestRequest`).
   *
   * @default - maximum over 1 minute
   */
  public metricAsyncOldestRequestAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return asyncEndpointMetric(this.endpointName, 'ApproximateAgeOfOldestRequest', 'Maximum', props);
  }

  /**
   * Failed asynchronous invocations of a variant (`InvocationFailures`).
   *
   * @default - sum over 1 minute, the first variant
   */
  public metricAsyncInvocationFailures(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('InvocationFailures', { statistic: 'Sum', ...props });
  }
}

/**
 * What an update of an autoscaled endpoint keeps from the running one: everything but the weights
 * and the data capture settings, which come from the new config; the desired instance counts stay.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-endpoint.html
 */
const RETAINED_ON_UPDATE = { retainAll: true, excluded: ['DesiredWeight', 'DataCaptureConfig'] };

/** A baseline as the dashboard states it. */
function baselineInWords(baseline: { datasetBucket?: unknown; constraintsUri?: string } | undefined): string {
  if (!baseline) return 'none (values published, no violations reported)';
  return baseline.datasetBucket ? 'computed at deploy from a dataset' : 'constraints from S3';
}

/** The data-quality options: `dataQuality`, or the deprecated top-level settings of earlier versions. */
function dataQualityOptions(monitoring: MonitoringOptions | undefined): DataQualityOptions | undefined {
  if (!monitoring) return undefined;
  if (monitoring.dataQuality) return monitoring.dataQuality;
  if (!monitoring.baseline) return undefined;
  const { baseline, scheduleExpression, driftAlarmFeatures, driftThreshold, instanceType } = monitoring;
  return { baseline, scheduleExpression, driftAlarmFeatures, driftThreshold, instanceType };
}

/** The model-quality options with the attributes of the model's algorithm filled in (Linear Learner's JSON response). */
function modelQualityOptions(model: IServableModel, options: ModelQualityOptions | undefined): ModelQualityOptions | undefined {
  if (!options) return undefined;
  if (algorithmOf(model) !== 'linear-learner' || options.inferenceAttribute !== undefined || options.probabilityAttribute !== undefined) return options;
  return { ...options, ...linearLearnerAttributes(options.problemType) };
}

/** The bias options with the attributes of the model's algorithm filled in (Linear Learner's JSON response). */
function biasOptions(model: IServableModel, options: ModelBiasOptions | undefined): ModelBiasOptions | undefined {
  if (!options) return undefined;
  if (algorithmOf(model) !== 'linear-learner' || options.inferenceAttribute !== undefined || options.probabilityAttribute !== undefined) return options;
  return { ...options, inferenceAttribute: 'predictions[0].predicted_label', probabilityAttribute: 'predictions[0].score' };
}

/** The explainability options with the shadow model's response format filled in (Linear Learner's JSON Lines score). */
function explainabilityOptions(model: IServableModel, options: ExplainabilityOptions | undefined): ExplainabilityOptions | undefined {
  if (!options) return undefined;
  if (algorithmOf(model) !== 'linear-learner' || options.acceptType !== undefined || options.probability !== undefined) return options;
  return { ...options, acceptType: 'application/jsonlines', probability: 'score' };
}

/** The name of the algorithm serving the model, when it is a model source (a job, a tuned model, a registered version). */
function algorithmOf(model: IServableModel): string | undefined {
  const algorithm = (model as { algorithm?: { name?: unknown } }).algorithm;
  return typeof algorithm?.name === 'string' ? algorithm.name : undefined;
}

function validate(scope: Construct, id: string, props: MonitoredEndpointProps, variants: ResolvedVariant[], shadows: ResolvedVariant[],
  dataQuality: DataQualityOptions | undefined, modelQuality: ModelQualityOptions | undefined, endpointName: string, capturePrefix: string): void {
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
  const scaleToZero = props.asyncInference?.scaleToZero === true;
  if (props.autoScaling) {
    const min = props.autoScaling.minCapacity ?? (scaleToZero ? 0 : 2);
    const max = props.autoScaling.maxCapacity;
    problems.require(min <= max, 'autoScaling.minCapacity', min, `at most maxCapacity (${max})`);
    // With scale to zero, asyncProblems() requires 0.
    if (!scaleToZero) {
      problems.require(min >= (props.allowSingleInstance ? 1 : 2), 'autoScaling.minCapacity', min,
        'at least 2, across Availability Zones (allowSingleInstance: true to give that up)');
    }
    problems.require(variants.some((v) => !v.options.serverless), 'autoScaling', 'autoscaling', 'instance-backed variants to scale (serverless variants scale themselves)');
    for (const target of [props.autoScaling.targetCpuUtilization, props.autoScaling.targetGpuUtilization]) {
      if (target !== undefined) problems.require(target > 0 && target <= 100, 'autoScaling.target*Utilization', target, 'a percentage above 0 and at most 100');
    }
  }
  for (const [prop, value, allowed] of props.deployment?._problems() ?? []) problems.add(prop, value, allowed);
  if (props.monitoring) monitoringProblems(problems, props, dataQuality, modelQuality);
  if (props.asyncInference) {
    asyncProblems(problems, props.asyncInference, endpointName, {
      serverless: variants.filter((v) => v.options.serverless).map((v) => v.options.name),
      shadows: shadows.map((v) => v.options.name),
      capture: props.disableDataCapture ? undefined : { bucket: props.dataCapture?.bucket, prefix: capturePrefix },
      autoScaling: props.autoScaling,
    });
  }
  // At once: the endpoint's alarms, variants and scaling cannot be built from some of these.
  problems.throwNow();
}

function monitoringProblems(problems: ValidationProblems, props: MonitoredEndpointProps, dataQuality: DataQualityOptions | undefined, modelQuality: ModelQualityOptions | undefined): void {
  const monitoring = props.monitoring!;
  const deprecated = (['baseline', 'scheduleExpression', 'driftAlarmFeatures', 'driftThreshold', 'instanceType'] as const).filter((name) => monitoring[name] !== undefined);
  if (monitoring.dataQuality) {
    problems.require(deprecated.length === 0, 'monitoring', deprecated.map((name) => `monitoring.${name}`),
      'the data-quality settings in one place: under monitoring.dataQuality (the top-level ones are deprecated)');
  } else if (!monitoring.baseline) {
    problems.require(deprecated.length === 0, 'monitoring.baseline', monitoring.baseline, `a baseline for the data-quality settings given (${deprecated.join(', ')}), or those settings under monitoring.dataQuality`);
  }
  problems.require(dataQuality !== undefined || modelQuality !== undefined || monitoring.bias !== undefined || monitoring.explainability !== undefined,
    'monitoring', 'no monitor', 'dataQuality, modelQuality, bias, explainability or more');
  const explainability = explainabilityOptions(props.model, monitoring.explainability);
  if (explainability) explainabilityProblems(problems, 'monitoring.explainability.', explainability);
  const bias = biasOptions(props.model, monitoring.bias);
  if (bias) biasProblems(problems, 'monitoring.bias.', bias);
  if (dataQuality) {
    checkScheduleExpression(problems, monitoring.dataQuality ? 'monitoring.dataQuality.scheduleExpression' : 'monitoring.scheduleExpression', dataQuality.scheduleExpression);
  }
  if (modelQuality) {
    const algorithm = algorithmOf(props.model);
    problems.require(algorithm !== 'kmeans', 'monitoring.modelQuality', algorithm,
      'a model that predicts labels or values: K-Means assigns clusters, which have no ground truth (use dataQuality)');
    if (algorithm !== 'kmeans') modelQualityProblems(problems, 'monitoring.modelQuality.', modelQuality);
  }
}
