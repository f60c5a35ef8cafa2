/**
 * Linear Learner inference in the built-in response shape: `{"predictions":[{"score":…,
 * "predicted_label":…}]}` for binary classification (score = probability of 1),
 * `{"predictions":[{"score":[…],"predicted_label":…}]}` for multiclass (a probability per class)
 * and `{"predictions":[{"score":…}]}` for regression. Input: text/csv (features only),
 * application/json, application/jsonlines or RecordIO-protobuf, as for K-Means.
 */
import { LINEAR_LEARNER_FORMAT, LinearLearnerModel } from './train';
import { readModelFile } from '../runtime/model-file';
import { decodeFeatures } from '../runtime/decode';
import { OptMl } from '../runtime/layout';
import { encodeRecords } from '../runtime/recordio';
import { Predictor, RequestError } from '../runtime/serving';

type Prediction = { score: number; predicted_label?: number } | { score: number[]; predicted_label: number };

export function loadLinearLearnerPredictor(layout: OptMl): Predictor {
  const model = readModelFile<LinearLearnerModel>(layout, 'linear-learner', LINEAR_LEARNER_FORMAT);
  const d = model.feature_dim;
  const classes = model.num_classes ?? 1;
  const biases = [model.bias].flat();
  const standardised = new Float64Array(d);
  /** The raw score of one class for one standardised row. */
  const raw = (c: number) => {
    let score = biases[c];
    for (let j = 0; j < d; j++) score += model.weights[c * d + j] * standardised[j];
    return score;
  };
  const predict = (row: Float32Array): Prediction => {
    for (let j = 0; j < d; j++) standardised[j] = (row[j] - model.mean[j]) / model.scale[j];
    if (model.predictor_type === 'multiclass_classifier') {
      const scores = Array.from({ length: classes }, (_, c) => raw(c));
      const top = Math.max(...scores), exps = scores.map((s) => Math.exp(s - top)), total = exps.reduce((a, b) => a + b, 0);
      return { score: exps.map((e) => e / total), predicted_label: scores.indexOf(top) };
    }
    const score = raw(0);
    if (model.predictor_type === 'binary_classifier') {
      const probability = 1 / (1 + Math.exp(-score));
      return { score: probability, predicted_label: probability > 0.5 ? 1 : 0 };
    }
    return { score: score * model.label_scale + model.label_mean };
  };
  return {
    async invoke(body, contentType, accept) {
      const x = decodeFeatures(body, contentType, d);
      const rows = x.length / d;
      const predictions = Array.from({ length: rows }, (_, row) => predict(x.subarray(row * d, row * d + d)));
      if (accept === 'application/json') return { contentType: accept, body: JSON.stringify({ predictions }) };
      if (accept === 'application/jsonlines') return { contentType: accept, body: predictions.map((p) => JSON.stringify(p)).join('\n') };
      if (accept === 'text/csv') return { contentType: accept, body: predictions.map((p) => [p.predicted_label ?? [], p.score].flat().join(',')).join('\n') };
      if (accept === 'application/x-recordio-protobuf') {
        return { contentType: accept, body: encodeRecords(predictions.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, [v].flat()]))), 'label') };
      }
      throw new RequestError(406, `Accept ${accept} is not supported: use application/json, application/jsonlines, text/csv or application/x-recordio-protobuf`);
    },
  };
}
