/**
 * The schedule a polled job kind gets (lib/private/deploy-time-job.ts) and the handler that reads
 * its input (lib/handlers/sagemaker-job) are written apart: the input the template renders, as
 * EventBridge delivers it, must make the handler signal that job's wait handle and disable that rule.
 */
import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeAutoMLJobV2Command, DescribeCompilationJobCommand } from '@aws-sdk/client-sagemaker';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { handler } from '../../lib/handlers/sagemaker-job';
import { AutoMLInput } from '../../lib/jobs/automl-input';
import { AutoMLModel } from '../../lib/jobs/automl-model';
import { CompilationTarget } from '../../lib/jobs/compilation-target';
import { CompiledModel } from '../../lib/jobs/compiled-model';
import { NeoFramework } from '../../lib/jobs/neo-framework';
import { ModelSource } from '../../lib/models/model-source';
import { jobHandlerHarness } from '../helpers/job-handler-harness';
import { newStack } from '../helpers/nag';

const { sagemaker, cloudFormation } = jobHandlerHarness();
const eventBridge = mockClient(EventBridgeClient);
beforeEach(() => eventBridge.reset());

/** The poll rule's target input with the wait handle's Ref resolved to the given URL, and the rule's name. */
function deliveredPoll(stack: Stack, waitHandleUrl: string): { input: any; ruleName: string } {
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  const [rule] = Object.values(rules).filter((r: any) => r.Properties.ScheduleExpression) as any[];
  const [separator, parts] = rule.Properties.Targets[0].Input['Fn::Join'];
  const text = (parts as unknown[]).map((part) => typeof part === 'string' ? part : waitHandleUrl).join(separator);
  return { input: JSON.parse(text), ruleName: rule.Properties.Name };
}

describe('the poll schedule\'s input and the job handler', () => {
  test('a compilation job: the rendered input signals its handle with the job\'s end and disables its own rule', async () => {
    // GIVEN a compiled model's template
    const stack = newStack();
    const data = new SecureBucket(stack, 'Models');
    const neo = new CompiledModel(stack, 'Neo', {
      model: ModelSource.fromS3(Algorithm.builtIn('linear-learner'), data.bucket, 'xgb/model.tar.gz'),
      framework: NeoFramework.xgboost(), target: CompilationTarget.device('ml_c5'),
    });
    const { input, ruleName } = deliveredPoll(stack, cloudFormation.url);
    sagemaker.on(DescribeCompilationJobCommand).resolves({ CompilationJobStatus: 'FAILED', FailureReason: 'bad model' } as any);
    eventBridge.on(DisableRuleCommand).resolves({});
    // WHEN EventBridge delivers it
    await handler(input);
    // THEN
    expect(sagemaker.commandCalls(DescribeCompilationJobCommand)[0].args[0].input).toEqual({ CompilationJobName: neo.compilationJobName });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'FAILURE', UniqueId: neo.compilationJobName, Reason: expect.stringContaining('bad model') })]);
    expect(eventBridge.commandCalls(DisableRuleCommand)[0].args[0].input).toEqual({ Name: ruleName });
  });

  test('an AutoML job: the same, through DescribeAutoMLJobV2', async () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const auto = new AutoMLModel(stack, 'Auto', { data: AutoMLInput.csv(data.bucket, 'churn/'), target: 'churned' });
    const { input, ruleName } = deliveredPoll(stack, cloudFormation.url);
    sagemaker.on(DescribeAutoMLJobV2Command).resolves({ AutoMLJobStatus: 'Completed' });
    eventBridge.on(DisableRuleCommand).resolves({});
    await handler(input);
    expect(sagemaker.commandCalls(DescribeAutoMLJobV2Command)[0].args[0].input).toEqual({ AutoMLJobName: auto.autoMLJobName });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', UniqueId: auto.autoMLJobName })]);
    expect(eventBridge.commandCalls(DisableRuleCommand)[0].args[0].input).toEqual({ Name: ruleName });
  });
});
