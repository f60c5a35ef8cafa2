/**
 * How a tuning job searches a numeric range.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-define-ranges.html
 */
export enum ScalingType {
  /** SageMaker chooses. */
  AUTO = 'Auto',
  /** Values spread evenly between min and max. */
  LINEAR = 'Linear',
  /** Values spread evenly on a log scale; min must be above 0. */
  LOGARITHMIC = 'Logarithmic',
  /** Dense near 1; the range must lie in [0, 1). Continuous ranges only. */
  REVERSE_LOGARITHMIC = 'ReverseLogarithmic',
}

/** The scaling names SageMaker accepts. */
const SCALING_TYPES: readonly string[] = Object.values(ScalingType);

/**
 * Options of a numeric range.
 */
export interface NumericRangeOptions {
  /**
   * How the range is searched: `Auto`, `Linear`, `Logarithmic` or `ReverseLogarithmic` (see
   * `ScalingType`).
   *
   * @default 'Auto'
   */
  readonly scaling?: string;
}

/**
 * A hyperparameter a tuning job searches, and the values it searches.
 */
export class HyperparameterRange {
  /** Real values from `min` to `max`. */
  public static continuous(name: string, min: number, max: number, options: NumericRangeOptions = {}): HyperparameterRange {
    return new HyperparameterRange(name, 'Continuous', min, max, options.scaling ?? ScalingType.AUTO, []);
  }

  /** Whole values from `min` to `max`. */
  public static integer(name: string, min: number, max: number, options: NumericRangeOptions = {}): HyperparameterRange {
    return new HyperparameterRange(name, 'Integer', min, max, options.scaling ?? ScalingType.AUTO, []);
  }

  /** One of 1 to 30 values. */
  public static categorical(name: string, values: string[]): HyperparameterRange {
    return new HyperparameterRange(name, 'Categorical', undefined, undefined, undefined, values);
  }

  private constructor(
    /** The hyperparameter's name. */
    public readonly name: string,
    /** `Continuous`, `Integer` or `Categorical`. */
    public readonly kind: string,
    private readonly min: number | undefined,
    private readonly max: number | undefined,
    private readonly scaling: string | undefined,
    private readonly values: string[],
  ) {}

  /**
   * What is wrong with the range, as `[prop, value, allowed]` triples; empty when it is valid.
   *
   * @internal
   */
  public _problems(): string[][] {
    const found: string[][] = [];
    const where = `ranges[${this.name}]`;
    if (this.kind === 'Categorical') {
      if (this.values.length < 1 || this.values.length > 30) found.push([where, `${this.values.length} values`, '1 to 30 values']);
      if (new Set(this.values).size !== this.values.length) found.push([where, JSON.stringify(this.values), 'distinct values']);
      return found;
    }
    const [min, max] = [this.min!, this.max!];
    if (this.kind === 'Integer' && (!Number.isInteger(min) || !Number.isInteger(max))) {
      found.push([where, `${min}..${max}`, 'whole numbers for an integer range']);
    }
    if (!(min < max)) found.push([where, `${min}..${max}`, 'min < max']);
    if (!SCALING_TYPES.includes(this.scaling!)) found.push([`${where}.scaling`, String(this.scaling), SCALING_TYPES.join(', ')]);
    if (this.scaling === ScalingType.LOGARITHMIC && !(min > 0)) found.push([`${where}.scaling`, `Logarithmic over ${min}..${max}`, 'min > 0 for a Logarithmic range']);
    if (this.scaling === ScalingType.REVERSE_LOGARITHMIC) {
      if (this.kind === 'Integer') found.push([`${where}.scaling`, 'ReverseLogarithmic', 'Auto, Linear or Logarithmic for an integer range']);
      if (!(min >= 0 && max < 1)) found.push([`${where}.scaling`, `ReverseLogarithmic over ${min}..${max}`, 'a range within [0, 1) for a ReverseLogarithmic range']);
    }
    return found;
  }

  /**
   * The range in the tuning job's ParameterRanges: its group (`IntegerParameterRanges`, ...) and
   * the range in the API's shape.
   *
   * @internal
   */
  public _render(): { group: string; range: Record<string, unknown> } {
    if (this.kind === 'Categorical') {
      return { group: 'CategoricalParameterRanges', range: { Name: this.name, Values: [...this.values] } };
    }
    return {
      group: `${this.kind}ParameterRanges`,
      // The API takes the bounds as strings.
      range: { Name: this.name, MinValue: String(this.min), MaxValue: String(this.max), ScalingType: this.scaling },
    };
  }
}
