import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct, IDependable } from 'constructs';
import { asyncEndpointMetric } from './async-inference';
import { AutoScalingOptions } from '../autoscaling';
import { IEndpoint } from '../endpoint';

/** How an asynchronous endpoint scales: on its queue, and back from zero. */
export interface BacklogScaling {
  /** Queued requests per instance to track. */
  readonly targetPerInstance: number;
  /** Scale to 0 instances when idle, and back to 1 when a request is queued. */
  readonly scaleToZero: boolean;
}

/**
 * Target tracking of one instance-backed variant: invocations per instance (the queue per
 * instance for an asynchronous endpoint, which publishes no invocations), and CPU or GPU
 * utilization when asked, plus scheduled capacity; created after the endpoint exists. An
 * asynchronous endpoint that scales to zero also gets a step policy that adds an instance while
 * requests wait without capacity (`HasBacklogWithoutCapacity`): target tracking cannot divide
 * a queue by zero instances.
 */
export function scaleVariant(scope: Construct, endpoint: IEndpoint, variantName: string, options: AutoScalingOptions, after: IDependable, backlog?: BacklogScaling): void {
  const target = new appscaling.ScalableTarget(scope, `${variantName}Scaling`, {
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `endpoint/${endpoint.endpointName}/variant/${variantName}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity: options.minCapacity ?? (backlog?.scaleToZero ? 0 : 2),
    maxCapacity: options.maxCapacity,
  });
  target.node.addDependency(after);
  const cooldowns = { scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(5), scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(1) };
  if (backlog) {
    target.scaleToTrackMetric('Backlog', {
      customMetric: asyncEndpointMetric(endpoint.endpointName, 'ApproximateBacklogSizePerInstance', 'Average'),
      targetValue: backlog.targetPerInstance,
      ...cooldowns,
    });
    if (backlog.scaleToZero) {
      const fromZero = new appscaling.StepScalingAction(scope, `${variantName}ScaleFromZero`, {
        scalingTarget: target,
        adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        metricAggregationType: appscaling.MetricAggregationType.AVERAGE,
        cooldown: cooldowns.scaleOutCooldown,
      });
      fromZero.addAdjustment({ adjustment: 1, lowerBound: 0 });
      const waiting = new cloudwatch.Alarm(scope, `${variantName}BacklogWithoutCapacity`, {
        metric: asyncEndpointMetric(endpoint.endpointName, 'HasBacklogWithoutCapacity', 'Average'),
        threshold: 1,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
        alarmDescription: `${endpoint.endpointName}/${variantName}: requests queued with no instance: scale from zero`,
      });
      waiting.addAlarmAction(new cwActions.ApplicationScalingAction(fromZero));
    }
  } else {
    target.scaleToTrackMetric('Invocations', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: options.targetInvocationsPerInstance ?? 500,
      ...cooldowns,
    });
  }
  if (options.targetCpuUtilization !== undefined) {
    target.scaleToTrackMetric('Cpu', { customMetric: endpoint.metricCpuUtilization({ variantName }), targetValue: options.targetCpuUtilization, ...cooldowns });
  }
  if (options.targetGpuUtilization !== undefined) {
    target.scaleToTrackMetric('Gpu', { customMetric: endpoint.metricGpuUtilization({ variantName }), targetValue: options.targetGpuUtilization, ...cooldowns });
  }
  (options.schedules ?? []).forEach((scheduled, index) => target.scaleOnSchedule(`Schedule${index}`, {
    schedule: scheduled.schedule,
    minCapacity: scheduled.minCapacity,
    maxCapacity: scheduled.maxCapacity,
  }));
}
