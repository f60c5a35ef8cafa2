/**
 * K-Means training as the built-in does it: a streaming pass of `epochs` over the rows in
 * mini-batches of `mini_batch_size` keeps K̃ = k × extra_center_factor centers, each batch assigned
 * on the native kernels (CUDA when usable) and folded into the centers as running means (weighted
 * by the rows each center has absorbed, decayed by half_life_time_size); then the K̃ centers are
 * reduced to k by a weighted local Lloyd's (local-lloyd.ts). Writes model/model.json; prints the
 * built-in algorithm's metric lines for the test channel; on SIGTERM saves a checkpoint after the
 * current mini-batch and stops, and resumes from one to the same model. The training rows are
 * placed once per job where the kernels read them (Kernels.place: on a GPU, uploaded once; every
 * mini-batch, the k-means++ initial centers and the refinement read views of them), the test
 * channel once for its inertia, each freed when done, also when the job fails.
 *
 * On several hosts (resourceconfig.json; ../runtime/cluster.ts), each host streams its own shard:
 * mini-batch b of the job is every host's b-th mini-batch (a host whose shard has fewer
 * contributes nothing to the later ones), and its per-center sums, counts and inertia are
 * all-reduced (Gloo, float64) before the fold, so every host folds the same numbers into the same
 * centers. The initial centers are chosen on the first host (from its first mini-batch) and
 * broadcast. The local Lloyd reduction then runs on every host on identical centers and weights
 * with the same seed, so it needs no exchange (it is a reduction of a few hundred points), and the
 * refinement on the rows all-reduces each pass's sums, counts and inertia: the served centers are
 * the means of the union's rows they serve, as one host computes them on all the rows once both
 * reach the same partition (the streaming pass is parallel, so its mini-batches are not one host's
 * sequence; on overlapping clusters the two may settle in neighbouring optima). A SIGTERM
 * on any host rides along in the next all-reduce, so every host checkpoints at the same
 * mini-batch; only the first host writes the model.
 *
 * Decisions where the built-in's documentation is silent: extra_center_factor `auto` keeps about
 * 10 streaming centers per final center (autoFactor), local_lloyd_num_trials `auto` is 10, and
 * each trial's k centers are refined by Lloyd's over the rows (refine.ts), the least inertia on
 * the rows kept. Not as the built-in: the model format (JSON, not MXNet).
 */
import * as fs from 'node:fs';
import { KMEANS_HYPERPARAMETERS } from './hyperparameters';
import { localLloydTrials } from './local-lloyd';
import { refineOnRows } from './refine';
import { BackendChoice, Kernels, loadKernels, PlacedRows, placementLine } from '../native';
import { ChannelRows, hasChannel, readChannel } from '../runtime/channels';
import { Checkpoints, saveModel, watchForStop } from '../runtime/checkpoint';
import { agreeOnResume, checkpointName, Cluster, collectiveShare, joinCluster } from '../runtime/cluster';
import { parseHyperparameters } from '../runtime/hyperparameters';
import { OptMl } from '../runtime/layout';
import { seededRandom } from '../runtime/random';
import { qualityMetric, throughputMetric } from '../runtime/training';

/** The model file's format: serving refuses a newer one (see ../runtime/model-file.ts). */
export const KMEANS_FORMAT = 1;

/**
 * `auto` values, where the built-in's documentation leaves them to the algorithm. More streaming
 * centers summarise the rows more finely (measured on scikit-learn's real data sets, bench/quality):
 * about 10 per final center, at least 64 in all, never more than the rows; more trials are more
 * restarts of the reduction, each judged on the rows.
 */
export function autoFactor(k: number, rows: number): number {
  return Math.max(1, Math.min(Math.ceil(Math.max(64, 10 * k) / k), Math.floor(rows / k)));
}
const AUTO_TRIALS = 10;

export interface KMeansModel {
  readonly algorithm: 'kmeans';
  readonly format_version: number;
  readonly feature_dim: number;
  readonly k: number;
  readonly centers: number[][];
}

