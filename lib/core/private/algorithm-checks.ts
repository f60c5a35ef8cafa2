/**
 * Synth-time checks of a job against its algorithm's specification (the file the image itself
 * reads at run time, containers/<algorithm>/spec.ts): hyperparameter values, channel content types,
 * and tuning objectives. Algorithms without a specification (custom images) are not checked here.
 * Each check adds to the caller's problems, naming the prop, the bad value and what is allowed.
 */
import { Token } from 'aws-cdk-lib';
import { specificationOf } from './algorithm-specs';
import { ValidationProblems } from './validation';
import { describeAllowed, judgeValue, metricsEmitted } from '../../../containers/runtime/spec';
import type { Algorithm } from '../algorithm';

/**
 * Each hyperparameter's value against its documented type, range or choices, and, for a
 * companion image, against the values it implements (`k: 'ten'`, `init_method: 'bogus'`).
 */
export function checkHyperparameterValues(problems: ValidationProblems, algorithm: Algorithm, prop: string, values: { [name: string]: string }): void {
  const found = specificationOf(algorithm);
  if (!found) return;
  for (const [name, value] of Object.entries(values)) {
    const rule = found.specification.hyperparameters[name];
    if (!rule || value === undefined || Token.isUnresolved(value)) continue;
    if ('problem' in judgeValue(name, rule, value, found.companion)) {
      problems.add(`${prop}.${name}`, value, describeAllowed(rule, found.companion));
    }
  }
}

/** A training channel's content type (the part before any `;`) against what the algorithm reads on it. */
export function checkChannelContentType(problems: ValidationProblems, algorithm: Algorithm, prop: string, channel: string, contentType: string | undefined): void {
  const found = specificationOf(algorithm);
  if (!found || contentType === undefined || Token.isUnresolved(contentType) || Token.isUnresolved(channel)) return;
  const accepted = found.specification.contentTypes[channel];
  if (!accepted) return; // an unknown channel is the channel check's problem
  const type = contentType.split(';')[0].trim().toLowerCase();
  problems.require(accepted.includes(type), prop, contentType, `a content type the ${found.specification.name} algorithm reads on channel ${channel}: ${accepted.join(', ')}`);
}

/** A serving request content type against what the algorithm's inference accepts. */
export function checkInferenceContentType(problems: ValidationProblems, algorithm: Algorithm, prop: string, contentType: string | undefined): void {
  const found = specificationOf(algorithm);
  if (!found || contentType === undefined || Token.isUnresolved(contentType)) return;
  const accepted = found.specification.inference.accept;
  problems.require(accepted.includes(contentType.split(';')[0].trim().toLowerCase()), prop, contentType,
    `a content type the ${found.specification.name} algorithm serves: ${accepted.join(', ')}`);
}

/**
 * A tuning objective (`channel:metric`) against what the algorithm emits for these hyperparameters
 * (a binary classifier never prints `validation:rmse`) and the channels the job has.
 * @param channels the job's training channels (undefined when not known at synth)
 */
export function checkObjectiveMetric(problems: ValidationProblems, algorithm: Algorithm, prop: string, metricName: string,
  hyperparameters: { [name: string]: string }, channels?: string[]): void {
  const found = specificationOf(algorithm);
  if (!found || Token.isUnresolved(metricName)) return;
  const [channel, metric] = metricName.split(':');
  if (channels && !channels.some((c) => Token.isUnresolved(c)) && !channels.includes(channel)) {
    problems.add(prop, metricName, `an objective on a channel the job has (${channels.join(', ')}): add a ${channel} channel or tune on another`);
    return;
  }
  const byName = found.specification.metricsBy;
  const by = byName ? hyperparameters[byName] : undefined;
  if (byName && (by === undefined || Token.isUnresolved(by))) return; // emitted metrics unknown until the value is
  const emitted = metricsEmitted(found.specification, channel, hyperparameters) ?? [];
  problems.require(emitted.includes(metric), prop, metricName,
    `a metric the ${found.specification.name} algorithm emits on channel ${channel}${byName ? ` for ${byName} ${by}` : ''}: ${emitted.map((m) => `${channel}:${m}`).join(', ') || 'none'}`);
}
