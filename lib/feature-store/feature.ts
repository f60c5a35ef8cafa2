/**
 * The type of a feature's values.
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_FeatureDefinition.html
 */
export enum FeatureType {
  STRING = 'String',
  INTEGRAL = 'Integral',
  FRACTIONAL = 'Fractional',
}

/**
 * One feature (column) of a feature group.
 *
 * Collection features (List, Set, Vector) are not offered: CloudFormation's
 * AWS::SageMaker::FeatureGroup FeatureDefinition has only FeatureName and FeatureType.
 */
export class Feature {
  /** A string feature. */
  public static string(name: string): Feature {
    return new Feature(name, FeatureType.STRING);
  }

  /** A whole-number feature. */
  public static integral(name: string): Feature {
    return new Feature(name, FeatureType.INTEGRAL);
  }

  /** A real-number feature. */
  public static fractional(name: string): Feature {
    return new Feature(name, FeatureType.FRACTIONAL);
  }

  private constructor(
    /** The feature's name. */
    public readonly name: string,
    /** The type of its values. */
    public readonly type: FeatureType,
  ) {}
}
