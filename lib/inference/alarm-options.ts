import { Duration } from 'aws-cdk-lib';

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
