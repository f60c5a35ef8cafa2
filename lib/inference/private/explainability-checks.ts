import { Token } from 'aws-cdk-lib';
import type { ExplainabilityOptions } from '../model-explainability-monitor';
import { checkScheduleExpression } from './monitor-jobs';
import { ValidationProblems } from '../../core/private/validation';

const FORMATS = ['text/csv', 'application/jsonlines'];

/** Every problem with an explainability monitor's options, props named under `prefix`. */
export function explainabilityProblems(problems: ValidationProblems, prefix: string, options: ExplainabilityOptions): void {
  const shap = options.shapBaseline;
  problems.require(shap !== undefined, `${prefix}shapBaseline`, shap, 'a row of feature values or a CSV object in S3');
  if (shap?.values) {
    problems.require(shap.values.length > 0, `${prefix}shapBaseline`, shap.values, 'a row of at least one feature value');
    if (options.headers) {
      problems.require(shap.values.length === options.headers.length, `${prefix}shapBaseline`, shap.values,
        `one value per header (${options.headers.length})`);
    }
  }
  if (shap?.object) {
    problems.require(shap.object.key !== '' && !shap.object.key.endsWith('/'), `${prefix}shapBaseline`, shap.object.key, 'the key of one CSV object');
  }
  if (options.numberOfSamples !== undefined) {
    problems.require(Number.isInteger(options.numberOfSamples) && options.numberOfSamples > 0, `${prefix}numberOfSamples`, options.numberOfSamples, 'a whole number above 0');
  }
  if (options.headers !== undefined) {
    problems.require(options.headers.length > 0 && options.headers.every((h) => h !== ''), `${prefix}headers`, options.headers, 'the names of the feature columns, none empty');
  }
  for (const [prop, value] of [['contentType', options.contentType], ['acceptType', options.acceptType]] as const) {
    if (value !== undefined) problems.require(FORMATS.includes(value), `${prefix}${prop}`, value, FORMATS.join(' or '));
  }
  if (options.contentType === 'application/jsonlines') {
    problems.require(options.featuresAttribute !== undefined, `${prefix}featuresAttribute`, options.featuresAttribute, 'the path of the features in a JSON Lines request');
  }
  const baseline = options.baseline;
  if (baseline?.constraintsUri !== undefined) {
    problems.require(Token.isUnresolved(baseline.constraintsUri) || /^s3:\/\/[^/]+\/.+/.test(baseline.constraintsUri), `${prefix}baseline`, baseline.constraintsUri, 'the S3 URI of a Clarify analysis.json');
  }
  if (baseline?.datasetBucket) datasetProblems(problems, prefix, options);
  for (const [feature, threshold] of Object.entries(options.maxFeatureAttributions ?? {})) {
    if (options.headers) {
      problems.require(options.headers.includes(feature), `${prefix}maxFeatureAttributions`, feature, `a feature of headers (${options.headers.join(', ')})`);
    }
    problems.require(threshold > 0, `${prefix}maxFeatureAttributions.${feature}`, threshold, 'a global SHAP value above 0');
  }
  checkScheduleExpression(problems, `${prefix}scheduleExpression`, options.scheduleExpression);
}

/** A deploy-time baseline's dataset: CSV, its columns the requests' features plus at most the label. */
function datasetProblems(problems: ValidationProblems, prefix: string, options: ExplainabilityOptions): void {
  const dataset = options.baseline!.dataset ?? {};
  problems.require((options.contentType ?? 'text/csv') === 'text/csv', `${prefix}contentType`, options.contentType,
    'text/csv for a baseline from a dataset (Clarify reads the dataset as CSV)');
  if (dataset.headers !== undefined) {
    problems.require(dataset.headers.length > 0 && dataset.headers.every((h) => h !== '') && new Set(dataset.headers).size === dataset.headers.length,
      `${prefix}baseline.dataset.headers`, dataset.headers, 'the names of the dataset\'s columns, none empty, each once');
  }
  if (dataset.label !== undefined) {
    problems.require(dataset.label !== '', `${prefix}baseline.dataset.label`, dataset.label, 'the name of the label\'s column');
    problems.require(dataset.headers !== undefined && dataset.headers.includes(dataset.label), `${prefix}baseline.dataset.headers`, dataset.headers,
      `the dataset's column names, the label (${dataset.label}) among them`);
  }
  if (dataset.headers !== undefined && options.headers !== undefined) {
    const features = dataset.headers.filter((h) => h !== dataset.label);
    problems.require(features.join('\u0000') === options.headers.join('\u0000'), `${prefix}baseline.dataset.headers`, dataset.headers,
      `the monitor's headers (${options.headers.join(', ')}) in their order${dataset.label !== undefined ? `, and the label ${dataset.label}` : ''}`);
  }
}
