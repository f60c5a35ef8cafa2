import { Duration, Token } from 'aws-cdk-lib';

/**
 * Options of a retraining schedule.
 */
export interface RetrainingScheduleOptions {
  /**
   * The time zone of a cron expression (IANA name).
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/**
 * When a retraining pipeline runs by itself (EventBridge Scheduler).
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export class RetrainingSchedule {
  /** Every `interval` (whole minutes, hours or days). */
  public static rate(interval: Duration): RetrainingSchedule {
    const minutes = interval.toMinutes();
    const [value, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
    return new RetrainingSchedule(`rate(${value} ${unit}${value === 1 ? '' : 's'})`, undefined);
  }

  /** A cron expression of EventBridge Scheduler's six fields, e.g. `cron(0 3 ? * MON *)`. */
  public static cron(expression: string, options: RetrainingScheduleOptions = {}): RetrainingSchedule {
    return new RetrainingSchedule(expression, options.timeZone);
  }

  /** A `rate(...)` or `cron(...)` expression as given. */
  public static expression(expression: string, options: RetrainingScheduleOptions = {}): RetrainingSchedule {
    return new RetrainingSchedule(expression, options.timeZone);
  }

  private constructor(
    /** The schedule expression. */
    public readonly expressionString: string,
    /** The time zone, if any. */
    public readonly timeZone: string | undefined,
  ) {}

  /**
   * What is wrong with the schedule, as `[prop, value, allowed]` triples.
   *
   * @internal
   */
  public _problems(): string[][] {
    const expression = this.expressionString;
    if (Token.isUnresolved(expression)) return [];
    const rate = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
    if (rate) return [];
    const cron = /^cron\((\S+ ){5}\S+\)$/.test(expression);
    return cron ? [] : [['schedule', expression, 'rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day of month> <month> <day of week> <year>)']];
  }
}
