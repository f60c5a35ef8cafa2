import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ResolvedVariant } from './variants';
import { EndpointAlarmOptions } from '../alarm-options';
import { IEndpoint } from '../endpoint';

/** An endpoint's alarms: all of them, and those that roll a deployment back. */
export interface EndpointAlarms {
  readonly alarms: cloudwatch.Alarm[];
  readonly rollbackAlarms: cloudwatch.Alarm[];
}

/**
 * Per variant: 5XX errors and p99 latency (which also roll deployments back), 4XX errors, and on
 * instance-backed variants CPU, memory, disk and (on GPU instances) GPU utilization; each
 * notifies the topic.
 */
export function createEndpointAlarms(scope: Construct, endpoint: IEndpoint, variants: ResolvedVariant[],
  thresholds: EndpointAlarmOptions, topic: sns.ITopic): EndpointAlarms {
  const alarms: cloudwatch.Alarm[] = [];
  const rollbackAlarms: cloudwatch.Alarm[] = [];
  const utilization = thresholds.maxUtilizationPercent ?? 80;
  for (const variant of variants) {
    const variantName = variant.options.name;
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, periods = 1, rollback = false) => {
      const created = new cloudwatch.Alarm(scope, `${variantName}${id}`, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${endpoint.endpointName}/${variantName}: ${description}`,
      });
      created.addAlarmAction(new cwActions.SnsAction(topic));
      alarms.push(created);
      if (rollback) rollbackAlarms.push(created);
    };
    const fiveMinutes = { variantName, period: Duration.minutes(5) };
    alarm('5xxErrors', endpoint.metric5xxErrors({ variantName }), thresholds.max5xxErrorsPerMinute ?? 1, '5XX errors', 1, true);
    const latency = (thresholds.maxModelLatencyP99 ?? Duration.seconds(1)).toMilliseconds() * 1000;
    alarm('ModelLatencyP99', endpoint.metricModelLatency({ variantName }), latency, 'p99 model latency (microseconds)', 3, true);
    alarm('4xxErrors', endpoint.metric4xxErrors(fiveMinutes), thresholds.max4xxErrorsPer5Minutes ?? 50, '4XX (invocation) errors');
    if (!variant.options.serverless) {
      alarm('CpuUtilization', endpoint.metricCpuUtilization(fiveMinutes), utilization, 'CPU utilization', 3);
      alarm('MemoryUtilization', endpoint.metricMemoryUtilization(fiveMinutes), utilization, 'memory utilization', 3);
      alarm('DiskUtilization', endpoint.metricDiskUtilization(fiveMinutes), utilization, 'disk utilization', 3);
      // Any NVIDIA instance reports GPU utilization, whether or not the companion images' CUDA build runs on it.
      if (variant.instanceType.gpuArchitecture !== undefined) {
        alarm('GpuUtilization', endpoint.metricGpuUtilization(fiveMinutes), utilization, 'GPU utilization', 3);
      }
    }
  }
  if (rollbackAlarms.length <= MAX_ROLLBACK_ALARMS) return { alarms, rollbackAlarms };
  // SageMaker takes at most 10 rollback alarms (AutoRollbackConfiguration): with more than 5
  // variants, deployments roll back on two endpoint-wide alarms over every variant instead (the
  // sum of 5XX errors, the worst p99 latency); each variant's alarms still notify (#27 d).
  const across = (metricOf: (variantName: string) => cloudwatch.IMetric, combine: 'SUM' | 'MAX', label: string) => new cloudwatch.MathExpression({
    expression: `${combine}([${variants.map((_, i) => `m${i}`).join(',')}])`,
    usingMetrics: Object.fromEntries(variants.map((v, i) => [`m${i}`, metricOf(v.options.name)])),
    label,
    period: Duration.minutes(1),
  });
  const latency = (thresholds.maxModelLatencyP99 ?? Duration.seconds(1)).toMilliseconds() * 1000;
  const endpointWide = [
    ['AllVariants5xxErrors', across((variantName) => endpoint.metric5xxErrors({ variantName }), 'SUM', '5XX errors, all variants'), thresholds.max5xxErrorsPerMinute ?? 1, 1, '5XX errors of all variants'],
    ['AllVariantsModelLatencyP99', across((variantName) => endpoint.metricModelLatency({ variantName }), 'MAX', 'p99 model latency, worst variant'), latency, 3, 'p99 model latency of the worst variant (microseconds)'],
  ] as const;
  const combined = endpointWide.map(([id, metric, threshold, periods, description]) => {
    const created = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${endpoint.endpointName}: ${description}`,
    });
    created.addAlarmAction(new cwActions.SnsAction(topic));
    alarms.push(created);
    return created;
  });
  return { alarms, rollbackAlarms: combined };
}

/** AutoRollbackConfiguration's limit. */
const MAX_ROLLBACK_ALARMS = 10;

/** A topic encrypted with the endpoint's key, which CloudWatch may use to publish. */
export function createAlarmTopic(scope: Construct, endpointName: string, encryptionKey: kms.IKey): sns.Topic {
  const topic = new sns.Topic(scope, 'Alarms', {
    displayName: `Alarms of SageMaker endpoint ${endpointName}`,
    masterKey: encryptionKey,
    enforceSSL: true,
  });
  encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
  }));
  return topic;
}
