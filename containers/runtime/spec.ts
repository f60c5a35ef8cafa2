/**
 * The shape of an algorithm's declarative specification (containers/<algorithm>/spec.ts) and the
 * one rule that judges a hyperparameter's value against it.
 *
 * Why here, as a dependency-free TypeScript module: the images read the specs at run time (esbuild
 * bundles them; the Docker build context is containers/), and the construct library reads the very
 * same files at synth (lib/core/private/algorithm-specs.ts imports them; the npm package ships
 * containers/). TypeScript rather than JSON so the containers keep literal types for their parsed
 * hyperparameters. This file and the specs import nothing, so neither side pulls in the other's
 * dependencies (the containers never load aws-cdk-lib, the constructs never load the addon).
 */

/** Values the companion image does not implement: rejected by it (and at synth) with the reason. */
export interface CompanionRestriction {
  /** The only values the companion image takes (numbers compared as numbers). */
  readonly only: readonly (string | number | boolean)[];
  /** Why, e.g. "momentum is not implemented by this image". */
  readonly reason: string;
}

interface Common { readonly required?: boolean; readonly companion?: CompanionRestriction; readonly description?: string }

/** How one hyperparameter is parsed; `auto` numbers also take the word `auto`. */
export type ParameterSpec =
  | Common & { readonly type: 'int'; readonly default?: number | 'auto'; readonly min?: number; readonly max?: number; readonly auto?: boolean }
  | Common & { readonly type: 'float'; readonly default?: number | 'auto'; readonly min?: number; readonly max?: number; readonly auto?: boolean;
    /** The upper bound itself is not allowed (decay rates below 1). */
    readonly maxExclusive?: boolean; readonly minExclusive?: boolean }
  | Common & { readonly type: 'choice'; readonly values: readonly string[]; readonly default?: string }
  | Common & { readonly type: 'bool'; readonly default?: boolean | 'auto'; readonly auto?: boolean }
  | Common & { readonly type: 'metrics'; readonly values: readonly string[]; readonly default?: string }
  | Common & { readonly type: 'string'; readonly default?: string };

export type Spec = Record<string, ParameterSpec>;

/** The channels' accepted content types (the part before any `;`). */
export type ContentTypes = Readonly<Record<string, readonly string[]>>;

/** Everything one algorithm declares. */
export interface AlgorithmSpecification {
  readonly name: string;
  readonly hyperparameters: Spec;
  /** Training channels; `train` is always required. */
  readonly channels: readonly string[];
  readonly contentTypes: ContentTypes;
  /** What serving accepts and answers. */
  readonly inference: { readonly accept: readonly string[]; readonly produce: readonly string[] };
  /**
   * The metrics it emits, by channel; for algorithms whose metrics depend on a hyperparameter
   * (`metricsBy`), by that hyperparameter's value first.
   */
  readonly metricsBy?: string;
  readonly metrics: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /**
   * The file of SageMaker model-quality statistics that training writes into the model directory
   * (so into model.tar.gz), which the model registry records beside a version; none if absent.
   */
  readonly modelQualityStatistics?: string;
}

/** Names SageMaker itself may add to any job (tuning, profiling, debugging). */
export const SAGEMAKER_ADDED = /^(_tuning_objective_metric|_enable_profiler|_kvstore|_num_kv_servers|_num_gpus|sagemaker_.*)$/;

/** The value a parsed hyperparameter has, or the reason it is refused (`{ problem }`). */
export type Judged = { readonly value: unknown } | { readonly problem: string };

/**
 * Judges one value (as SageMaker passes it: a string, maybe JSON-quoted) against its rule, and,
 * with `companion`, against what the companion image implements. The problem names the
 * hyperparameter, the value and what is allowed.
 */
export function judgeValue(name: string, rule: ParameterSpec, given: unknown, companion: boolean): Judged {
  const text = String(given).replace(/^"(.*)"$/, '$1').trim();
  const judged = judgeType(name, rule, text);
  if ('problem' in judged || !companion || !rule.companion) return judged;
  const allowed = rule.companion.only.some((only) => (typeof only === 'number' ? Number(text) === only : String(only) === text.toLowerCase()));
  return allowed ? judged : { problem: `${name}: ${JSON.stringify(text)} is not supported: ${rule.companion.reason} (this image takes ${rule.companion.only.map(String).join(' or ')})` };
}

