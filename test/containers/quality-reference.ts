/**
 * What the quality test (quality.test.ts) compares the companion containers with, computed here in
 * float64 TypeScript so CI needs neither Python nor scikit-learn: scikit-learn's bundled real data
 * sets read from the copies in test/fixtures/sklearn, seeded (stratified) folds, and the textbook
 * models scikit-learn's defaults fit — the best of several k-means++ + Lloyd's runs, L2-regularised
 * multinomial logistic regression (C = 1, the bias not penalised) and ridge regression (alpha = 1)
 * on standardised features. Each is solved to convergence, so the baseline is the model, not an
 * optimiser's luck; bench/quality compares against scikit-learn itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { seededRandom } from '../../containers/runtime/random';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sklearn');

export interface DataSet { readonly name: string; readonly x: number[][]; readonly y: number[]; readonly classes: number }

const text = (file: string) => {
  const bytes = fs.readFileSync(path.join(FIXTURES, file));
  return (file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
};
const lines = (file: string) => text(file).split('\n').map((line) => line.trim()).filter((line) => line.length > 0);

/** iris.csv / wine_data.csv: a header `rows,features,class names…`, then the features and the class last. */
export function loadClassification(name: 'iris' | 'wine'): DataSet {
  const [header, ...body] = lines(name === 'iris' ? 'iris.csv' : 'wine_data.csv');
  const [rows, d, ...classNames] = header.split(',');
  const values = body.map((line) => line.split(',').map(Number));
  if (values.length !== Number(rows) || values.some((row) => row.length !== Number(d) + 1)) throw new Error(`${name}: not the ${rows} x ${d} the header says`);
  return { name, x: values.map((row) => row.slice(0, -1)), y: values.map((row) => row[row.length - 1]), classes: classNames.length };
}

/** digits.csv.gz: 64 pixel columns then the digit, no header. */
export function loadDigits(): DataSet {
  const values = lines('digits.csv.gz').map((line) => line.split(',').map(Number));
  return { name: 'digits', x: values.map((row) => row.slice(0, 64)), y: values.map((row) => row[64]), classes: 10 };
}

/** diabetes: the unscaled features (space-separated) and the target, one a line, as load_diabetes(scaled=False) reads them. */
export function loadDiabetes(): DataSet {
  const x = lines('diabetes_data_raw.csv.gz').map((line) => line.split(/\s+/).map(Number));
  const y = lines('diabetes_target.csv.gz').map(Number);
  if (x.length !== 442 || y.length !== 442) throw new Error('diabetes: expected 442 rows and targets');
  return { name: 'diabetes', x, y, classes: 0 };
}

/** `folds` train/test splits; stratified by class when `stratify`, every row in exactly one test fold. */
export function foldsOf(y: readonly number[], folds: number, seed: number, stratify: boolean): Array<{ train: number[]; test: number[] }> {
  const next = seededRandom(seed);
  const shuffle = (indices: number[]) => {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [indices[i], indices[j]] = [indices[j], indices[i]];
    }
    return indices;
  };
  const groups = stratify ? [...new Set(y)].sort((a, b) => a - b).map((c) => y.flatMap((v, i) => (v === c ? [i] : []))) : [y.map((_, i) => i)];
  const testOf = Array.from({ length: folds }, () => [] as number[]);
  let dealt = 0;
  for (const group of groups) for (const i of shuffle(group)) testOf[dealt++ % folds].push(i);
  return testOf.map((test) => {
    const held = new Set(test);
    return { train: y.map((_, i) => i).filter((i) => !held.has(i)), test };
  });
}

/** Standardises with the training rows' mean and (population) standard deviation, as StandardScaler does. */
export function standardise(train: number[][], test: number[][]): { train: number[][]; test: number[][] } {
  const d = train[0].length, n = train.length;
  const mean = Array.from({ length: d }, (_, j) => train.reduce((s, row) => s + row[j], 0) / n);
  const scale = mean.map((m, j) => Math.sqrt(train.reduce((s, row) => s + (row[j] - m) ** 2, 0) / n) || 1);
  const apply = (rows: number[][]) => rows.map((row) => row.map((v, j) => (v - mean[j]) / scale[j]));
  return { train: apply(train), test: apply(test) };
}

const squaredDistance = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);

/**
 * The least inertia of `restarts` runs of Lloyd's algorithm from k-means++ seeds (greedy, 2 + ln k
 * candidates per center, as scikit-learn seeds), each run until no row changes cluster.
 */
export function kmeansBaseline(x: number[][], k: number, restarts: number, seed: number): number {
  const next = seededRandom(seed), n = x.length, candidates = 2 + Math.floor(Math.log(k));
  let best = Infinity;
  for (let run = 0; run < restarts; run++) {
    const centers = [x[Math.floor(next() * n)].slice()];
    let closest = x.map((row) => squaredDistance(row, centers[0]));
    while (centers.length < k) {
      let chosen: { row: number; closest: number[]; total: number } | undefined;
      for (let t = 0; t < candidates; t++) {
        let target = next() * closest.reduce((s, v) => s + v, 0), row = 0;
        while (row < n - 1 && target > closest[row]) target -= closest[row++];
        const merged = closest.map((v, i) => Math.min(v, squaredDistance(x[i], x[row])));
        const total = merged.reduce((s, v) => s + v, 0);
        if (!chosen || total < chosen.total) chosen = { row, closest: merged, total };
      }
      centers.push(x[chosen!.row].slice());
      closest = chosen!.closest;
    }
    let labels = new Array<number>(n).fill(-1), inertia = Infinity;
    for (let iteration = 0; iteration < 1000; iteration++) {
      inertia = 0;
      let changed = false;
      const assigned = x.map((row, i) => {
        let label = 0, distance = Infinity;
        centers.forEach((center, c) => {
          const s = squaredDistance(row, center);
          if (s < distance) { distance = s; label = c; }
        });
        inertia += distance;
        if (label !== labels[i]) changed = true;
        return label;
      });
      labels = assigned;
      if (!changed) break;
      centers.forEach((center, c) => {
        const members = x.filter((_, i) => labels[i] === c);
        if (members.length > 0) center.forEach((_, j) => { center[j] = members.reduce((s, row) => s + row[j], 0) / members.length; });
      });
    }
    best = Math.min(best, inertia);
  }
  return best;
}