/** Where the streaming pass is: the next epoch and mini-batch, the K̃ centers and their weights. */
interface Checkpoint { readonly epoch: number; readonly batch: number; readonly centers: number[]; readonly weights: number[] }

export async function trainKMeans(layout: OptMl): Promise<void> {
  const raw = JSON.parse(fs.existsSync(layout.hyperparametersFile) ? fs.readFileSync(layout.hyperparametersFile, 'utf8') : '{}');
  const hp = parseHyperparameters(KMEANS_HYPERPARAMETERS, raw);
  const cluster = await joinCluster(layout, { port: hp._collective_port, timeoutSeconds: hp._collective_timeout });
  try {
    await trainOnHosts(layout, raw, hp, cluster);
  } catch (error) {
    throw await cluster.explain(error);
  } finally {
    cluster.close();
  }
}

async function trainOnHosts(layout: OptMl, raw: Record<string, unknown>, hp: ReturnType<typeof parseHyperparameters<typeof KMEANS_HYPERPARAMETERS>>, cluster: Cluster): Promise<void> {
  // _compute_backend when given, else SAGEMAKER_COMPUTE_BACKEND, else auto (its default must not hide the variable).
  const kernels = loadKernels({ backend: raw._compute_backend === undefined ? undefined : hp._compute_backend as BackendChoice });
  const d = hp.feature_dim;
  const train = asMatrix(readChannel(layout, 'train', d));
  // The rows are placed once where the kernels read them (on a GPU: uploaded once, not once per
  // mini-batch), and freed when the job ends, failed or not.
  const placed = await kernels.place(train.values, d);
  console.log(placementLine('train', placed));
  try {
    await trainOnPlacedRows(layout, raw, hp, cluster, kernels, train, placed);
  } finally {
    placed.dispose();
  }
}

