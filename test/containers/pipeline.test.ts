import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '../../containers/runtime/random';

/**
 * The reference app's churn pipeline, run locally in series: the companion scaler and the
 * companion Linear Learner, each trained and served by local mode (the images' real programs),
 * the scaler's HTTP response fed to the Linear Learner's /invocations as SageMaker does.
 */
const local = path.join(__dirname, '../../containers/dist/local.js');
const FEATURES = 6;
const WEIGHTS = [1.5, -2, 1, -1, 2, -1.5];
const MEANS = [50, 3, 120, 0.5, 10, 800];
const SPREADS = [10, 1, 30, 0.2, 4, 150];

/** Seeded, so an accuracy below the bar replays exactly. */
const random = seededRandom(6);

/** Raw features on very different scales; the label is the sign of a weighted sum of their z-scores. */
function row(): { features: number[]; label: number } {
  for (;;) {
    const z = WEIGHTS.map(() => (random() * 2 - 1) * 1.7);
    const margin = z.reduce((s, v, j) => s + v * WEIGHTS[j], 0);
    if (Math.abs(margin) > 0.5) return { features: z.map((v, j) => MEANS[j] + v * SPREADS[j]), label: margin > 0 ? 1 : 0 };
  }
}

/** Every server started, stopped after the suite whatever happened: a leftover one keeps jest from exiting. */
const started = new Set<ChildProcess>();
afterAll(async () => {
  const running = [...started].filter((child) => child.exitCode === null && child.signalCode === null);
  // SIGTERM first: the server stops its workers on it; SIGKILL only for one that does not exit.
  await Promise.all(running.map((child) => new Promise<void>((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(force); done(); });
    child.kill('SIGTERM');
  })));
});

function serve(algorithm: string, model: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [local, 'serve', algorithm, '--model', model, '--port', String(port)], { stdio: 'pipe' });
  started.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${algorithm} serve did not start within 60 s`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('serving on port')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${algorithm} serve exited ${code}`));
    });
  });
}

test('scaler then Linear Learner, in series over real HTTP, classify raw records', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
  const train = Array.from({ length: 3000 }, row);
  fs.writeFileSync(path.join(dir, 'train.csv'), train.map((r) => [r.label, ...r.features].join(',')).join('\n'));

  // Stage 1: fit the scaler on the labelled training data.
  const scaler = spawnSync(process.execPath, [local, 'train', 'preprocessing', '--train', path.join(dir, 'train.csv'),
    '--hp', `feature_dim=${FEATURES}`, '--hp', 'label_size=1', '--out', path.join(dir, 'scaler.tar.gz')], { encoding: 'utf8' });
  expect(scaler.status).toBe(0);
  const stats = JSON.parse(spawnSync('tar', ['-xzOf', path.join(dir, 'scaler.tar.gz'), './model.json'], { encoding: 'utf8' }).stdout);

  // Stage 2: Linear Learner on the scaled data, without its own normalisation (the pipeline scales).
  const scaled = train.map((r) => [r.label, ...r.features.map((v, j) => (v - stats.mean[j]) / stats.scale[j])].join(','));
  fs.writeFileSync(path.join(dir, 'train-scaled.csv'), scaled.join('\n'));
  const learner = spawnSync(process.execPath, [local, 'train', 'linear-learner', '--train', path.join(dir, 'train-scaled.csv'),
    '--hp', 'predictor_type=binary_classifier', '--hp', `feature_dim=${FEATURES}`, '--hp', 'normalize_data=false', '--hp', 'epochs=10',
    '--out', path.join(dir, 'learner.tar.gz')], { encoding: 'utf8' });
  expect(learner.status).toBe(0);

  const base = 30000 + Math.floor(Math.random() * 20000);
  const servers = [await serve('preprocessing', path.join(dir, 'scaler.tar.gz'), base), await serve('linear-learner', path.join(dir, 'learner.tar.gz'), base + 1)];
  try {
    const held = Array.from({ length: 200 }, row);
    const first = await fetch(`http://127.0.0.1:${base}/invocations`, {
      method: 'POST', body: held.map((r) => r.features.join(',')).join('\n'), headers: { 'content-type': 'text/csv' },
    });
    expect(first.headers.get('content-type')).toBe('text/csv');
    const second = await fetch(`http://127.0.0.1:${base + 1}/invocations`, {
      method: 'POST', body: await first.text(), headers: { 'content-type': first.headers.get('content-type')!, 'accept': 'application/json' },
    });
    const { predictions } = await second.json() as { predictions: Array<{ predicted_label: number; score: number }> };
    expect(predictions).toHaveLength(held.length);
    const accuracy = predictions.filter((p, i) => p.predicted_label === held[i].label).length / held.length;
    expect(accuracy).toBeGreaterThanOrEqual(0.95);

    // A pipeline may pass the client's Accept to every stage: each format the scaler answers in,
    // the Linear Learner reads, with the same predictions.
    for (const format of ['application/json', 'application/jsonlines', 'application/x-recordio-protobuf']) {
      const scaledAs = await fetch(`http://127.0.0.1:${base}/invocations`, {
        method: 'POST', body: held.map((r) => r.features.join(',')).join('\n'), headers: { 'content-type': 'text/csv', 'accept': format },
      });
      expect(scaledAs.headers.get('content-type')).toBe(format);
      const answer = await fetch(`http://127.0.0.1:${base + 1}/invocations`, {
        method: 'POST', body: Buffer.from(await scaledAs.arrayBuffer()), headers: { 'content-type': format, 'accept': 'application/json' },
      });
      const same = (await answer.json() as { predictions: typeof predictions }).predictions;
      expect(same.map((p) => p.predicted_label)).toEqual(predictions.map((p) => p.predicted_label));
      same.forEach((p, i) => expect(p.score).toBeCloseTo(predictions[i].score, 6));
    }
  } finally {
    servers.forEach((server) => server.kill('SIGTERM'));
  }
});
