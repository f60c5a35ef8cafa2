import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';

/**
 * A scheduled change of an endpoint variant's capacity bounds.
 */
export interface ScheduledCapacity {
  /** When, e.g. `appscaling.Schedule.cron({ hour: '8', minute: '0' })`. */
  readonly schedule: appscaling.Schedule;
  /**
   * The minimum from then on.
   *
   * @default - unchanged
   */
  readonly minCapacity?: number;
  /**
   * The maximum from then on.
   *
   * @default - unchanged
   */
  readonly maxCapacity?: number;
}

/**
 * Autoscaling of an endpoint's instance-backed variants.
 */
export interface AutoScalingOptions {
  /**
   * The fewest instances (at least 2, across Availability Zones, unless the endpoint allows a single instance).
   *
   * @default 2
   */
  readonly minCapacity?: number;

  /** The most instances. */
  readonly maxCapacity: number;

  /**
   * Target invocations per instance per minute.
   *
   * @default 500
   */
  readonly targetInvocationsPerInstance?: number;

  /**
   * Also track average CPU utilization (percent) at this target.
   *
   * @default - invocations only
   */
  readonly targetCpuUtilization?: number;

  /**
   * Also track average GPU utilization (percent) at this target (GPU instances).
   *
   * @default - invocations only
   */
  readonly targetGpuUtilization?: number;

  /**
   * Wait after a scale-in before the next one, so the fleet does not flap.
   *
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * Wait after a scale-out before the next one.
   *
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;

  /**
   * Scheduled changes of the bounds (e.g. more capacity in business hours).
   *
   * @default - none
   */
  readonly schedules?: ScheduledCapacity[];
}
