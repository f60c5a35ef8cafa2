/**
 * The built-in K-Means's last step: the K̃ = k × extra_center_factor centers found by the streaming
 * pass are reduced to k by Lloyd's algorithm on those centers, each weighted by the rows it
 * absorbed (local_lloyd_init_method, local_lloyd_num_trials, local_lloyd_max_iter,
 * local_lloyd_tol). K̃ is small (a few times k), so this is plain TypeScript: the native kernels
 * are for the rows.
 */

export interface LocalLloydOptions {
  readonly k: number;
  readonly init: 'random' | 'kmeans++';
  readonly trials: number;
  readonly maxIterations: number;
  /** Stop when the weighted inertia improves by no more than this fraction. */
  readonly tolerance: number;
  /** Numbers in [0, 1), seeded so a resumed job reduces the same way. */
  readonly random: () => number;
}

/** The best of `trials` weighted Lloyd runs (least weighted inertia): k centers, row-major. */
export function localLloyd(points: Float32Array, weights: Float64Array, d: number, options: LocalLloydOptions): Float32Array {
  const runs = trialRuns(points, weights, d, options);
  return runs.reduce((best, run) => (run.inertia < best.inertia ? run : best)).centers;
}

/** Every trial's k centers, least weighted inertia first (for refinement against the rows). */
export function localLloydTrials(points: Float32Array, weights: Float64Array, d: number, options: LocalLloydOptions): Float32Array[] {
  return trialRuns(points, weights, d, options).sort((a, b) => a.inertia - b.inertia).map((run) => run.centers);
}

function trialRuns(points: Float32Array, weights: Float64Array, d: number, options: LocalLloydOptions): { centers: Float32Array; inertia: number }[] {
  return Array.from({ length: options.trials }, () => lloyd(points, weights, d, initialCenters(points, weights, d, options), options));
}

function nearest(point: Float32Array, p: number, centers: Float32Array, d: number, k: number): { center: number; distance: number } {
  let center = 0, distance = Infinity;
  for (let c = 0; c < k; c++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (point[p * d + j] - centers[c * d + j]) ** 2;
    if (sum < distance) { distance = sum; center = c; }
  }
  return { center, distance };
}

/** Points with no weight (centers that never absorbed a row) are never chosen while others remain. */
function initialCenters(points: Float32Array, weights: Float64Array, d: number, options: LocalLloydOptions): Float32Array {
  const n = weights.length, k = options.k;
  const centers = new Float32Array(k * d);
  const take = (p: number, c: number) => centers.set(points.subarray(p * d, p * d + d), c * d);
  // Draws a point with probability proportional to `mass` (uniformly when all mass is zero).
  const draw = (mass: Float64Array) => {
    const total = mass.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return Math.floor(options.random() * n);
    let target = options.random() * total, p = 0;
    while (p < n - 1 && target >= mass[p]) target -= mass[p++];
    return p;
  };
  if (options.init === 'random') {
    const mass = Float64Array.from(weights, (w) => (w > 0 ? 1 : 0));
    for (let c = 0; c < k; c++) {
      const p = draw(mass);
      take(p, c);
      mass[p] = 0;
    }
    return centers;
  }
  // k-means++ on weighted points: the next center drawn with probability ∝ weight × squared distance.
  take(draw(weights), 0);
  for (let c = 1; c < k; c++) {
    const mass = Float64Array.from(weights, (w, p) => w * nearest(points, p, centers, d, c).distance);
    take(draw(mass), c);
  }
  return centers;
}

function lloyd(points: Float32Array, weights: Float64Array, d: number, centers: Float32Array, options: LocalLloydOptions): { centers: Float32Array; inertia: number } {
  const n = weights.length, k = options.k;
  let previous = Infinity, inertia = Infinity;
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    const sums = new Float64Array(k * d), mass = new Float64Array(k);
    inertia = 0;
    for (let p = 0; p < n; p++) {
      if (!(weights[p] > 0)) continue;
      const { center, distance } = nearest(points, p, centers, d, k);
      inertia += weights[p] * distance;
      mass[center] += weights[p];
      for (let j = 0; j < d; j++) sums[center * d + j] += weights[p] * points[p * d + j];
    }
    for (let c = 0; c < k; c++) {
      if (mass[c] > 0) for (let j = 0; j < d; j++) centers[c * d + j] = sums[c * d + j] / mass[c];
    }
    if (Number.isFinite(previous) && previous - inertia <= options.tolerance * previous) break;
    previous = inertia;
  }
  return { centers, inertia };
}
