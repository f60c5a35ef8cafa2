/**
 * K-Means inference: the closest cluster and the distance to it for each record, in the built-in
 * algorithm's response shape. Input: text/csv (one record per line) or application/json
 * (`{"instances":[{"features":[...]}]}` or `{"instances":[[...]]}`); output: application/json,
 * application/jsonlines or text/csv.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KMeansModel } from './train';
import { Kernels, loadKernels } from '../native';
import { CsvError, parseCsv } from '../runtime/csv';
import { OptMl } from '../runtime/layout';
import { decodeRecords, encodeRecords, RecordIOError } from '../runtime/recordio';
import { Predictor, RequestError } from '../runtime/serving';

export function loadKMeansPredictor(layout: OptMl, kernels: Kernels = loadKernels()): Predictor {
  const model = JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8')) as KMeansModel;
  const d = model.feature_dim;
  const centers = Float32Array.from(model.centers.flat());
  return {
    async invoke(body, contentType, accept) {
      const records = decode(body, contentType, d);
      const { labels, distances } = await kernels.kmeansAssign(records, centers, d);
      const predictions = Array.from(labels, (label, i) => ({ closest_cluster: label, distance_to_cluster: Math.sqrt(distances[i]) }));
      if (accept === 'application/json') return { contentType: accept, body: JSON.stringify({ predictions }) };
      if (accept === 'application/jsonlines') return { contentType: accept, body: predictions.map((p) => JSON.stringify(p)).join('\n') };
      if (accept === 'text/csv') return { contentType: accept, body: predictions.map((p) => `${p.closest_cluster},${p.distance_to_cluster}`).join('\n') };
      if (accept === 'application/x-recordio-protobuf') {
        return { contentType: accept, body: encodeRecords(predictions.map((p) => ({ closest_cluster: [p.closest_cluster], distance_to_cluster: [p.distance_to_cluster] })), 'label') };
      }
      throw new RequestError(406, `Accept ${accept} is not supported: use application/json, application/jsonlines, text/csv or application/x-recordio-protobuf`);
    },
  };
}

function decode(body: Buffer, contentType: string, d: number): Float32Array {
  if (body.length === 0) throw new RequestError(400, 'empty request body');
  if (contentType === 'text/csv') {
    try {
      const matrix = parseCsv(body, d, 'request');
      if (matrix.rows === 0) throw new RequestError(400, 'no records in the request');
      return matrix.values;
    } catch (error) {
      if (error instanceof CsvError) throw new RequestError(400, `${error.message} (feature_dim is ${d})`);
      throw error;
    }
  }
  if (contentType === 'application/json') {
    let parsed: any;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RequestError(400, 'body is not valid JSON');
    }
    const instances: unknown[] = Array.isArray(parsed?.instances) ? parsed.instances : parsed?.features ? [parsed] : [];
    if (instances.length === 0) throw new RequestError(400, 'expected {"instances": [{"features": [...]}, ...]}');
    const out = new Float32Array(instances.length * d);
    instances.forEach((instance: any, i) => {
      const features = Array.isArray(instance) ? instance : instance?.features;
      if (!Array.isArray(features) || features.length !== d || features.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new RequestError(400, `instance ${i}: expected ${d} finite numbers`);
      }
      out.set(features, i * d);
    });
    return out;
  }
  if (contentType === 'application/x-recordio-protobuf') {
    try {
      const { features, rows } = decodeRecords(body, d);
      if (rows === 0) throw new RequestError(400, 'no records in the request');
      return features;
    } catch (error) {
      if (error instanceof RecordIOError) throw new RequestError(400, error.message);
      throw error;
    }
  }
  throw new RequestError(415, `Content-Type ${contentType} is not supported: use text/csv, application/json or application/x-recordio-protobuf`);
}
