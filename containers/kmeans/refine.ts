/**
 * The last step of K-Means training: Lloyd's algorithm over the rows themselves, starting from the
 * k centers the local Lloyd step found on the weighted streaming centers. Each iteration is one
 * pass of the native assignment kernel a mini-batch at a time (so memory beyond the rows is one
 * mini-batch's distances, and the pass could read the rows from a stream), summing every
 * cluster's rows in float64; a cluster left empty keeps its center. Stops when the inertia
 * improves by no more than `tolerance` of itself, or after `maxIterations`, or (`stopped`) as soon
 * as `stop.requested` is seen between iterations — the caller then discards the result.
 *
 * The rows are placed once by the caller (Kernels.place): every pass reads them there, a mini-batch
 * at a time (on a GPU, no pass uploads them).
 *
 * On several hosts `combine` sums each pass's sums, counts, inertia and stop request over every
 * host's rows (an all-reduce), so every host moves to the same centers and stops at the same pass.
 */
import { Kernels, PlacedRows } from '../native';

export interface Refined { readonly centers: Float32Array; readonly inertia: number; readonly iterations: number; readonly stopped?: boolean }

export async function refineOnRows(kernels: Kernels, x: PlacedRows, start: Float32Array, batchSize: number,
  options: { maxIterations: number; tolerance: number; stop?: { readonly requested: boolean }; combine?: (values: Float64Array) => Float64Array }): Promise<Refined> {
  const rows = x.n, d = x.d, k = start.length / d;
  let centers = Float32Array.from(start), inertia = Infinity, iterations = 0;
  for (; iterations < options.maxIterations; iterations++) {
    if (!options.combine && options.stop?.requested) return { centers, inertia, iterations, stopped: true };
    // sums (k × d), counts (k), inertia, stop request: one buffer, so one all-reduce a pass.
    const pass = new Float64Array(k * d + k + 2);
    const sums = pass.subarray(0, k * d), counts = pass.subarray(k * d, k * d + k);
    let total = 0;
    for (let first = 0; first < rows; first += batchSize) {
      const last = Math.min(rows, first + batchSize);
      const assigned = await kernels.kmeansAssign(x.slice(first, last - first), centers, d);
      total += assigned.inertia;
      for (let i = 0; i < sums.length; i++) sums[i] += assigned.sums[i];
      for (let c = 0; c < k; c++) counts[c] += assigned.counts[c];
    }
    if (options.combine) {
      pass[k * d + k] = total;
      pass[k * d + k + 1] = options.stop?.requested ? 1 : 0;
      options.combine(pass);
      if (pass[k * d + k + 1] > 0) return { centers, inertia, iterations, stopped: true };
      total = pass[k * d + k];
    }
    // `total` is the inertia of `centers`; the means below are the next centers.
    if (total >= inertia * (1 - options.tolerance)) {
      inertia = Math.min(inertia, total);
      break;
    }
    inertia = total;
    const next = Float32Array.from(centers);
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) for (let j = 0; j < d; j++) next[c * d + j] = sums[c * d + j] / counts[c];
    }
    centers = next;
  }
  return { centers, inertia: inertia === Infinity ? 0 : inertia, iterations };
}
