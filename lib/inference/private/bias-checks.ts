import type { ModelBiasOptions } from '../model-bias-monitor';
import { checkScheduleExpression } from './monitor-jobs';
import { ValidationProblems } from '../../core/private/validation';

/** Clarify's short name of a bias metric: letters only. */
const METRIC_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** Every problem with a bias monitor's options, props named under `prefix`. */
export function biasProblems(problems: ValidationProblems, prefix: string, options: ModelBiasOptions): void {
  problems.require(typeof options.label === 'string' && options.label !== '', `${prefix}label`, options.label, 'the label\'s column or JMESPath');
  const facets = options.facets ?? [];
  problems.require(facets.length > 0, `${prefix}facets`, facets, 'at least one sensitive attribute');
  facets.forEach((facet, i) => {
    problems.require(facet.name !== '', `${prefix}facets[${i}].name`, facet.name, 'the facet\'s column or JMESPath');
    if (facet.valuesOrThreshold) problems.require(facet.valuesOrThreshold.length > 0, `${prefix}facets[${i}].valuesOrThreshold`, facet.valuesOrThreshold, 'at least one value, or nothing for each value');
    if (Object.keys(options.maxBiasMetrics ?? {}).length > 0) {
      // Clarify publishes a facet's metrics per sensitive group (FacetValue): an alarm needs to name it.
      problems.require(facet.valuesOrThreshold !== undefined, `${prefix}facets[${i}].valuesOrThreshold`, facet.valuesOrThreshold,
        'the sensitive group\'s values (or threshold) when maxBiasMetrics alarm on the facet: Clarify publishes each group\'s metrics apart');
    }
  });
  if (options.labelValuesOrThreshold) {
    problems.require(options.labelValuesOrThreshold.length > 0, `${prefix}labelValuesOrThreshold`, options.labelValuesOrThreshold, 'at least one value of the positive outcome');
  }
  problems.require(options.groundTruth !== undefined, `${prefix}groundTruth`, options.groundTruth, 'the bucket and prefix of the ground truth labels');
  problems.require(options.inferenceAttribute !== undefined || options.probabilityAttribute !== undefined, `${prefix}inferenceAttribute`, options.inferenceAttribute,
    'the path of the predicted label (or probabilityAttribute) in the captured response: the model\'s algorithm has no default');
  if (options.probabilityThreshold !== undefined) {
    problems.require(options.probabilityThreshold >= 0 && options.probabilityThreshold <= 1, `${prefix}probabilityThreshold`, options.probabilityThreshold, 'a probability from 0 to 1');
  }
  for (const [name, value] of Object.entries(options.maxBiasMetrics ?? {})) {
    problems.require(METRIC_NAME.test(name), `${prefix}maxBiasMetrics`, name, 'Clarify\'s short names of post-training bias metrics, e.g. DPPL, DI, DCA, RD, AD, TE');
    problems.require(value >= 0, `${prefix}maxBiasMetrics.${name}`, value, 'a magnitude of at least 0');
  }
  if (options.baseline?.dataset) {
    problems.require(options.headers !== undefined && options.headers.length > 0, `${prefix}headers`, options.headers, 'the dataset\'s column names, for a baseline from a dataset');
  }
  checkScheduleExpression(problems, `${prefix}scheduleExpression`, options.scheduleExpression);
}

