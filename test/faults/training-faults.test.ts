/**
 * Training under faults, for each companion algorithm: every fault ends in output/failure naming
 * the cause and a non-zero exit (and no model), or in a correct model. SIGTERM at random moments of
 * the real program (the bundled entrypoint, in a subprocess) followed by restarts must end with the
 * model an uninterrupted run writes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainKMeans } from '../../containers/kmeans/train';
import { trainLinearLearner } from '../../containers/linear-learner/train';
import { trainScaler } from '../../containers/preprocessing/train';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { runTraining } from '../../containers/runtime/training';

interface AlgorithmUnderTest {
  readonly train: (layout: OptMl) => Promise<void>;
  readonly hyperparameters: Record<string, string>;
  /** A CSV row of the train channel (label first where the algorithm reads one). */
  readonly row: (i: number) => number[];
  readonly outOfRange: [string, string];
  readonly wrongType: [string, string];
}

const feature = (i: number, j: number) => Number((Math.sin(i * 12.9898 + j * 78.233) * 4).toFixed(4));
const ALGORITHMS: Record<string, AlgorithmUnderTest> = {
  'kmeans': {
    train: trainKMeans, hyperparameters: { k: '3', feature_dim: '4' },
    row: (i) => [0, 1, 2, 3].map((j) => feature(i, j) + (i % 3) * 10),
    outOfRange: ['k', '0'], wrongType: ['local_lloyd_max_iter', 'many'],
  },
  'linear-learner': {
    train: trainLinearLearner, hyperparameters: { predictor_type: 'binary_classifier', feature_dim: '4', epochs: '2' },
    row: (i) => [i % 2, ...[0, 1, 2, 3].map((j) => feature(i, j) + (i % 2) * 3)],
    outOfRange: ['epochs', '0'], wrongType: ['use_bias', 'yes'],
  },
  'preprocessing': {
    train: trainScaler, hyperparameters: { feature_dim: '4' },
    row: (i) => [0, 1, 2, 3].map((j) => feature(i, j)),
    outOfRange: ['feature_dim', '-1'], wrongType: ['with_mean', 'sometimes'],
  },
};

/** A /opt/ml with the hyperparameters and, unless told otherwise, a train channel of `rows` rows. */
function optMl(hyperparameters: Record<string, string>, train?: string): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-faults-')));
  fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
  fs.writeFileSync(layout.hyperparametersFile, JSON.stringify(hyperparameters));
  if (train !== undefined) {
    fs.mkdirSync(layout.channel('train'), { recursive: true });
    fs.writeFileSync(path.join(layout.channel('train'), 'train.csv'), train);
  }
  return layout;
}