function judgeType(name: string, rule: ParameterSpec, text: string): Judged {
  const auto = 'auto' in rule && rule.auto;
  if (auto && text === 'auto') return { value: 'auto' };
  const orAuto = auto ? ' or auto' : '';
  switch (rule.type) {
    case 'int':
    case 'float': {
      const value = Number(text);
      const whole = rule.type === 'int';
      if (text === '' || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
        return { problem: `${name}: ${JSON.stringify(text)} is not ${whole ? 'a whole number' : 'a number'}${orAuto}` };
      }
      const below = rule.min !== undefined && (value < rule.min || ('minExclusive' in rule && rule.minExclusive && value === rule.min));
      const above = rule.max !== undefined && (value > rule.max || ('maxExclusive' in rule && rule.maxExclusive && value === rule.max));
      if (below || above) {
        const low = rule.min === undefined ? '-inf' : `${rule.min}${'minExclusive' in rule && rule.minExclusive ? ' (exclusive)' : ''}`;
        const high = rule.max === undefined ? 'inf' : `${rule.max}${'maxExclusive' in rule && rule.maxExclusive ? ' (exclusive)' : ''}`;
        return { problem: `${name}: ${value} is outside ${low}..${high}${orAuto}` };
      }
      return { value };
    }
    case 'choice':
      return rule.values.includes(text) ? { value: text } : { problem: `${name}: ${JSON.stringify(text)} is not one of ${rule.values.join(', ')}` };
    case 'bool':
      return ['true', 'false'].includes(text.toLowerCase()) ? { value: text.toLowerCase() === 'true' }
        : { problem: `${name}: ${JSON.stringify(text)} is not true or false${orAuto}` };
    case 'metrics': {
      // A JSON list, single quotes allowed (the built-in's examples write ['msd']).
      let list: unknown;
      try {
        list = JSON.parse(text.replace(/'/g, '"'));
      } catch {
        list = undefined;
      }
      if (!Array.isArray(list) || list.length === 0 || list.some((m) => !rule.values.includes(m))) {
        return { problem: `${name}: ${JSON.stringify(text)} is not a list of ${rule.values.join(' and ')}, e.g. ${JSON.stringify(rule.values)}` };
      }
      return { value: list as string[] };
    }
    default:
      return { value: text };
  }
}

/** The metrics an algorithm emits on a channel, given its hyperparameters (`metricsBy`). */
export function metricsEmitted(spec: AlgorithmSpecification, channel: string, hyperparameters: Record<string, string> = {}): readonly string[] | undefined {
  if (!spec.metricsBy) return spec.metrics[''][channel] ?? [];
  const by = hyperparameters[spec.metricsBy];
  return by === undefined ? undefined : spec.metrics[by]?.[channel] ?? [];
}

/** What a rule allows, in words (for synth-time messages): e.g. `a whole number of at least 1, or auto`. */
export function describeAllowed(rule: ParameterSpec, companion: boolean): string {
  if (companion && rule.companion) return `${rule.companion.only.map(String).join(' or ')} (${rule.companion.reason})`;
  const orAuto = 'auto' in rule && rule.auto ? ', or auto' : '';
  switch (rule.type) {
    case 'int':
    case 'float': {
      const what = rule.type === 'int' ? 'a whole number' : 'a number';
      const low = rule.min === undefined ? '' : `${'minExclusive' in rule && rule.minExclusive ? 'above' : 'at least'} ${rule.min}`;
      const high = rule.max === undefined ? '' : `${'maxExclusive' in rule && rule.maxExclusive ? 'below' : 'at most'} ${rule.max}`;
      return `${what}${low || high ? ` ${[low, high].filter(Boolean).join(' and ')}` : ''}${orAuto}`;
    }
    case 'choice':
      return `one of ${rule.values.join(', ')}`;
    case 'bool':
      return `true or false${orAuto}`;
    case 'metrics':
      return `a JSON list of ${rule.values.join(' and ')}, e.g. ${JSON.stringify(rule.values)}`;
    default:
      return 'any text';
  }
}
