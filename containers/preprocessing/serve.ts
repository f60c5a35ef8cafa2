/**
 * Standard scaling at inference, the first stage of a pipeline: records in (text/csv,
 * application/json or RecordIO-protobuf), scaled records out as text/csv (the default, what the
 * next container reads) or, with Accept application/json, `{"instances":[{"features":[...]}]}`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScalerModel } from './train';
import { decodeFeatures } from '../runtime/decode';
import { OptMl } from '../runtime/layout';
import { Predictor } from '../runtime/serving';

export function loadScalerPredictor(layout: OptMl): Predictor {
  const model = JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8')) as ScalerModel;
  const d = model.feature_dim;
  return {
    async invoke(body, contentType, accept) {
      const x = decodeFeatures(body, contentType, d);
      const rows = Array.from({ length: x.length / d }, (_, row) =>
        Array.from({ length: d }, (_, j) => (x[row * d + j] - model.mean[j]) / model.scale[j]));
      if (accept === 'application/json') return { contentType: accept, body: JSON.stringify({ instances: rows.map((features) => ({ features })) }) };
      return { contentType: 'text/csv', body: rows.map((row) => row.join(',')).join('\n') };
    },
  };
}
