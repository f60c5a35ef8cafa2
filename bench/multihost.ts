/**
 * Multi-host training on one machine: K-Means and Linear Learner on 1, 2 and 3 hosts, each host
 * the real bundled `train` entrypoint (containers/dist, built by `npm run build:native` with Gloo
 * installed) in its own process with its own /opt/ml tree and an equal shard of the same rows, on
 * its own loopback address. Reports, per host count: the wall time of the job, each host's training
 * throughput (the `#throughput_metric` lines: its own rows per second of an epoch) and their sum,
 * and the share of training each host spent in collective steps (all-reduce and broadcast, waiting
 * for slower hosts included: the `… s of … s training in collective steps` line). Appends a
 * section to bench/RESULTS.md.
 *
 * The hosts share this machine's cores, so more hosts do not add compute here: what the numbers
 * show is the collective's cost and how it scales, not the speed-up of separate instances.
 *
 * Run: npm run bench:multihost (ROWS_KMEANS, ROWS_LINEAR to change the sizes).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'containers', 'dist');
const ADDRESSES = JSON.stringify({ 'algo-1': '127.0.0.2', 'algo-2': '127.0.0.3', 'algo-3': '127.0.0.4' });
const KMEANS_ROWS = Number(process.env.ROWS_KMEANS ?? 240_000);
const LINEAR_ROWS = Number(process.env.ROWS_LINEAR ?? 120_000);
const D = 16;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface HostResult { throughput: number; collective: number; training: number }
interface Run { hosts: number; wall: number; results: HostResult[] }

async function runJob(algorithm: string, rows: string[], hyperparameters: Record<string, string>, n: number, port: number): Promise<Run> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `bench-multihost-${algorithm}-`));
  const names = Array.from({ length: n }, (_, i) => `algo-${i + 1}`);
  const roots = names.map((name, i) => {
    const root = path.join(base, name);
    fs.mkdirSync(path.join(root, 'input', 'config'), { recursive: true });
    fs.mkdirSync(path.join(root, 'input', 'data', 'train'), { recursive: true });
    fs.writeFileSync(path.join(root, 'input', 'config', 'resourceconfig.json'), JSON.stringify({ current_host: name, hosts: names }));
    fs.writeFileSync(path.join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify({ ...hyperparameters, _collective_port: String(port) }));
    const shard = rows.slice(Math.floor((i * rows.length) / n), Math.floor(((i + 1) * rows.length) / n));
    fs.writeFileSync(path.join(root, 'input', 'data', 'train', 'train.csv'), shard.join('\n') + '\n');
    return root;
  });
  const started = performance.now();
  const outputs = await Promise.all(roots.map((root) => new Promise<string>((resolve, reject) => {
    const child = spawn(path.join(DIST, algorithm, 'entrypoint'), ['train'], {
      env: { ...process.env, OPT_ML: root, COMPANION_HOST_ADDRESSES: ADDRESSES, SAGEMAKER_COMPUTE_BACKEND: 'cpu' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${algorithm} on ${root} exited ${code}:\n${output}`))));
  })));
  const wall = (performance.now() - started) / 1000;
  fs.rmSync(base, { recursive: true, force: true });
  const results = outputs.map((output) => {
    const throughputs = [...output.matchAll(/#throughput_metric: host=\S+, train throughput=([\d.]+) records\/second/g)].map((m) => Number(m[1]));
    const share = /([\d.]+) s of ([\d.]+) s training in collective steps/.exec(output);
    return {
      throughput: throughputs.reduce((a, b) => a + b, 0) / Math.max(1, throughputs.length),
      collective: share ? Number(share[1]) : 0,
      training: share ? Number(share[2]) : NaN,
    };
  });
  return { hosts: n, wall, results };
}

function table(title: string, runs: Run[]): string {
  const lines = [`| hosts | job wall s | throughput per host, rows/s (mean) | all hosts, rows/s | collective share of training (per host) |`, '| --- | --- | --- | --- | --- |'];
  for (const run of runs) {
    const per = run.results.map((r) => r.throughput);
    const shares = run.hosts === 1 ? '— (no collective on one host)' : run.results.map((r) => `${((100 * r.collective) / r.training).toFixed(0)} %`).join(', ');
    lines.push(`| ${run.hosts} | ${run.wall.toFixed(2)} | ${Math.round(per.reduce((a, b) => a + b, 0) / per.length)} | ${Math.round(per.reduce((a, b) => a + b, 0))} | ${shares} |`);
  }
  return `#### ${title}\n\n${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(DIST, 'kmeans', 'sagemaker_collective.node'))) {
    throw new Error('containers/dist has no collective addon: install Gloo (containers/install-system-deps.sh build) and run npm run build:native');
  }
  const next = random(3);
  const kmeansRows = Array.from({ length: KMEANS_ROWS }, (_, i) => Array.from({ length: D }, (_, j) => ((i % 10) * (j % 3 === 0 ? 5 : -3) + next() * 2).toFixed(3)).join(','));
  const linearRows = Array.from({ length: LINEAR_ROWS }, () => {
    const x = Array.from({ length: D }, () => next() * 2 - 1);
    return [x.reduce((total, v, j) => total + v * (j + 1), 0) + next() * 0.1, ...x].map((v) => v.toFixed(4)).join(',');
  });
  let port = 21000 + Math.floor(Math.random() * 20000);
  const kmeans: Run[] = [], linear: Run[] = [];
  for (const n of [1, 2, 3]) {
    kmeans.push(await runJob('kmeans', kmeansRows, { k: '10', feature_dim: String(D), mini_batch_size: '5000', epochs: '2', local_lloyd_max_iter: '20' }, n, port++));
    linear.push(await runJob('linear-learner', linearRows, { predictor_type: 'regressor', feature_dim: String(D), epochs: '3', mini_batch_size: '1000', num_models: '4' }, n, port++));
    console.log(`${n} host(s): K-Means ${kmeans[kmeans.length - 1].wall.toFixed(2)} s, Linear Learner ${linear[linear.length - 1].wall.toFixed(2)} s`);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    `### Multi-host training on one machine: 1, 2 and 3 hosts over Gloo/TCP on loopback (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; load average ${os.loadavg()[0].toFixed(1)} when the run ended. One run each.`,
    `Every host is a separate \`train\` process with an equal shard of the same rows. **The hosts share these ${os.cpus().length} cores**: more hosts add no compute here,`,
    'so per-host throughput falls as hosts are added and the collective share includes waiting for a descheduled peer; on separate instances each host has its own cores.',
    '',
    table(`K-Means: ${KMEANS_ROWS} rows × ${D}, k 10, mini_batch_size 5000, 2 epochs (one all-reduce of sums and counts per mini-batch and per refinement pass)`, kmeans),
    table(`Linear Learner: ${LINEAR_ROWS} rows × ${D}, regressor, 4 models, mini_batch_size 1000, 3 epochs (one all-reduce of the models per mini-batch step)`, linear),
  ].join('\n');
  fs.appendFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), `\n${section}`);
  console.log(section);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
