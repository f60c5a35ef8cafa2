/**
 * Typed hyperparameters from SageMaker's all-string `hyperparameters.json`, judged against the
 * algorithm's specification (spec.ts, the same rules the constructs check at synth): defaults,
 * ranges, choices, required names, values this image does not implement, and unknown names
 * rejected; every problem reported at once.
 */
import { judgeValue, ParameterSpec, SAGEMAKER_ADDED, Spec } from './spec';

export type { ParameterSpec, Spec } from './spec';

export class HyperparameterError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid hyperparameters: ${problems.join('; ')}`);
    this.name = 'HyperparameterError';
  }
}

type Value<R extends ParameterSpec> = R extends { type: 'int' | 'float'; auto: true } ? number | 'auto'
  : R extends { type: 'int' | 'float' } ? number
    : R extends { type: 'bool'; auto: true } ? boolean | 'auto'
      : R extends { type: 'bool' } ? boolean
        : R extends { type: 'metrics' } ? string[] : string;

type Parsed<S extends Spec> = { [K in keyof S]: Value<S[K]> };

export function parseHyperparameters<S extends Spec>(spec: S, raw: Record<string, unknown>): Parsed<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(raw)) {
    if (!(name in spec) && !SAGEMAKER_ADDED.test(name)) problems.push(`${name}: unknown (accepted: ${Object.keys(spec).sort().join(', ')})`);
  }
  for (const [name, rule] of Object.entries(spec)) {
    const given = raw[name];
    if (given === undefined || given === null) {
      if (rule.required) problems.push(`${name}: required`);
      else out[name] = rule.type === 'metrics' && rule.default !== undefined ? JSON.parse(rule.default) : rule.default;
      continue;
    }
    const judged = judgeValue(name, rule, given, true);
    if ('problem' in judged) problems.push(judged.problem);
    else out[name] = judged.value;
  }
  if (problems.length > 0) throw new HyperparameterError(problems);
  return out as Parsed<S>;
}
