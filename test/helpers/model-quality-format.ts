/**
 * SageMaker Model Monitor's model-quality statistics format (what a model package's
 * `ModelMetrics.ModelQuality.Statistics` points at), as its documentation lays it out: a `version`,
 * a `dataset`, and one section per problem type whose metrics are `{ value, standard_deviation }`
 * (the deviation a number, or "NaN" under 200 rows), a binary/multiclass `confusion_matrix` of
 * counts keyed actual label → predicted label, and the binary ROC and precision-recall curves.
 * Returns every way a document departs from it (empty when it conforms).
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
 */
export const MODEL_QUALITY_SECTIONS: Record<string, { metrics: string[]; confusion: boolean; curves: boolean }> = {
  regression_metrics: { metrics: ['mae', 'mse', 'rmse', 'r2'], confusion: false, curves: false },
  binary_classification_metrics: {
    metrics: [
      'recall', 'precision', 'accuracy', 'recall_best_constant_classifier', 'precision_best_constant_classifier',
      'accuracy_best_constant_classifier', 'true_positive_rate', 'true_negative_rate', 'false_positive_rate',
      'false_negative_rate', 'auc', 'f0_5', 'f1', 'f2', 'f0_5_best_constant_classifier', 'f1_best_constant_classifier',
      'f2_best_constant_classifier',
    ],
    confusion: true,
    curves: true,
  },
  multiclass_classification_metrics: {
    metrics: [
      'accuracy', 'weighted_recall', 'weighted_precision', 'weighted_f0_5', 'weighted_f1', 'weighted_f2',
      'accuracy_best_constant_classifier', 'weighted_recall_best_constant_classifier',
      'weighted_precision_best_constant_classifier', 'weighted_f0_5_best_constant_classifier',
      'weighted_f1_best_constant_classifier', 'weighted_f2_best_constant_classifier',
    ],
    confusion: true,
    curves: false,
  },
};

/** The metric names a document of only some metrics may carry (the registry's from FinalMetricDataList). */
export function modelQualityFormatProblems(document: any, options: { complete?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (typeof document !== 'object' || document === null) return ['not a JSON object'];
  if (typeof document.version !== 'number') problems.push('version is not a number');
  if (typeof document.dataset !== 'object' || document.dataset === null) problems.push('dataset is not an object');
  const sections = Object.keys(document).filter((key) => key !== 'version' && key !== 'dataset');
  if (sections.length !== 1) problems.push(`expected one metrics section, found ${JSON.stringify(sections)}`);
  for (const name of sections) {
    const format = MODEL_QUALITY_SECTIONS[name];
    if (!format) { problems.push(`unknown section ${name}`); continue; }
    const section = document[name];
    for (const [metric, entry] of Object.entries<any>(section)) {
      if (metric === 'confusion_matrix' && format.confusion) {
        problems.push(...confusionProblems(entry, document.dataset?.item_count));
      } else if (format.curves && metric === 'receiver_operating_characteristic_curve') {
        problems.push(...curveProblems(metric, entry, 'false_positive_rates', 'true_positive_rates'));
      } else if (format.curves && metric === 'precision_recall_curve') {
        problems.push(...curveProblems(metric, entry, 'precisions', 'recalls'));
      } else if (!format.metrics.includes(metric)) {
        problems.push(`${name}.${metric} is not a metric of the format`);
      } else {
        if (typeof entry?.value !== 'number' || !Number.isFinite(entry.value)) problems.push(`${name}.${metric}.value is not a finite number`);
        const deviation = entry?.standard_deviation;
        if (!(deviation === 'NaN' || (typeof deviation === 'number' && deviation >= 0))) problems.push(`${name}.${metric}.standard_deviation is neither a number ≥ 0 nor "NaN"`);
      }
    }
    if (options.complete) {
      for (const metric of format.metrics) if (!(metric in section)) problems.push(`${name}.${metric} is missing`);
      if (format.confusion && !('confusion_matrix' in section)) problems.push(`${name}.confusion_matrix is missing`);
      if (format.curves) {
        for (const curve of ['receiver_operating_characteristic_curve', 'precision_recall_curve']) if (!(curve in section)) problems.push(`${name}.${curve} is missing`);
      }
    }
  }
  return problems;
}

function confusionProblems(matrix: any, items: unknown): string[] {
  if (typeof matrix !== 'object' || matrix === null) return ['confusion_matrix is not an object'];
  const problems: string[] = [];
  let total = 0;
  for (const [actual, row] of Object.entries<any>(matrix)) {
    for (const [predicted, count] of Object.entries<any>(row ?? {})) {
      if (!Number.isInteger(count) || count < 0) problems.push(`confusion_matrix[${actual}][${predicted}] is not a count`);
      else total += count;
    }
  }
  if (typeof items === 'number' && total !== items) problems.push(`confusion_matrix counts ${total} rows, dataset.item_count is ${items}`);
  return problems;
}

function curveProblems(name: string, curve: any, xName: string, yName: string): string[] {
  const x = curve?.[xName], y = curve?.[yName];
  if (!Array.isArray(x) || !Array.isArray(y)) return [`${name} needs arrays ${xName} and ${yName}`];
  if (x.length !== y.length) return [`${name}: ${xName} and ${yName} differ in length`];
  if ([...x, ...y].some((v) => typeof v !== 'number' || v < 0 || v > 1)) return [`${name}: a value outside [0, 1]`];
  return [];
}
