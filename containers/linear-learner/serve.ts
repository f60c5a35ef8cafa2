/**
 * Linear Learner inference in the built-in response shape: `{"predictions":[{"score":…,
 * "predicted_label":…}]}` for binary classification (score = probability of 1) and
 * `{"predictions":[{"score":…}]}` for regression. Input: text/csv (features only),
 * application/json or RecordIO-protobuf, as for K-Means.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinearLearnerModel } from './train';
import { decodeFeatures } from '../runtime/decode';
import { OptMl } from '../runtime/layout';
import { encodeRecords } from '../runtime/recordio';
import { Predictor, RequestError } from '../runtime/serving';

export function loadLinearLearnerPredictor(layout: OptMl): Predictor {
  const model = JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8')) as LinearLearnerModel;
  const d = model.feature_dim;
  return {
    async invoke(body, contentType, accept) {
      const x = decodeFeatures(body, contentType, d);
      const rows = x.length / d;
      const predictions = Array.from({ length: rows }, (_, row) => {
        let score = model.bias;
        for (let j = 0; j < d; j++) score += model.weights[j] * ((x[row * d + j] - model.mean[j]) / model.scale[j]);
        if (model.predictor_type === 'binary_classifier') {
          const probability = 1 / (1 + Math.exp(-score));
          return { score: probability, predicted_label: probability > 0.5 ? 1 : 0 };
        }
        return { score: score * model.label_scale + model.label_mean };
      });
      if (accept === 'application/json') return { contentType: accept, body: JSON.stringify({ predictions }) };
      if (accept === 'application/jsonlines') return { contentType: accept, body: predictions.map((p) => JSON.stringify(p)).join('\n') };
      if (accept === 'text/csv') return { contentType: accept, body: predictions.map((p) => ('predicted_label' in p ? `${p.predicted_label},${p.score}` : `${p.score}`)).join('\n') };
      if (accept === 'application/x-recordio-protobuf') {
        return { contentType: accept, body: encodeRecords(predictions.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, [v]]))), 'label') };
      }
      throw new RequestError(406, `Accept ${accept} is not supported: use application/json, application/jsonlines, text/csv or application/x-recordio-protobuf`);
    },
  };
}
