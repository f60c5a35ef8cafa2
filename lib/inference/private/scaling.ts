import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import { Construct, IDependable } from 'constructs';
import { AutoScalingOptions } from '../autoscaling';
import { IEndpoint } from '../endpoint';

/**
 * Target tracking of one instance-backed variant: invocations per instance, and CPU or GPU
 * utilization when asked, plus scheduled capacity; created after the endpoint exists.
 */
export function scaleVariant(scope: Construct, endpoint: IEndpoint, variantName: string, options: AutoScalingOptions, after: IDependable): void {
  const target = new appscaling.ScalableTarget(scope, `${variantName}Scaling`, {
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `endpoint/${endpoint.endpointName}/variant/${variantName}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity: options.minCapacity ?? 2,
    maxCapacity: options.maxCapacity,
  });
  target.node.addDependency(after);
  const cooldowns = { scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(5), scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(1) };
  target.scaleToTrackMetric('Invocations', {
    predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
    targetValue: options.targetInvocationsPerInstance ?? 500,
    ...cooldowns,
  });
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
