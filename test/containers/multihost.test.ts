/**
 * Multi-host training: each host is the real bundled `train` entrypoint in its own process, with
 * its own /opt/ml tree (resourceconfig.json naming the hosts, its shard of the data), on its own
 * loopback address (127.0.0.2, .3, …: COMPANION_HOST_ADDRESSES maps the host names, as SageMaker's
 * resolver does in a job). The collective is Gloo (the sagemaker_collective addon), built where
 * libgloo-dev is installed (scripts/install-system-deps.sh; CI installs it and sets GLOO=1).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readHosts } from '../../containers/runtime/cluster';
import { OptMl } from '../../containers/runtime/layout';

const DIST = path.join(__dirname, '../../containers/dist');
const GLOO_BUILT = fs.existsSync(path.join(DIST, 'kmeans', 'sagemaker_collective.node'));
const ADDRESSES = JSON.stringify({ 'algo-1': '127.0.0.2', 'algo-2': '127.0.0.3', 'algo-3': '127.0.0.4' });
let nextPort = 20000 + Math.floor(Math.random() * 20000);

interface Host { readonly name: string; readonly root: string }
interface Finished { readonly code: number | null; readonly output: string; readonly seconds: number }

/** A job's /opt/ml trees: `shards[i]` is host i's train rows (CSV lines); `hosts` omitted: no resourceconfig.json. */
function job(hyperparameters: Record<string, string>, shards: string[][], withResourceConfig = true, testShards?: string[][]): Host[] {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'multihost-'));
  const names = shards.map((_, i) => `algo-${i + 1}`);
  return shards.map((rows, i) => {
    const root = path.join(base, names[i]);
    fs.mkdirSync(path.join(root, 'input', 'config'), { recursive: true });
    fs.mkdirSync(path.join(root, 'input', 'data', 'train'), { recursive: true });
    if (withResourceConfig) fs.writeFileSync(path.join(root, 'input', 'config', 'resourceconfig.json'), JSON.stringify({ current_host: names[i], hosts: names }));
    fs.writeFileSync(path.join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
    fs.writeFileSync(path.join(root, 'input', 'data', 'train', 'train.csv'), rows.join('\n') + '\n');
    if (testShards) {
      fs.mkdirSync(path.join(root, 'input', 'data', 'test'), { recursive: true });
      fs.writeFileSync(path.join(root, 'input', 'data', 'test', 'test.csv'), testShards[i].join('\n') + '\n');
    }
    return { name: names[i], root };
  });
}

function start(algorithm: string, host: Host, onLine?: (line: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<Finished> } {
  const started = Date.now();
  const child = spawn(path.join(DIST, algorithm, 'entrypoint'), ['train'], {
    env: { ...process.env, OPT_ML: host.root, COMPANION_HOST_ADDRESSES: ADDRESSES, SAGEMAKER_COMPUTE_BACKEND: 'cpu' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (onLine) for (const line of text.split('\n')) onLine(line, child);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, output, seconds: (Date.now() - started) / 1000 })));
  return { child, done };
}

async function runAll(algorithm: string, hosts: Host[], onLine?: (host: Host, line: string, child: ChildProcess) => void): Promise<Finished[]> {
  return Promise.all(hosts.map((host) => start(algorithm, host, onLine && ((line, child) => onLine(host, line, child))).done));
}

const modelOf = (host: Host) => JSON.parse(fs.readFileSync(path.join(host.root, 'model', 'model.json'), 'utf8'));
const failureOf = (host: Host) => fs.readFileSync(path.join(host.root, 'output', 'failure'), 'utf8');

/** A seeded generator (the data must be the same on every run: the comparisons are of models). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Rows cut into `n` contiguous shards (as ShardedByS3Key hands each host whole files). */
const shard = <T>(rows: T[], n: number): T[][] => Array.from({ length: n }, (_, i) => rows.slice(Math.floor((i * rows.length) / n), Math.floor(((i + 1) * rows.length) / n)));

const describeGloo = GLOO_BUILT ? describe : describe.skip;

if (!GLOO_BUILT) {
  // Where Gloo is absent the addon is not built (single-host images still work); a multi-host job
  // then fails at once saying what is missing. CI installs Gloo and runs the tests below.
  test('without the Gloo addon, a multi-host job fails naming the missing library', async () => {
    if (process.env.GLOO === '1') throw new Error('GLOO=1 but containers/dist has no sagemaker_collective.node: run scripts/install-system-deps.sh build, then npm run build:native');
    const hosts = job({ k: '2', feature_dim: '1', _collective_port: String(nextPort++) }, [['1', '2'], ['3', '4']]);
    const [first] = await runAll('kmeans', hosts.slice(0, 1));
    expect(first.code).toBe(1);
    expect(failureOf(hosts[0])).toMatch(/libgloo-dev/);
  });
}

