/**
 * Standard scaling at inference, the first stage of a pipeline: records in (text/csv,
 * application/json, application/jsonlines or RecordIO-protobuf), scaled records out in the
 * format of the Accept header, each of which the algorithms read: text/csv (the default),
 * `{"instances":[{"features":[...]}]}`, a `{"features":[...]}` per line, or RecordIO-protobuf. A
 * pipeline may pass the client's Accept to every stage, so each format the last stage can answer
 * in must be one this stage can too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScalerModel } from './train';
import { decodeFeatures } from '../runtime/decode';
import { OptMl } from '../runtime/layout';
import { encodeRecords } from '../runtime/recordio';
import { Predictor, RequestError } from '../runtime/serving';

export function loadScalerPredictor(layout: OptMl): Predictor {
  const model = JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8')) as ScalerModel;
  const d = model.feature_dim;
  return {
    async invoke(body, contentType, accept) {
      const x = decodeFeatures(body, contentType, d);
      const rows = Array.from({ length: x.length / d }, (_, row) =>
        Array.from({ length: d }, (_, j) => (x[row * d + j] - model.mean[j]) / model.scale[j]));
      if (accept === 'text/csv') return { contentType: accept, body: rows.map((row) => row.join(',')).join('\n') };
      if (accept === 'application/json') return { contentType: accept, body: JSON.stringify({ instances: rows.map((features) => ({ features })) }) };
      if (accept === 'application/jsonlines') return { contentType: accept, body: rows.map((features) => JSON.stringify({ features })).join('\n') };
      if (accept === 'application/x-recordio-protobuf') return { contentType: accept, body: encodeRecords(rows.map((values) => ({ values }))) };
      throw new RequestError(406, `Accept ${accept} is not supported: use text/csv, application/json, application/jsonlines or application/x-recordio-protobuf`);
    },
  };
}
