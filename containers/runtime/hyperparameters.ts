/**
 * Typed hyperparameters from SageMaker's all-string `hyperparameters.json`: defaults, range and
 * choice checks, required names, and unknown names rejected; every problem reported at once.
 */

/** How one hyperparameter is parsed. */
export type ParameterSpec =
  | { readonly type: 'int'; readonly default?: number; readonly min?: number; readonly max?: number; readonly required?: boolean }
  | { readonly type: 'float'; readonly default?: number; readonly min?: number; readonly max?: number; readonly required?: boolean }
  | { readonly type: 'choice'; readonly values: readonly string[]; readonly default?: string; readonly required?: boolean }
  | { readonly type: 'bool'; readonly default?: boolean; readonly required?: boolean }
  | { readonly type: 'string'; readonly default?: string; readonly required?: boolean };

export type Spec = Record<string, ParameterSpec>;

/** Names SageMaker itself may add to any job (tuning, profiling, debugging). */
const SAGEMAKER_ADDED = /^(_tuning_objective_metric|_enable_profiler|_kvstore|_num_kv_servers|_num_gpus|sagemaker_.*)$/;

export class HyperparameterError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid hyperparameters: ${problems.join('; ')}`);
    this.name = 'HyperparameterError';
  }
}

type Parsed<S extends Spec> = { [K in keyof S]: S[K] extends { type: 'int' | 'float' } ? number
  : S[K] extends { type: 'bool' } ? boolean : string };

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
      else out[name] = rule.default;
      continue;
    }
    // SageMaker passes strings; the SDKs sometimes JSON-quote them.
    const text = String(given).replace(/^"(.*)"$/, '$1').trim();
    switch (rule.type) {
      case 'int':
      case 'float': {
        const value = Number(text);
        if (text === '' || !Number.isFinite(value) || (rule.type === 'int' && !Number.isInteger(value))) {
          problems.push(`${name}: ${JSON.stringify(text)} is not ${rule.type === 'int' ? 'a whole number' : 'a number'}`);
        } else if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
          problems.push(`${name}: ${value} is outside ${rule.min ?? '-inf'}..${rule.max ?? 'inf'}`);
        } else {
          out[name] = value;
        }
        break;
      }
      case 'choice':
        if (rule.values.includes(text)) out[name] = text;
        else problems.push(`${name}: ${JSON.stringify(text)} is not one of ${rule.values.join(', ')}`);
        break;
      case 'bool':
        if (['true', 'false'].includes(text.toLowerCase())) out[name] = text.toLowerCase() === 'true';
        else problems.push(`${name}: ${JSON.stringify(text)} is not true or false`);
        break;
      default:
        out[name] = text;
    }
  }
  if (problems.length > 0) throw new HyperparameterError(problems);
  return out as Parsed<S>;
}
