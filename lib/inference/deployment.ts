import { Duration } from 'aws-cdk-lib';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';

/**
 * Options shared by every guarded deployment.
 */
export interface DeploymentOptions {
  /**
   * The longest an update may take before SageMaker rolls it back (600 to 28,800 seconds).
   *
   * @default - SageMaker's default
   */
  readonly timeout?: Duration;

  /**
   * How long the old fleet is kept after traffic has moved, for a fast rollback (0 to 3,600 seconds).
   *
   * @default - SageMaker's default
   */
  readonly terminationWait?: Duration;
}

/** Options of a canary deployment. */
export interface CanaryOptions extends DeploymentOptions {
  /** The share of capacity that gets traffic first (1 to 50). */
  readonly canaryPercent: number;
  /** How long the canary bakes before the rest of the traffic moves (0 to 3,600 seconds). */
  readonly bake: Duration;
}

/** Options of a linear deployment. */
export interface LinearOptions extends DeploymentOptions {
  /** The share of capacity moved at each step (10 to 50). */
  readonly stepPercent: number;
  /** How long each step bakes (0 to 3,600 seconds). */
  readonly bake: Duration;
}

/** Options of a rolling deployment. */
export interface RollingOptions extends DeploymentOptions {
  /** The share of capacity replaced at each step (5 to 50). */
  readonly batchPercent: number;
  /** How long each batch bakes (0 to 3,600 seconds). */
  readonly bake: Duration;
}

/** Options of an all-at-once deployment. */
export interface AllAtOnceOptions extends DeploymentOptions {
  /**
   * How long the new fleet bakes with all traffic before the old one is let go (0 to 3,600 seconds).
   *
   * @default Duration.minutes(5)
   */
  readonly bake?: Duration;
}

/**
 * How an endpoint update moves traffic to the new fleet; every strategy rolls back
 * automatically when one of the endpoint's rollback alarms fires.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
 */
export class DeploymentStrategy {
  /** Blue/green, all traffic at once, then a bake with rollback alarms. */
  public static allAtOnce(options: AllAtOnceOptions = {}): DeploymentStrategy {
    return new DeploymentStrategy('ALL_AT_ONCE', options, undefined, options.bake ?? Duration.minutes(5));
  }

  /** Blue/green, a canary share of capacity first, then the rest. */
  public static canary(options: CanaryOptions): DeploymentStrategy {
    return new DeploymentStrategy('CANARY', options, options.canaryPercent, options.bake);
  }

  /** Blue/green, traffic moved in equal steps. */
  public static linear(options: LinearOptions): DeploymentStrategy {
    return new DeploymentStrategy('LINEAR', options, options.stepPercent, options.bake);
  }

  /** Rolling: the fleet is replaced in batches in place (no second fleet). */
  public static rolling(options: RollingOptions): DeploymentStrategy {
    return new DeploymentStrategy('ROLLING', options, options.batchPercent, options.bake);
  }

  private constructor(
    /** `ALL_AT_ONCE`, `CANARY`, `LINEAR` or `ROLLING`. */
    public readonly type: string,
    private readonly options: DeploymentOptions,
    private readonly percent: number | undefined,
    private readonly bake: Duration,
  ) {}

  /**
   * What is wrong with the strategy, as `[prop, value, allowed]` triples.
   *
   * @internal
   */
  public _problems(): string[][] {
    const found: string[][] = [];
    const bounds: Record<string, [number, number, string]> = { CANARY: [1, 50, 'canaryPercent'], LINEAR: [10, 50, 'stepPercent'], ROLLING: [5, 50, 'batchPercent'] };
    const bound = bounds[this.type];
    if (bound && !(this.percent! >= bound[0] && this.percent! <= bound[1])) {
      found.push([`deployment.${bound[2]}`, String(this.percent), `${bound[0]} to ${bound[1]} percent`]);
    }
    const seconds = (d: Duration) => d.toSeconds();
    if (!(seconds(this.bake) >= 0 && seconds(this.bake) <= 3600)) found.push(['deployment.bake', this.bake.toHumanString(), '0 to 3600 seconds']);
    const { timeout, terminationWait } = this.options;
    if (timeout && !(seconds(timeout) >= 600 && seconds(timeout) <= 28800)) found.push(['deployment.timeout', timeout.toHumanString(), '600 to 28800 seconds']);
    if (terminationWait && !(seconds(terminationWait) >= 0 && seconds(terminationWait) <= 3600)) {
      found.push(['deployment.terminationWait', terminationWait.toHumanString(), '0 to 3600 seconds']);
    }
    return found;
  }

  /**
   * The endpoint's deployment config (as the L1 `CfnEndpoint` takes it), rolling back on the
   * given alarms.
   *
   * @internal
   */
  public _render(alarmNames: string[]): sagemaker.CfnEndpoint.DeploymentConfigProperty {
    const capacity = this.percent !== undefined ? { type: 'CAPACITY_PERCENT', value: this.percent } : undefined;
    const timeout = this.options.timeout?.toSeconds();
    const policy = this.type === 'ROLLING'
      ? { rollingUpdatePolicy: { maximumBatchSize: capacity!, waitIntervalInSeconds: this.bake.toSeconds(), maximumExecutionTimeoutInSeconds: timeout } }
      : {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: {
            type: this.type,
            waitIntervalInSeconds: this.bake.toSeconds(),
            canarySize: this.type === 'CANARY' ? capacity : undefined,
            linearStepSize: this.type === 'LINEAR' ? capacity : undefined,
          },
          terminationWaitInSeconds: this.options.terminationWait?.toSeconds(),
          maximumExecutionTimeoutInSeconds: timeout,
        },
      };
    return { ...policy, autoRollbackConfiguration: { alarms: alarmNames.map((alarmName) => ({ alarmName })) } };
  }
}
