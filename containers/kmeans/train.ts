/**
 * K-Means training: k-means++ or random initialisation, then Lloyd iterations on the native
 * kernels (CUDA when usable) until the centers move less than local_lloyd_tol or
 * local_lloyd_max_iter is reached. Writes model/model.json; prints the built-in algorithm's metric
 * lines for the test channel; on SIGTERM saves a checkpoint and stops, and resumes from one.
 *
 * Not yet as the built-in: mini-batch passes and extra centers (epochs, mini_batch_size,
 * extra_center_factor and half_life_time_size are accepted and validated but do not change the
 * full-batch Lloyd), and the model format (JSON, not MXNet parameters).
 */
import * as fs from 'node:fs';
import { KMEANS_HYPERPARAMETERS } from './hyperparameters';
import { Kernels, loadKernels } from '../native';
import { ChannelRows, hasChannel, readChannel } from '../runtime/channels';
import { Checkpoints, saveModel, watchForStop } from '../runtime/checkpoint';
import { parseHyperparameters } from '../runtime/hyperparameters';
import { OptMl } from '../runtime/layout';
import { seededRandom } from '../runtime/random';
import { qualityMetric, throughputMetric } from '../runtime/training';

export interface KMeansModel {
  readonly algorithm: 'kmeans';
  readonly feature_dim: number;
  readonly k: number;
  readonly centers: number[][];
}

interface Checkpoint { readonly iteration: number; readonly centers: number[] }

export async function trainKMeans(layout: OptMl): Promise<void> {
  const raw = JSON.parse(fs.existsSync(layout.hyperparametersFile) ? fs.readFileSync(layout.hyperparametersFile, 'utf8') : '{}');
  const hp = parseHyperparameters(KMEANS_HYPERPARAMETERS, raw);
  const evalMetrics = parseEvalMetrics(hp.eval_metrics);
  const kernels = loadKernels({ backend: hp._compute_backend as 'auto' | 'cpu' | 'cuda' });
  const d = hp.feature_dim, k = hp.k;
  const train = asMatrix(readChannel(layout, 'train', d));
  if (train.rows < k) throw new Error(`k (${k}) must be at most the number of training rows (${train.rows})`);
  console.log(`K-Means: ${train.rows} rows, feature_dim ${d}, k ${k}, init ${hp.init_method}`);

  const checkpoints = new Checkpoints<Checkpoint>(layout, 'kmeans', { hyperparameters: raw, rows: train.rows });
  const resumed = checkpoints.load();
  let centers = resumed ? Float32Array.from(resumed.centers) : await initialCenters(kernels, train.values, train.rows, d, k, hp.init_method);
  let iteration = resumed?.iteration ?? 0;
  if (resumed) console.log(`resumed from checkpoint at iteration ${iteration}`);

  const finished = await watchForStop(async (stop) => {
    for (; iteration < hp.local_lloyd_max_iter; iteration++) {
      const started = performance.now();
      const { sums, counts, inertia } = await kernels.kmeansAssign(train.values, centers, d);
      throughputMetric('train', train.rows, (performance.now() - started) / 1000);
      const next = new Float32Array(centers.length);
      let moved = 0;
      for (let c = 0; c < k; c++) {
        for (let j = 0; j < d; j++) {
          const value = counts[c] > 0 ? sums[c * d + j] / counts[c] : centers[c * d + j];
          next[c * d + j] = value;
          moved = Math.max(moved, Math.abs(value - centers[c * d + j]));
        }
      }
      centers = next;
      console.log(`#progress_metric: host=algo-1, iteration ${iteration + 1}, train msd ${inertia / train.rows}, center shift ${moved}`);
      if (moved <= hp.local_lloyd_tol) { iteration++; return true; }
      if (stop.requested) {
        checkpoints.save({ iteration: iteration + 1, centers: Array.from(centers) });
        console.log(`SIGTERM: saved a checkpoint at iteration ${iteration + 1}`);
        return false;
      }
    }
    return true;
  });
  if (!finished) return;

  const model: KMeansModel = { algorithm: 'kmeans', feature_dim: d, k, centers: Array.from({ length: k }, (_, c) => Array.from(centers.subarray(c * d, c * d + d))) };
  saveModel(layout, model);
  console.log(`saved model after ${iteration} iterations`);

  if (hasChannel(layout, 'test')) {
    const test = asMatrix(readChannel(layout, 'test', d));
    const { inertia } = await kernels.kmeansAssign(test.values, centers, d);
    if (evalMetrics.includes('msd')) qualityMetric('test', 'msd', inertia / test.rows);
    if (evalMetrics.includes('ssd')) qualityMetric('test', 'ssd', inertia);
  }
}

const asMatrix = (rows: ChannelRows) => ({ values: rows.x, rows: rows.rows });

function parseEvalMetrics(text: string): string[] {
  let metrics: unknown;
  try {
    metrics = JSON.parse(text.replace(/'/g, '"'));
  } catch {
    metrics = undefined;
  }
  if (!Array.isArray(metrics) || metrics.some((m) => m !== 'msd' && m !== 'ssd')) {
    throw new Error(`eval_metrics: ${JSON.stringify(text)} is not a list of msd and ssd, e.g. ["msd","ssd"]`);
  }
  return metrics as string[];
}

async function initialCenters(kernels: Kernels, x: Float32Array, n: number, d: number, k: number, method: string): Promise<Float32Array> {
  const next = seededRandom(42); // the same centers in a resumed run
  const centers = new Float32Array(k * d);
  const take = (row: number, c: number) => centers.set(x.subarray(row * d, row * d + d), c * d);
  if (method === 'random') {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(next() * n));
    [...chosen].forEach((row, c) => take(row, c));
    return centers;
  }
  // k-means++: each next center drawn with probability proportional to the squared distance to
  // the closest center so far; the distances come from the same fused kernel, one center at a time.
  take(Math.floor(next() * n), 0);
  const closest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    const { distances } = await kernels.kmeansAssign(x, centers.slice((c - 1) * d, c * d), d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      closest[i] = Math.min(closest[i], distances[i]);
      total += closest[i];
    }
    let target = next() * total, row = 0;
    while (row < n - 1 && target > closest[row]) target -= closest[row++];
    take(row, c);
  }
  return centers;
}