describeGloo('multi-host training (Gloo, one process per host on loopback addresses)', () => {
  const CENTERS = [[0, 0], [10, 10], [-10, 10], [10, -10], [-10, -10]];
  const next = random(11);
  const kmeansRows = Array.from({ length: 3000 }, (_, i) => {
    const [cx, cy] = CENTERS[i % CENTERS.length];
    return `${(cx + (next() - 0.5) * 2).toFixed(4)},${(cy + (next() - 0.5) * 2).toFixed(4)}`;
  });

  test.each([1, 2, 3])('K-Means on %i host(s) ends with the centers one host finds on all the rows (within 1e-6 relative)', async (n) => {
    // GIVEN the same rows on one host without a resourceconfig.json, and cut into n shards
    const hp = { k: '5', feature_dim: '2', mini_batch_size: '200', epochs: '2', _collective_port: String(nextPort++), _collective_timeout: '30' };
    const [single] = job(hp, [kmeansRows], false);
    const hosts = job(hp, shard(kmeansRows, n));
    // WHEN
    const [alone] = await runAll('kmeans', [single]);
    const results = await runAll('kmeans', hosts);
    // THEN every host succeeds, only the first writes the model, and its centers are one host's
    expect(alone.code).toBe(0);
    results.forEach((result) => expect(result.code).toBe(0));
    hosts.slice(1).forEach((host) => expect(fs.existsSync(path.join(host.root, 'model', 'model.json'))).toBe(false));
    const expected: number[][] = modelOf(single).centers, actual: number[][] = modelOf(hosts[0]).centers;
    expect(actual).toHaveLength(5);
    actual.forEach((center, c) => center.forEach((value, j) => expect(Math.abs(value - expected[c][j])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected[c][j])))));
    if (n > 1) expect(results[0].output).toMatch(new RegExp(`joined ${n} hosts .* over Gloo/TCP`));
  });

  // Regression on a curved truth (y = x1² + 2·x2 − x3/2 + noise): the best line depends on which
  // x1 a host sees, and the shards are cut along x1 (rows sorted by it), so a host's own shard gives
  // a very different model (x1's weight far from the union's ~0) — only the averaging recovers it.
  const regression = (() => {
    const draw = random(7);
    const rows = Array.from({ length: 3000 }, () => {
      const x1 = -2 + 4 * draw(), x2 = -1 + 2 * draw(), x3 = -1 + 2 * draw();
      return { x1, line: `${(x1 * x1 + 2 * x2 - 0.5 * x3 + (draw() - 0.5) * 0.2).toFixed(5)},${x1.toFixed(5)},${x2.toFixed(5)},${x3.toFixed(5)}` };
    }).sort((a, b) => a.x1 - b.x1).map((row) => row.line);
    const shuffle = (lines: string[], seed: number) => {
      const order = random(seed), out = [...lines];
      for (let i = out.length - 1; i > 0; i--) { const j = Math.floor(order() * (i + 1)); [out[i], out[j]] = [out[j], out[i]]; }
      return out;
    };
    return { all: shuffle(rows, 3), shards: (n: number) => shard(rows, n).map((part, i) => shuffle(part, 10 + i)) };
  })();
  const llHp = () => ({
    predictor_type: 'regressor', feature_dim: '3', epochs: '25', num_models: '1', optimizer: 'sgd', learning_rate: '0.1', lr_scheduler_factor: '0.85',
    mini_batch_size: '100', early_stopping_patience: '100', _collective_port: String(nextPort++), _collective_timeout: '30',
  });
  /** ‖a − b‖ / ‖b‖ over the weights. */
  const relative = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i])) / Math.hypot(...b);

  test.each([1, 2, 3])('Linear Learner on %i host(s) (a step on each shard, then the models averaged) ends within 5 %% of one host\'s model on all the rows', async (n) => {
    // GIVEN
    const hp = llHp();
    const [single] = job(hp, [regression.all], false);
    const hosts = job(hp, regression.shards(n));
    // WHEN
    const [alone] = await runAll('linear-learner', [single]);
    const results = await runAll('linear-learner', hosts);
    // THEN
    expect(alone.code).toBe(0);
    results.forEach((result) => expect(result.code).toBe(0));
    hosts.slice(1).forEach((host) => expect(fs.existsSync(path.join(host.root, 'model', 'model.json'))).toBe(false));
    const expected = modelOf(single), actual = modelOf(hosts[0]);
    // The standardisation is of the union of the shards (all-reduced): the same as one host's, to rounding.
    actual.mean.forEach((v: number, j: number) => expect(v).toBeCloseTo(expected.mean[j], 9));
    actual.scale.forEach((v: number, j: number) => expect(v).toBeCloseTo(expected.scale[j], 9));
    expect(actual.label_mean).toBeCloseTo(expected.label_mean, 9);
    expect(relative(actual.weights, expected.weights)).toBeLessThan(0.05);
    expect(Math.abs(actual.bias - expected.bias)).toBeLessThan(0.05);
    // Every host selected, and printed, the same final metric.
    const finalLoss = (output: string) => /#quality_metric: host=algo-\d, train mse_objective <loss>=([\d.e-]+)\n/.exec(output)?.[1];
    expect(new Set(results.map((result) => finalLoss(result.output))).size).toBe(1);
  });

  test('Linear Learner on 3 hosts with a test channel in shards: the metrics and the model-quality statistics are of every host\'s test rows, written by the first host', async () => {
    // GIVEN 300 test rows, 100 on each host
    const test = regression.all.slice(0, 300);
    const hosts = job(llHp(), regression.shards(3), true, shard(test, 3));
    // WHEN
    const results = await runAll('linear-learner', hosts);
    // THEN
    results.forEach((result) => expect(result.code).toBe(0));
    const statistics = JSON.parse(fs.readFileSync(path.join(hosts[0].root, 'model', 'model_quality_statistics.json'), 'utf8'));
    expect(statistics.dataset.item_count).toBe(300);
    hosts.slice(1).forEach((host) => expect(fs.existsSync(path.join(host.root, 'model', 'model_quality_statistics.json'))).toBe(false));
    // The printed test mse (all-reduced sums) and the statistics' (gathered rows) agree, on every host.
    for (const result of results) {
      const printed = Number(/#quality_metric: host=algo-\d, test mse <loss>=([\d.e-]+)/.exec(result.output)?.[1]);
      expect(statistics.regression_metrics.mse.value).toBeCloseTo(printed, 4);
    }
  });

  test('SIGTERM to one host: every host checkpoints after the same epoch, and the restarted job ends with the uninterrupted job\'s model', async () => {
    // GIVEN an uninterrupted 3-host job, and the same job whose second host gets SIGTERM mid-training
    const hp = { ...llHp(), epochs: '40' };
    const shards = regression.shards(3);
    const uninterrupted = job(hp, shards);
    const interrupted = job(hp, shards);
    expect((await runAll('linear-learner', uninterrupted)).map((r) => r.code)).toEqual([0, 0, 0]);
    let signalled = false;
    // WHEN
    const stopped = await runAll('linear-learner', interrupted, (host, line, child) => {
      if (!signalled && host.name === 'algo-2' && line.includes('epoch=1,')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    // THEN every host saved a checkpoint after the same epoch and wrote no model
    const saved = stopped.map((r) => /SIGTERM: saved a checkpoint after epoch (\d+)/.exec(r.output)?.[1]);
    expect(saved[0]).toBeDefined();
    expect(new Set(saved).size).toBe(1);
    interrupted.forEach((host) => expect(fs.existsSync(path.join(host.root, 'checkpoints', `linear-learner-${host.name}-checkpoint.json`))).toBe(true));
    expect(fs.existsSync(path.join(interrupted[0].root, 'model', 'model.json'))).toBe(false);
    // WHEN the job runs again on the same trees
    const resumed = await runAll('linear-learner', interrupted);
    // THEN it resumed on every host and ends with exactly the uninterrupted model
    resumed.forEach((r) => expect(r.output).toContain(`resumed from checkpoint after epoch ${saved[0]}`));
    expect(modelOf(interrupted[0])).toEqual(modelOf(uninterrupted[0]));
  });

  test('SIGTERM to one K-Means host: every host checkpoints at the same mini-batch, and the restarted job ends with the uninterrupted centers', async () => {
    // GIVEN small mini-batches and several epochs, so the stop lands mid-stream
    const hp = { k: '5', feature_dim: '2', mini_batch_size: '50', epochs: '6', _collective_port: String(nextPort++), _collective_timeout: '30' };
    const shards = shard(kmeansRows, 3);
    const uninterrupted = job(hp, shards);
    const interrupted = job({ ...hp, _collective_port: String(nextPort++) }, shards);
    expect((await runAll('kmeans', uninterrupted)).map((r) => r.code)).toEqual([0, 0, 0]);
    let signalled = false;
    // WHEN the third host is sent SIGTERM after its first epoch
    const stopped = await runAll('kmeans', interrupted, (host, line, child) => {
      if (!signalled && host.name === 'algo-3' && line.includes('epoch 1/6')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    // THEN every host saved its checkpoint before the same mini-batch
    const saved = stopped.map((r) => /SIGTERM: saved a checkpoint before (epoch \d+, mini-batch \d+)/.exec(r.output)?.[1]);
    expect(saved[0]).toBeDefined();
    expect(new Set(saved).size).toBe(1);
    expect(fs.existsSync(path.join(interrupted[0].root, 'model', 'model.json'))).toBe(false);
    // WHEN the job runs again on the same trees
    const resumed = await runAll('kmeans', interrupted);
    // THEN
    resumed.forEach((r) => expect(r.output).toContain(`resumed from checkpoint at ${saved[0]}`));
    expect(modelOf(interrupted[0])).toEqual(modelOf(uninterrupted[0]));
  });

  test('a host that never starts: every started host fails within the timeout, naming it', async () => {
    // GIVEN three hosts in resourceconfig.json, of which algo-3 never starts
    const hosts = job({ k: '5', feature_dim: '2', _collective_port: String(nextPort++), _collective_timeout: '3' }, shard(kmeansRows, 3));
    // WHEN
    const results = await runAll('kmeans', hosts.slice(0, 2));
    // THEN both fail, the reason naming algo-3, well within the timeout plus start-up
    results.forEach((result) => {
      expect(result.code).toBe(1);
      expect(result.seconds).toBeLessThan(20);
    });
    expect(failureOf(hosts[0])).toMatch(/host algo-3 did not join within 3 s/);
    expect(failureOf(hosts[1])).toMatch(/host algo-3 did not join within 3 s/);
  });

  test('the first host never starts: the others fail within the timeout, naming it', async () => {
    const hosts = job({ k: '5', feature_dim: '2', _collective_port: String(nextPort++), _collective_timeout: '3' }, shard(kmeansRows, 2));
    const [result] = await runAll('kmeans', hosts.slice(1));
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(20);
    expect(failureOf(hosts[1])).toMatch(/the first host algo-1 did not answer .* within 3 s/);
  });

  test('a host that stalls (SIGSTOP) ends the job on the others at the timeout, never a hang', async () => {
    const hosts = job({ ...llHp(), epochs: '500', _collective_timeout: '3' }, regression.shards(3));
    const children: ChildProcess[] = [];
    let paused = false;
    const started = hosts.map((host) => start('linear-learner', host, (line, child) => {
      if (!paused && host.name === 'algo-3' && line.includes('epoch=1,')) {
        paused = true;
        child.kill('SIGSTOP');
      }
    }));
    started.forEach(({ child }) => children.push(child));
    const [first, second] = await Promise.all([started[0].done, started[1].done]);
    children[2].kill('SIGKILL');
    await started[2].done;
    for (const [result, host] of [[first, hosts[0]], [second, hosts[1]]] as const) {
      expect(result.code).toBe(1);
      expect(failureOf(host)).toMatch(/Timed out waiting 3000ms .*one of them is stalled or unreachable/);
    }
  });

  test('a host that dies mid-training ends the job on every other host, naming it', async () => {
    // GIVEN a 3-host Linear Learner job whose third host is killed (SIGKILL: no checkpoint, no goodbye)
    const hosts = job({ ...llHp(), epochs: '200' }, regression.shards(3));
    let killed = false;
    // WHEN
    const results = await runAll('linear-learner', hosts, (host, line, child) => {
      if (!killed && host.name === 'algo-3' && line.includes('epoch=1,')) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    // THEN the others fail, and their failure files name algo-3
    expect(results[2].code).toBeNull();
    for (const i of [0, 1]) {
      expect(results[i].code).toBe(1);
      expect(failureOf(hosts[i])).toMatch(/algo-3/);
    }
  });
});

describe('the job\'s hosts from resourceconfig.json', () => {
  const layoutWith = (config?: unknown) => {
    const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'resourceconfig-')));
    if (config !== undefined) {
      fs.mkdirSync(path.dirname(layout.resourceConfigFile), { recursive: true });
      fs.writeFileSync(layout.resourceConfigFile, JSON.stringify(config));
    }
    return layout;
  };

  test('no resourceconfig.json (local runs) is one host; the file\'s hosts and current_host otherwise', () => {
    expect(readHosts(layoutWith()).hosts).toHaveLength(1);
    expect(readHosts(layoutWith({ current_host: 'algo-2', hosts: ['algo-1', 'algo-2'], network_interface_name: 'eth0' }))).toEqual({ hosts: ['algo-1', 'algo-2'], current: 'algo-2' });
  });

  test('a resourceconfig.json SageMaker would not write fails naming the problem', () => {
    expect(() => readHosts(layoutWith({ current_host: 'algo-3', hosts: ['algo-1', 'algo-2'] }))).toThrow(/current_host algo-3 is not one of hosts \(algo-1, algo-2\)/);
    expect(() => readHosts(layoutWith({ current_host: 'algo-1', hosts: ['algo-1', 'algo-1'] }))).toThrow(/hosts names a host twice/);
    expect(() => readHosts(layoutWith({ hosts: [] }))).toThrow(/must give hosts \(a list of names\) and current_host/);
  });
});