/**
 * Multinomial logistic regression as scikit-learn's LogisticRegression() fits it: minimise
 * Σ cross-entropy + ||W||² / (2C), C = 1, biases free, by Nesterov's accelerated gradient with the
 * step 1 / L (L bounds the Hessian: ½ λmax(XᵀX) + 1/C, with the bias column) and a restart whenever
 * the objective rises, until the gradient is below 1e-9 of the rows. Returns predicted classes.
 */
export function logisticBaseline(train: number[][], labels: number[], classes: number, test: number[][]): number[] {
  const n = train.length, d = train[0].length, width = d + 1;
  const rows = train.map((row) => [...row, 1]);
  const lipschitz = 0.5 * largestEigenvalue(rows) + 1;
  const objectiveAndGradient = (w: Float64Array) => {
    const gradient = new Float64Array(w.length);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: classes }, (_, c) => rows[i].reduce((s, v, j) => s + v * w[c * width + j], 0));
      const top = Math.max(...z), exps = z.map((v) => Math.exp(v - top)), sum = exps.reduce((s, v) => s + v, 0);
      value += Math.log(sum) + top - z[labels[i]];
      for (let c = 0; c < classes; c++) {
        const residual = exps[c] / sum - (c === labels[i] ? 1 : 0);
        for (let j = 0; j < width; j++) gradient[c * width + j] += residual * rows[i][j];
      }
    }
    for (let c = 0; c < classes; c++) {
      for (let j = 0; j < d; j++) {
        value += 0.5 * w[c * width + j] ** 2;
        gradient[c * width + j] += w[c * width + j];
      }
    }
    return { value, gradient };
  };
  let w = new Float64Array(classes * width), previous = Float64Array.from(w), momentum = 0, last = Infinity, since = 0;
  for (let iteration = 0; iteration < 20000; iteration++) {
    const y = w.map((v, i) => v + momentum * (v - previous[i]));
    const { value, gradient } = objectiveAndGradient(y);
    if (Math.sqrt(gradient.reduce((s, g) => s + g * g, 0)) < 1e-9 * n) break;
    previous = w;
    w = y.map((v, i) => v - gradient[i] / lipschitz);
    since = value > last ? 0 : since + 1;
    momentum = since / (since + 3);
    last = value;
  }
  return test.map((row) => {
    const z = Array.from({ length: classes }, (_, c) => [...row, 1].reduce((s, v, j) => s + v * w[c * width + j], 0));
    return z.indexOf(Math.max(...z));
  });
}

/** Ridge regression (alpha = 1, intercept not penalised) by its normal equations; returns the test predictions. */
export function ridgeBaseline(train: number[][], labels: number[], test: number[][], alpha = 1): number[] {
  const n = train.length, d = train[0].length;
  const xMean = Array.from({ length: d }, (_, j) => train.reduce((s, row) => s + row[j], 0) / n);
  const yMean = labels.reduce((s, v) => s + v, 0) / n;
  const a = Array.from({ length: d }, (_, p) => Array.from({ length: d }, (_, q) =>
    train.reduce((s, row) => s + (row[p] - xMean[p]) * (row[q] - xMean[q]), 0) + (p === q ? alpha : 0)));
  const b = Array.from({ length: d }, (_, p) => train.reduce((s, row, i) => s + (row[p] - xMean[p]) * (labels[i] - yMean), 0));
  const w = solve(a, b);
  return test.map((row) => yMean + row.reduce((s, v, j) => s + (v - xMean[j]) * w[j], 0));
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i]]), d = b.length;
  for (let col = 0; col < d; col++) {
    const pivot = m.slice(col).reduce((best, row, r) => (Math.abs(row[col]) > Math.abs(m[best][col]) ? r + col : best), col);
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < d; r++) {
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= d; c++) m[r][c] -= f * m[col][c];
    }
  }
  const w = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) w[r] = (m[r][d] - m[r].slice(r + 1, d).reduce((s, v, j) => s + v * w[r + 1 + j], 0)) / m[r][r];
  return w;
}

/** λmax(XᵀX) by power iteration (an upper bound would do; this one is tight). */
function largestEigenvalue(rows: number[][]): number {
  const width = rows[0].length;
  let v = new Array<number>(width).fill(1 / Math.sqrt(width)), lambda = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const xv = rows.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
    const next = Array.from({ length: width }, (_, j) => rows.reduce((s, row, i) => s + row[j] * xv[i], 0));
    const norm = Math.sqrt(next.reduce((s, x) => s + x * x, 0));
    v = next.map((x) => x / norm);
    if (Math.abs(norm - lambda) <= 1e-12 * norm) return norm * 1.0001;
    lambda = norm;
  }
  return lambda * 1.01;
}
