import * as sns from 'aws-cdk-lib/aws-sns';
import { DebuggerRule } from './debugger-rule';
import { Profiler } from './profiler';

/**
 * What a single training job (`SecureTrainingJob`, a retraining pipeline's training step) can be
 * watched with while it trains: SageMaker Debugger's profiler and rules. A tuning job's API has no
 * such settings, so `TunedModel` does not offer them.
 */
export interface TrainingObservability {
  /**
   * Profile the job: system metrics at an interval, judged by built-in profiler rules, e.g.
   * `Profiler.withRules(ProfilerRule.lowGpuUtilization())`. The metrics and the rules' reports
   * are written under the job's output prefix, encrypted with the bucket's key.
   *
   * @default - no profiler configuration: SageMaker's own default monitoring, no rules
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProfilerConfig.html
   */
  readonly profiler?: Profiler;

  /**
   * Debugger rules that judge the tensors the job saves (at most 20), e.g.
   * `[DebuggerRule.lossNotDecreasing()]`. The tensors and the rules' output are written under the
   * job's output prefix, encrypted with the bucket's key.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DebugRuleConfiguration.html
   */
  readonly debuggerRules?: DebuggerRule[];

  /**
   * The topic told when a profiler or Debugger rule finds issues (rule status `IssuesFound`).
   *
   * @default - a new topic encrypted with the job's key, when the job has rules
   */
  readonly ruleIssuesTopic?: sns.ITopic;

  /**
   * Stop the job when a rule finds issues (the deployment then fails, naming the rule).
   *
   * @default false
   */
  readonly stopOnRuleIssues?: boolean;
}