async function trainOnPlacedRows(layout: OptMl, raw: Record<string, unknown>, hp: ReturnType<typeof parseHyperparameters<typeof KMEANS_HYPERPARAMETERS>>,
  cluster: Cluster, kernels: Kernels, train: { values: Float32Array; rows: number }, placed: PlacedRows): Promise<void> {
  const evalMetrics = hp.eval_metrics;
  const trials = hp.local_lloyd_num_trials === 'auto' ? AUTO_TRIALS : hp.local_lloyd_num_trials;
  const d = hp.feature_dim, k = hp.k;
  const began = performance.now();
  const batchSize = hp.mini_batch_size;
  // Every host's rows and mini-batches: the job's rows are the union of the shards, its epoch as
  // many mini-batches as the largest shard has.
  const shardRows = cluster.allreduceSum(oneHot(cluster, train.rows));
  const totalRows = shardRows.reduce((a, b) => a + b, 0);
  const batches = Math.ceil(Math.max(...shardRows) / batchSize);
  if (totalRows < k) throw new Error(`k (${k}) must be at most the number of training rows (${totalRows}${cluster.size > 1 ? ` on ${cluster.size} hosts` : ''})`);
  const factor = hp.extra_center_factor === 'auto' ? autoFactor(k, totalRows) : hp.extra_center_factor;
  const kk = Math.min(totalRows, k * factor);
  console.log(`K-Means: ${train.rows} rows${cluster.size > 1 ? ` on ${cluster.host} (${totalRows} on ${cluster.size} hosts)` : ''}, feature_dim ${d}, k ${k} (${kk} centers while streaming), ${hp.epochs} epochs of ${batches} mini-batches, init ${hp.init_method}`);

  const checkpoints = new Checkpoints<Checkpoint>(layout, checkpointName('kmeans', cluster), { hyperparameters: raw, rows: train.rows, hosts: cluster.hosts });
  // Every host resumes from the same mini-batch, or none does.
  const resumed = agreeOnResume(cluster, checkpoints.load(), (state) => state.epoch * (batches + 1) + state.batch);
  // The initial centers come from the first mini-batch (or K̃ rows, if more), as the built-in's
  // do: the first host's, broadcast to the others.
  const firstRows = Math.min(train.rows, Math.max(batchSize, kk));
  if (!resumed && cluster.first && firstRows < kk) {
    throw new Error(`the first host's shard has ${train.rows} rows, fewer than the ${kk} centers the streaming pass starts from: give it more rows or lower k or extra_center_factor`);
  }
  const centers = resumed ? Float32Array.from(resumed.centers)
    : cluster.broadcast(cluster.first ? await initialCenters(kernels, train.values, placed.slice(0, firstRows), d, kk, hp.init_method) : new Float32Array(kk * d));
  const weights = resumed ? Float64Array.from(resumed.weights) : new Float64Array(kk);
  if (resumed) {
    console.log(resumed.epoch >= hp.epochs ? 'resumed from checkpoint after the streaming pass'
      : `resumed from checkpoint at epoch ${resumed.epoch + 1}, mini-batch ${resumed.batch + 1}`);
  }

  let final = centers, finalInertia = Infinity, ready = 0;
  const finished = await watchForStop(async (stop) => {
    for (let epoch = resumed?.epoch ?? 0; epoch < hp.epochs; epoch++) {
      const started = performance.now();
      let inertia = 0;
      for (let batch = epoch === resumed?.epoch ? resumed.batch : 0; batch < batches; batch++) {
        const first = Math.min(train.rows, batch * batchSize), rows = Math.min(train.rows, first + batchSize) - first;
        // This host's sums, counts, inertia, rows and stop request, then every host's summed.
        const step = new Float64Array(kk * d + kk + 3);
        if (rows > 0) {
          const assigned = await kernels.kmeansAssign(placed.slice(first, rows), centers, d);
          step.set(assigned.sums);
          step.set(assigned.counts, kk * d);
          step[kk * d + kk] = assigned.inertia;
        }
        step[kk * d + kk + 1] = rows;
        step[kk * d + kk + 2] = stop.requested ? 1 : 0;
        cluster.allreduceSum(step);
        const jobRows = step[kk * d + kk + 1], stopRequested = step[kk * d + kk + 2] > 0;
        inertia += step[kk * d + kk];
        foldIntoCenters(centers, weights, step.subarray(0, kk * d), step.subarray(kk * d, kk * d + kk), d,
          hp.half_life_time_size > 0 ? 0.5 ** (jobRows / hp.half_life_time_size) : 1);
        if (stopRequested && !(epoch + 1 === hp.epochs && batch + 1 === batches)) {
          const next = batch + 1 < batches ? { epoch, batch: batch + 1 } : { epoch: epoch + 1, batch: 0 };
          checkpoints.save({ ...next, centers: Array.from(centers), weights: Array.from(weights) });
          console.log(`SIGTERM: saved a checkpoint before epoch ${next.epoch + 1}, mini-batch ${next.batch + 1}`);
          return false;
        }
      }
      throughputMetric('train', train.rows, (performance.now() - started) / 1000);
      console.log(`#progress_metric: host=${cluster.host}, epoch ${epoch + 1}/${hp.epochs}, train msd ${inertia / totalRows}`);
    }

    // The K̃ centers reduced to k by each local Lloyd trial, then every candidate refined against
    // the rows themselves (Lloyd's over the rows, a mini-batch at a time), keeping the one of least
    // inertia on the rows: the served centers are the means of the rows they serve, and the trials
    // act as restarts judged on the data, not on the weighted summary. The refinement passes over
    // the rows many times, so a stop during it is honoured too: the checkpoint holds the finished
    // streaming pass, and the next run repeats only this part (seeded: the same model).
    const candidates = kk === k ? [centers] : localLloydTrials(centers, weights, d, {
      k, init: hp.local_lloyd_init_method as 'random' | 'kmeans++', trials, maxIterations: hp.local_lloyd_max_iter,
      tolerance: hp.local_lloyd_tol, random: seededRandom(7),
    });
    for (const candidate of candidates) {
      const refined = await refineOnRows(kernels, placed, candidate, batchSize,
        { maxIterations: hp.local_lloyd_max_iter, tolerance: hp.local_lloyd_tol, stop, combine: cluster.size > 1 ? (sums) => cluster.allreduceSum(sums) : undefined });
      if (refined.stopped) {
        checkpoints.save({ epoch: hp.epochs, batch: 0, centers: Array.from(centers), weights: Array.from(weights) });
        console.log('SIGTERM: saved a checkpoint after the streaming pass (the refinement on the rows is repeated on resuming)');
        return false;
      }
      if (refined.inertia < finalInertia) ({ centers: final, inertia: finalInertia } = refined);
    }
    ready = candidates.length;
    return true;
  });
  if (!finished) return;
  const collective = collectiveShare(cluster, began);
  if (cluster.first) {
    const model: KMeansModel = {
      algorithm: 'kmeans', format_version: KMEANS_FORMAT, feature_dim: d, k,
      centers: Array.from({ length: k }, (_, c) => Array.from(final.subarray(c * d, c * d + d))),
    };
    saveModel(layout, model);
    console.log(`saved model: ${kk} streaming centers reduced to ${k} by ${ready} local Lloyd trials, refined on the rows (train msd ${finalInertia / totalRows})${collective}`);
  } else {
    console.log(`trained: ${kk} streaming centers reduced to ${k} by ${ready} local Lloyd trials, refined on the rows (train msd ${finalInertia / totalRows}); the first host ${cluster.hosts[0]} writes the model${collective}`);
  }

  // The test channel's inertia and rows summed over every host's test shard.
  if (hasChannel(layout, 'test') || cluster.size > 1) {
    const test = hasChannel(layout, 'test') ? asMatrix(readChannel(layout, 'test', d)) : undefined;
    const sums = Float64Array.of(test ? await inertiaOf(kernels, test.values, d, final) : 0, test?.rows ?? 0);
    const [inertia, rows] = cluster.allreduceSum(sums);
    if (rows > 0 && evalMetrics.includes('msd')) qualityMetric('test', 'msd', inertia / rows);
    if (rows > 0 && evalMetrics.includes('ssd')) qualityMetric('test', 'ssd', inertia);
  }
}

