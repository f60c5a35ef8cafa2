/**
 * Trains the companion containers on one fold of a real data set and scores them the way
 * scikit-learn was scored (bench/quality/sklearn_reference.py); shared by the benchmark (run.ts) and
 * the CI test (test/containers/quality.test.ts), which compares against its own float64 baselines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainKMeans } from '../../containers/kmeans/train';
import { loadLinearLearnerPredictor } from '../../containers/linear-learner/serve';
import { trainLinearLearner } from '../../containers/linear-learner/train';
import { OptMl } from '../../containers/runtime/layout';
import { runTraining } from '../../containers/runtime/training';

export interface Fold {
  readonly train: number[];
  readonly test: number[];
  readonly k?: number;
  readonly inertia?: number;
  readonly ari?: number;
  readonly accuracy?: number;
  readonly macro_f1?: number;
  readonly rmse?: number;
}

export interface QualitySet {
  readonly name: string;
  readonly task: 'classification' | 'regression';
  readonly classes: number;
  readonly x: number[][];
  readonly y: number[];
  readonly folds: Fold[];
}

export interface Comparison { readonly measure: string; readonly ours: number; readonly theirs: number; readonly comparison: string; readonly ok: boolean }

/** A temporary /opt/ml with the given hyperparameters and a CSV train channel (label first when given). */
export function optMlWith(hyperparameters: Record<string, string>, x: number[][], y?: number[]): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-quality-')));
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify(hyperparameters));
  fs.mkdirSync(layout.channel('train'), { recursive: true });
  fs.writeFileSync(path.join(layout.channel('train'), 'data.csv'), x.map((row, i) => (y ? [y[i], ...row] : row).join(',')).join('\n'));
  return layout;
}

/** Runs a training entrypoint quietly; throws with the failure file's reason when it fails. */
export async function trainQuietly(train: (layout: OptMl) => Promise<void>, layout: OptMl): Promise<void> {
  const log = console.log, error = console.error;
  console.log = () => undefined;
  console.error = () => undefined;
  try {
    if (await runTraining(train, layout) !== 0) throw new Error(fs.readFileSync(layout.failureFile, 'utf8'));
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** The K-Means model's centers, trained with only k and feature_dim set. */
export async function kmeansCenters(x: number[][], k: number): Promise<number[][]> {
  const layout = optMlWith({ k: String(k), feature_dim: String(x[0].length) }, x);
  await trainQuietly(trainKMeans, layout);
  return JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8')).centers;
}

/** Sum of squared distances to the closest center (float64), and each row's closest center. */
export function inertiaOf(x: number[][], centers: number[][]): { inertia: number; labels: number[] } {
  let inertia = 0;
  const labels = x.map((row) => {
    let best = 0, distance = Infinity;
    centers.forEach((center, c) => {
      const sum = center.reduce((s, v, j) => s + (row[j] - v) ** 2, 0);
      if (sum < distance) { distance = sum; best = c; }
    });
    inertia += distance;
    return best;
  });
  return { inertia, labels };
}

/** The adjusted Rand index of two labellings. */
export function adjustedRand(a: number[], b: number[]): number {
  const table = new Map<string, number>(), rows = new Map<number, number>(), columns = new Map<number, number>();
  a.forEach((u, i) => {
    table.set(`${u},${b[i]}`, (table.get(`${u},${b[i]}`) ?? 0) + 1);
    rows.set(u, (rows.get(u) ?? 0) + 1);
    columns.set(b[i], (columns.get(b[i]) ?? 0) + 1);
  });
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const index = [...table.values()].reduce((s, n) => s + pairs(n), 0);
  const sumA = [...rows.values()].reduce((s, n) => s + pairs(n), 0), sumB = [...columns.values()].reduce((s, n) => s + pairs(n), 0);
  const expected = (sumA * sumB) / pairs(a.length), max = (sumA + sumB) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

/** Linear Learner predictions for the test rows, trained with only the hyperparameters SageMaker's examples set. */
export async function linearPredictions(set: QualitySet, train: number[][], labels: number[], test: number[][]): Promise<number[]> {
  const predictor_type = set.task === 'regression' ? 'regressor' : set.classes > 2 ? 'multiclass_classifier' : 'binary_classifier';
  const layout = optMlWith({ predictor_type, feature_dim: String(train[0].length), ...(set.classes > 2 ? { num_classes: String(set.classes) } : {}) }, train, labels);
  await trainQuietly(trainLinearLearner, layout);
  const predictor = loadLinearLearnerPredictor(layout);
  const answer = await predictor.invoke(Buffer.from(test.map((row) => row.join(',')).join('\n')), 'text/csv', 'application/json');
  return JSON.parse(answer.body as string).predictions.map((p: { score: number; predicted_label?: number }) => p.predicted_label ?? p.score);
}

/** Accuracy and macro-averaged F1 (over the classes in the labels or the predictions). */
export function classification(labels: number[], predicted: number[]): { accuracy: number; macroF1: number } {
  const classes = [...new Set([...labels, ...predicted])];
  const f1 = classes.map((c) => {
    const tp = labels.filter((l, i) => l === c && predicted[i] === c).length;
    const p = predicted.filter((v) => v === c).length, a = labels.filter((l) => l === c).length;
    return tp === 0 ? 0 : (2 * tp) / (p + a);
  });
  return { accuracy: labels.filter((l, i) => l === predicted[i]).length / labels.length, macroF1: f1.reduce((s, v) => s + v, 0) / classes.length };
}

export const rmse = (labels: number[], predicted: number[]) => Math.sqrt(labels.reduce((s, l, i) => s + (l - predicted[i]) ** 2, 0) / labels.length);

/** Our numbers for one fold against scikit-learn's, with the bars of issue #17. */
export async function scoreFold(set: QualitySet, fold: Fold): Promise<Comparison[]> {
  const train = fold.train.map((i) => set.x[i]), trainY = fold.train.map((i) => set.y[i]);
  const test = fold.test.map((i) => set.x[i]), testY = fold.test.map((i) => set.y[i]);
  const out: Comparison[] = [];
  const predicted = await linearPredictions(set, train, trainY, test);
  if (set.task === 'regression') {
    const ours = rmse(testY, predicted);
    out.push({ measure: 'RMSE', ours, theirs: fold.rmse!, comparison: `${(ours / fold.rmse!).toFixed(3)}x`, ok: ours <= fold.rmse! * 1.05 });
    return out;
  }
  const { accuracy, macroF1 } = classification(testY, predicted);
  out.push({ measure: 'accuracy', ours: accuracy, theirs: fold.accuracy!, comparison: `${((accuracy - fold.accuracy!) * 100).toFixed(2)} points`, ok: accuracy >= fold.accuracy! - 0.015 });
  out.push({ measure: 'macro-F1', ours: macroF1, theirs: fold.macro_f1!, comparison: `${((macroF1 - fold.macro_f1!) * 100).toFixed(2)} points`, ok: true });
  const { inertia, labels } = inertiaOf(train, await kmeansCenters(train, fold.k!));
  out.push({ measure: `K-Means inertia (k=${fold.k})`, ours: inertia, theirs: fold.inertia!, comparison: `${(inertia / fold.inertia!).toFixed(4)}x`, ok: inertia <= fold.inertia! * 1.03 });
  const ari = adjustedRand(trainY, labels);
  out.push({ measure: 'K-Means ARI', ours: ari, theirs: fold.ari!, comparison: `${(ari - fold.ari!).toFixed(3)}`, ok: true });
  return out;
}