const csv = (rows: number[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';

beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe.each(Object.keys(ALGORITHMS))('%s training faults', (name) => {
  const algorithm = ALGORITHMS[name];
  const rows = (n: number) => Array.from({ length: n }, (_, i) => algorithm.row(i));

  /** Runs training; expects exit 1, no model, and a failure file matching `cause`. */
  async function expectFailure(layout: OptMl, cause: RegExp): Promise<void> {
    expect(await runTraining(algorithm.train, layout)).toBe(1);
    expect(fs.readFileSync(layout.failureFile, 'utf8')).toMatch(cause);
    expect(fs.existsSync(path.join(layout.modelDir, 'model.json'))).toBe(false);
  }

  test('valid data trains a model', async () => {
    const layout = optMl(algorithm.hyperparameters, csv(rows(60)));
    expect(await runTraining(algorithm.train, layout)).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8')).feature_dim).toBe(4);
  });

  test('a missing train channel', async () => {
    await expectFailure(optMl(algorithm.hyperparameters), /channel train is missing: .*input\/data\/train does not exist/);
  });

  test('an empty train channel (a file of no bytes)', async () => {
    await expectFailure(optMl(algorithm.hyperparameters, ''), /channel train has no records: its file is empty/);
  });

  test('an empty train channel (no files)', async () => {
    const layout = optMl(algorithm.hyperparameters, '');
    fs.rmSync(path.join(layout.channel('train'), 'train.csv'));
    await expectFailure(layout, /channel train is empty: .* has no files/);
  });

  test('a ragged CSV', async () => {
    const ragged = rows(10);
    ragged[6] = ragged[6].slice(0, -1);
    await expectFailure(optMl(algorithm.hyperparameters, csv(ragged)), /train\.csv line 7: \d columns, expected \d/);
  });

  test('a hyperparameter out of range', async () => {
    const [key, value] = algorithm.outOfRange;
    await expectFailure(optMl({ ...algorithm.hyperparameters, [key]: value }, csv(rows(10))), new RegExp(`^HyperparameterError: .*${key}: ${value} is outside`));
  });

  test('a hyperparameter of the wrong type', async () => {
    const [key, value] = algorithm.wrongType;
    await expectFailure(optMl({ ...algorithm.hyperparameters, [key]: value }, csv(rows(10))), new RegExp(`^HyperparameterError: .*${key}: "${value}" is not`));
  });

  test('a hyperparameter the algorithm does not know', async () => {
    await expectFailure(optMl({ ...algorithm.hyperparameters, max_depth: '5' }, csv(rows(10))), /^HyperparameterError: .*max_depth: unknown \(accepted: /);
  });

  test('feature_dim that does not match the data', async () => {
    await expectFailure(optMl({ ...algorithm.hyperparameters, feature_dim: '5' }, csv(rows(10))), /train\.csv line 1: \d columns, expected \d/);
  });

  test('a full disk while writing the model', async () => {
    const layout = optMl(algorithm.hyperparameters, csv(rows(60)));
    // /dev/full fails every write with ENOSPC: the model is written to model.json.partial first.
    fs.mkdirSync(layout.modelDir, { recursive: true });
    fs.symlinkSync('/dev/full', path.join(layout.modelDir, 'model.json.partial'));
    await expectFailure(layout, /could not write the model to .*model\.json: ENOSPC: no space left on device/);
    expect(fs.readdirSync(layout.modelDir)).toEqual([]);
  });
});

describe('SIGTERM at random moments of the real program', () => {
  const dist = path.join(__dirname, '..', '..', 'containers', 'dist');

  /**
   * Runs `<algorithm>/entrypoint train`; with `stop`, sends SIGTERM `stop.after` ms after the
   * program starts, or after it starts training (prints its header line) when `stop.inTraining`.
   * Resolves to how it ended and how long its training took.
   */
  function run(algorithm: string, layout: OptMl, stop?: { after: number; inTraining: boolean }): Promise<{ ended: string; trainingMs: number }> {
    const child = spawn(path.join(dist, algorithm, 'entrypoint'), ['train'], { env: { ...process.env, OPT_ML: layout.root }, stdio: ['ignore', 'pipe', 'ignore'] });
    let trainingStarted = 0, timer: NodeJS.Timeout | undefined;
    const kill = () => { timer = setTimeout(() => child.kill('SIGTERM'), stop!.after); };
    if (stop && !stop.inTraining) kill();
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!trainingStarted && /^(K-Means|Linear Learner): /m.test(chunk.toString())) {
        trainingStarted = Date.now();
        if (stop?.inTraining) kill();
      }
    });
    return new Promise((resolve) => child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ ended: signal ?? `exit ${code}`, trainingMs: trainingStarted ? Date.now() - trainingStarted : 0 });
    }));
  }

  const model = (layout: OptMl) => fs.readFileSync(path.join(layout.modelDir, 'model.json'), 'utf8');

  test.each([
    // Many small mini-batches make the streaming pass, not the start-up, most of the run.
    ['kmeans', { k: '16', feature_dim: '16', init_method: 'random', epochs: '20', mini_batch_size: '500' }, false],
    // Small batches make the epochs, not the start-up, most of the run; no early stopping.
    ['linear-learner', { predictor_type: 'regressor', feature_dim: '16', epochs: '40', num_models: '8', mini_batch_size: '5', early_stopping_patience: '100' }, true],
  ])('%s: stopped at random moments and restarted until done, it writes the uninterrupted model', async (algorithm, hyperparameters, labelled) => {
    const data = csv(Array.from({ length: 40000 }, (_, i) => [...(labelled ? [feature(i, 99)] : []), ...Array.from({ length: 16 }, (_, j) => feature(i, j))]));
    const reference = optMl(hyperparameters, data);
    const { ended, trainingMs } = await run(algorithm, reference);
    expect(ended).toBe('exit 0');

    const interrupted = optMl(hyperparameters, data);
    const random = seededRandom(7);
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 30 && !fs.existsSync(path.join(interrupted.modelDir, 'model.json')); attempt++) {
      // Two stops anywhere in the first second (start-up, loading, training), four early in what
      // training is left, then one run to the end.
      const stop = attempt < 2 ? { after: random() * 1000, inTraining: false } : attempt < 6 ? { after: random() * trainingMs * 0.3, inTraining: true } : undefined;
      outcomes.push((await run(algorithm, interrupted, stop)).ended);
      expect(fs.existsSync(interrupted.failureFile)).toBe(false);
    }
    expect({ outcomes, sameModel: model(interrupted) === model(reference) }).toEqual({ outcomes, sameModel: true });
    // Stops during training were caught and checkpointed (the program exited 0 without a model),
    // and later runs resumed from the checkpoints.
    expect(outcomes.filter((o) => o === 'exit 0').length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