/** A vector with `value` at this host's rank: all-reduced, every host's value. */
function oneHot(cluster: Cluster, value: number): Float64Array {
  const values = new Float64Array(cluster.size);
  values[cluster.rank] = value;
  return values;
}

/**
 * One mini-batch folded into the running centers: each center becomes the weighted mean of what
 * it held (its weight decayed by `decay` first) and the rows assigned to it now.
 */
function foldIntoCenters(centers: Float32Array, weights: Float64Array, sums: Float64Array, counts: Float64Array, d: number, decay: number): void {
  for (let c = 0; c < weights.length; c++) {
    weights[c] *= decay;
    if (counts[c] === 0) continue;
    const total = weights[c] + counts[c];
    for (let j = 0; j < d; j++) centers[c * d + j] = (weights[c] * centers[c * d + j] + sums[c * d + j]) / total;
    weights[c] = total;
  }
}


const asMatrix = (rows: ChannelRows) => ({ values: rows.x, rows: rows.rows });


/** The inertia of `centers` on a channel's rows, placed for this one pass and freed after it. */
async function inertiaOf(kernels: Kernels, x: Float32Array, d: number, centers: Float32Array): Promise<number> {
  const placed = await kernels.place(x, d);
  console.log(placementLine('test', placed));
  try {
    return (await kernels.kmeansAssign(placed, centers, d)).inertia;
  } finally {
    placed.dispose();
  }
}

/**
 * K̃ initial centers from the first `rows.n` rows (placed: the kernels read them there; `x`, the
 * same rows in host memory, is where the chosen rows are copied from).
 */
async function initialCenters(kernels: Kernels, x: Float32Array, rows: PlacedRows, d: number, k: number, method: string): Promise<Float32Array> {
  const n = rows.n;
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
    const { distances } = await kernels.kmeansAssign(rows, centers.slice((c - 1) * d, c * d), d);
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
