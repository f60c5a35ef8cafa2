import { Size } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InstanceType } from '../core/instance-type';

/**
 * The image a custom Debugger rule runs in.
 */
export class RuleEvaluatorImage {
  /**
   * SageMaker's own custom-rule evaluator of the stack's region (`sagemaker-debugger-rule-evaluator`),
   * which runs a rule class from a Python source file.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-custom-rules.html
   */
  public static customRuleEvaluator(): RuleEvaluatorImage {
    return new RuleEvaluatorImage();
  }

  /** An image of your own in ECR. */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string = 'latest'): RuleEvaluatorImage {
    return new RuleEvaluatorImage(repository, tag);
  }

  /**
   * @param repository the repository, none for SageMaker's evaluator
   * @param tag the image tag
   */
  private constructor(public readonly repository?: ecr.IRepository, public readonly tag: string = 'latest') {}
}

/**
 * Options of a custom Debugger rule.
 */
export interface CustomDebuggerRuleOptions {
  /** The image that evaluates the rule. */
  readonly image: RuleEvaluatorImage;

  /** The bucket of the rule's Python source file. */
  readonly sourceBucket: s3.IBucket;

  /** The object key of the rule's Python source file. */
  readonly sourceKey: string;

  /** The rule class in the source file (its `rule_to_invoke`). */
  readonly ruleClass: string;

  /**
   * The rule's own parameters.
   *
   * @default - none
   */
  readonly parameters?: { [name: string]: string };

  /**
   * The instance the rule is evaluated on.
   *
   * @default InstanceType.ML_T3_MEDIUM
   */
  readonly instanceType?: InstanceType;

  /**
   * The rule instance's storage volume.
   *
   * @default Size.gibibytes(30)
   */
  readonly volumeSize?: Size;
}

/**
 * A SageMaker Debugger rule that judges the tensors a training job saves (losses, gradients,
 * weights) while it trains: a built-in rule of the region's rule image, or a rule class of your own.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-built-in-rules.html
 */
export class DebuggerRule {
  /** The loss does not decrease fast enough (e.g. `num_steps`, `diff_percent`, `mode`). */
  public static lossNotDecreasing(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('LossNotDecreasing', parameters);
  }

  /** The validation loss rises while the training loss falls (e.g. `patience_validation`, `ratio_threshold`). */
  public static overfit(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('Overfit', parameters);
  }

  /** Training goes on after the model stopped improving (e.g. `patience_train`, `patience_validation`). */
  public static overtraining(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('Overtraining', parameters);
  }

  /** Gradients vanish (e.g. `threshold`). */
  public static vanishingGradient(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('VanishingGradient', parameters);
  }

  /** Tensors hold NaN or infinite values (e.g. `collection_names`, `only_nan`). */
  public static explodingTensor(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('ExplodingTensor', parameters);
  }

  /** Tensors that are all zero (e.g. `collection_names`, `threshold`). */
  public static allZero(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('AllZero', parameters);
  }

  /** Classes too unevenly represented in the inputs (e.g. `threshold_imbalance`, `labels_regex`). */
  public static classImbalance(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('ClassImbalance', parameters);
  }

  /** Weights initialised badly (e.g. `threshold`, `distribution_range`). */
  public static poorWeightInitialization(parameters?: { [name: string]: string }): DebuggerRule {
    return DebuggerRule.builtIn('PoorWeightInitialization', parameters);
  }

  /**
   * Any other built-in rule, by the name Debugger gives it, e.g. `builtIn('DeadRelu')`.
   *
   * @param ruleName the rule's `rule_to_invoke`
   */
  public static builtIn(ruleName: string, parameters?: { [name: string]: string }): DebuggerRule {
    return new DebuggerRule(ruleName, parameters ?? {});
  }

  /**
   * A rule class of your own, from a Python source file, evaluated by an image (SageMaker's custom
   * rule evaluator or your own).
   *
   * @param ruleName the rule's configuration name (unique in the job)
   */
  public static custom(ruleName: string, options: CustomDebuggerRuleOptions): DebuggerRule {
    return new DebuggerRule(ruleName, options.parameters ?? {}, options);
  }

  /**
   * @param ruleName the rule configuration's name
   * @param parameters the rule's own parameters
   * @param customOptions how a custom rule is evaluated (none for built-in rules)
   */
  private constructor(
    public readonly ruleName: string,
    public readonly parameters: { [name: string]: string },
    public readonly customOptions?: CustomDebuggerRuleOptions,
  ) {}
}
