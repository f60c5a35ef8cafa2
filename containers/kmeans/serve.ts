/**
 * K-Means inference: the closest cluster and the distance to it for each record, in the built-in
 * algorithm's response shape. Input: text/csv (one record per line) or application/json
 * (`{"instances":[{"features":[...]}]}` or `{"instances":[[...]]}`); output: application/json,
 * application/jsonlines or text/csv.
 */
import { KMEANS_FORMAT, KMeansModel } from './train';
import { readModelFile } from '../runtime/model-file';
import { decodeFeatures } from '../runtime/decode';
import { OptMl } from '../runtime/layout';
import { encodeRecords } from '../runtime/recordio';
import { Predictor, RequestError } from '../runtime/serving';
import { servingKernels, ServingKernels } from '../runtime/serving-kernels';

/** @param kernels the CPU kernels, and the GPU ones only for large requests (see serving-kernels.ts) */
export function loadKMeansPredictor(layout: OptMl, kernels: ServingKernels = servingKernels()): Predictor {
  const model = readModelFile<KMeansModel>(layout, 'kmeans', KMEANS_FORMAT);
  const d = model.feature_dim;
  const centers = Float32Array.from(model.centers.flat());
  return {
    async invoke(body, contentType, accept) {
      const records = decodeFeatures(body, contentType, d);
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
