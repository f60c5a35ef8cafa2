/**
 * Runs a state machine's definition, as the template holds it, with the Amazon States Language
 * semantics of `aws-local-stepfunctions`; its Task states are stand-ins given by the test (the
 * AWS API boundary), everything else — Choice, Pass, Wait, intrinsic functions, paths,
 * ResultSelector — runs as Step Functions runs it.
 */
import { Template } from 'aws-cdk-lib/assertions';

// aws-local-stepfunctions is written for Node 22 and calls Promise.withResolvers once; the
// project's machines run Node 20, which lacks it. The same small shape, defined only if missing.
(Promise as any).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
};
// eslint-disable-next-line import/order
import { StateMachine } from 'aws-local-stepfunctions';

/** A reference in the template, as the definition holds it once deployed: a recognisable string. */
function placeholder(reference: unknown): string {
  const ref = (reference as any)?.Ref ?? (reference as any)?.['Fn::GetAtt']?.join('.') ?? (reference as any)?.['Fn::ImportValue'] ?? 'value';
  return `ref-${String(ref).replace(/[^A-Za-z0-9.:-]/g, '')}`;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as any)?.['Fn::Join'];
  if (Array.isArray(join)) return (join[1] as unknown[]).map(flatten).join(join[0]);
  return placeholder(value);
}

/** The definition of the template's (only or first) state machine, references as placeholders. */
export function definitionOf(template: Template): any {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  return JSON.parse(flatten(machine.Properties.DefinitionString));
}

export type TaskStandIn = (input: any) => Promise<unknown> | unknown;

export interface LocalRun {
  readonly output: any;
  /** The input each Task state was given, by state name, in call order. */
  readonly calls: Record<string, any[]>;
}

/** Runs the definition to its end; a failed run rejects with the state's Error and Cause. */
export async function runLocally(definition: any, input: unknown, tasks: Record<string, TaskStandIn>): Promise<LocalRun> {
  const calls: Record<string, any[]> = {};
  const handlers = Object.fromEntries(Object.entries(tasks).map(([name, standIn]) => [name, async (taskInput: any) => {
    (calls[name] ??= []).push(taskInput);
    return standIn(taskInput);
  }]));
  const waits = Object.fromEntries(Object.entries(definition.States).filter(([, s]: [string, any]) => s.Type === 'Wait').map(([name]) => [name, 0]));
  const machine = new StateMachine(definition);
  const execution = machine.run(input as any, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits },
    context: {
      Execution: { Id: 'arn:aws:states:eu-west-1:111122223333:execution:retrain:run-1', Name: 'run-1', Input: input, StartTime: '2026-11-29T10:00:00Z', RoleArn: 'arn:aws:iam::111122223333:role/sm' },
      StateMachine: { Id: 'arn:aws:states:eu-west-1:111122223333:stateMachine:retrain', Name: 'retrain' },
    },
  } as any);
  const output = await execution.result;
  return { output, calls };
}
