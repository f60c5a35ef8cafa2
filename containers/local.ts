#!/usr/bin/env node
/**
 * Local mode: runs a companion algorithm's real entrypoint on this machine the way SageMaker runs
 * it in the image, no Docker and no AWS account.
 *
 *   sagemaker-local train kmeans --train data.csv [--test test.csv] --hp k=5 --hp feature_dim=2 [--job name] [--output-dir dir] [--out model.tar.gz]
 *   sagemaker-local serve kmeans --model dir/model.tar.gz [--port 8080]
 *   sagemaker-local invoke --file records.csv [--content-type text/csv] [--accept application/json] [--port 8080]
 *
 * `train` lays out a temporary /opt/ml (hyperparameters.json, input/data/<channel> linking to the
 * given files: nothing is copied), runs `<algorithm>/entrypoint train` with OPT_ML pointing at it,
 * streams its lines with progress (each channel's loading, then epoch of epochs and the time
 * left), and packs model/ into `<output-dir>/model.tar.gz` as SageMaker does (default output
 * directory `./.sagemaker-local/<job>`); a failure is printed once, by the entrypoint, and its
 * reason kept in `<output-dir>/failure`. The temporary tree is removed on every exit: success,
 * failure, Ctrl-C (SIGINT) or SIGTERM.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

const ALGORITHMS = ['kmeans', 'linear-learner', 'preprocessing'];
const CHANNELS = ['train', 'validation', 'test'];

/** A failure whose message is the whole story: printed as it is, once. */
class LocalError extends Error {}

function options(args: string[]): { positional: string[]; flags: Record<string, string[]> } {
  const positional: string[] = [];
  const flags: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) (flags[args[i].slice(2)] ??= []).push(args[++i] ?? '');
    else positional.push(args[i]);
  }
  return { positional, flags };
}

function entrypoint(algorithm: string | undefined): string {
  if (!algorithm || !ALGORITHMS.includes(algorithm)) throw new LocalError(`unknown algorithm ${JSON.stringify(algorithm ?? '')}: use ${ALGORITHMS.join(', ')}`);
  return path.join(__dirname, algorithm, 'entrypoint');
}

/** Temporary directories this process made, removed however it ends. */
const temporary = new Set<string>();
let child: ChildProcess | undefined;

function removeTemporary(): void {
  for (const directory of temporary) fs.rmSync(directory, { recursive: true, force: true });
  temporary.clear();
}

function makeTemporary(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sagemaker-local-'));
  temporary.add(directory);
  return directory;
}

process.on('exit', removeTemporary);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The entrypoint gets SIGTERM, as SageMaker sends it (it may save a checkpoint); this process
    // then removes its temporary tree and ends as the signal would have ended it.
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (child && child.exitCode === null && child.signalCode === null) {
      child.once('exit', () => process.exit(code));
      child.kill('SIGTERM');
    } else {
      process.exit(code);
    }
  });
}

/** Links `source` (a file, or a directory's files, recursively) under `target`: no copy of the data. */
function link(source: string, target: string): void {
  const resolved = path.resolve(source);
  if (!fs.existsSync(resolved)) throw new LocalError(`no such file or directory: ${source}`);
  if (fs.statSync(resolved).isDirectory()) {
    for (const entry of fs.readdirSync(resolved)) {
      if (fs.statSync(path.join(resolved, entry)).isDirectory()) fs.mkdirSync(path.join(target, entry), { recursive: true });
      link(path.join(resolved, entry), fs.statSync(path.join(resolved, entry)).isDirectory() ? path.join(target, entry) : target);
    }
  } else {
    fs.mkdirSync(target, { recursive: true });
    fs.symlinkSync(resolved, path.join(target, path.basename(resolved)));
  }
}

/**
 * Reads the entrypoint's lines and adds a local progress line after each epoch: `epoch 3 of 15,
 * about 12 s left`, from the time the epochs have taken so far.
 */
class EpochProgress {
  private epochsStarted = Date.now();
  private sawEpoch = false;
  private lastEpoch = -1;

  public line(text: string): void {
    // K-Means: `#progress_metric: host=algo-1, epoch 3/10, train msd …`
    const kmeans = /^#progress_metric: .*epoch (\d+)\/(\d+)/.exec(text);
    // Linear Learner: `#quality_metric: host=algo-1, epoch=2, train …` then `#progress_metric: …, completed 20.0 % of epochs`
    const epochLine = /^#quality_metric: .*epoch=(\d+),/.exec(text);
    if (epochLine) this.lastEpoch = Number(epochLine[1]);
    const percent = /^#progress_metric: .*completed ([\d.]+) % of epochs/.exec(text);
    let done: number | undefined, total: number | undefined;
    if (kmeans) {
      done = Number(kmeans[1]);
      total = Number(kmeans[2]);
    } else if (percent && this.lastEpoch >= 0 && Number(percent[1]) > 0) {
      done = this.lastEpoch + 1;
      total = Math.round((100 * done) / Number(percent[1]));
    }
    if (done === undefined || total === undefined) {
      // The last line before the first epoch's ends the loading: the epochs are timed from there.
      if (!this.sawEpoch && !text.startsWith('#')) this.epochsStarted = Date.now();
      return;
    }
    this.sawEpoch = true;
    const seconds = ((Date.now() - this.epochsStarted) / 1000 / done) * (total - done);
    console.log(`training: epoch ${done} of ${total}${done < total ? `, about ${formatSeconds(seconds)} left` : ', done'}`);
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function jobName(algorithm: string, flags: Record<string, string[]>): string {
  const given = flags.job?.[0];
  if (given !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(given)) throw new LocalError(`--job ${JSON.stringify(given)}: use letters, digits, '.', '_' and '-'`);
  return given ?? `${algorithm}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
}

/**
 * The addon under dist/ is prebuilt for one platform (`prebuilt.json`, written by build.sh): on
 * another, say so and what to do, rather than fail to load it inside the entrypoint.
 * SAGEMAKER_LOCAL_TEST_PLATFORM (`<platform>-<arch>`) stands in for this machine in tests.
 */
function checkPlatform(): void {
  const manifest = path.join(__dirname, 'prebuilt.json');
  if (!fs.existsSync(manifest)) return;
  const built = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { platform: string; arch: string };
  const here = process.env.SAGEMAKER_LOCAL_TEST_PLATFORM ?? `${process.platform}-${process.arch}`;
  if (here !== `${built.platform}-${built.arch}`) {
    throw new LocalError(`the native kernels in this package are prebuilt for ${built.platform}-${built.arch} only, and this machine is ${here}. `
      + `Run sagemaker-local on ${built.platform}-${built.arch} (a container or VM will do; the companion images run anywhere SageMaker does), `
      + 'or build the kernels for this machine from a clone of the repository: npm ci && npm run build:native && npm run local -- …');
  }
}

async function train(algorithm: string, flags: Record<string, string[]>): Promise<number> {
  const program = entrypoint(algorithm);
  checkPlatform();
  const name = jobName(algorithm, flags);
  // --out names the model file itself (its directory then holds the job's other output).
  const modelFile = flags.out?.[0] ? path.resolve(flags.out[0]) : undefined;
  const output = path.resolve(flags['output-dir']?.[0] ?? (modelFile ? path.dirname(modelFile) : path.join('.sagemaker-local', name)));
  const root = makeTemporary();
  const hyperparameters: Record<string, string> = {};
  for (const pair of flags.hp ?? []) {
    const [key, ...value] = pair.split('=');
    if (!key || value.length === 0) throw new LocalError(`--hp ${JSON.stringify(pair)}: use --hp name=value`);
    hyperparameters[key] = value.join('=');
  }
  fs.mkdirSync(path.join(root, 'input', 'config'), { recursive: true });
  fs.writeFileSync(path.join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  const given = CHANNELS.filter((channel) => (flags[channel] ?? []).length > 0);
  if (given.length === 0) throw new LocalError(`no data: give at least --train <file or directory> (channels: ${CHANNELS.join(', ')})`);
  for (const channel of given) {
    for (const source of flags[channel]) link(source, path.join(root, 'input', 'data', channel));
  }
  fs.mkdirSync(output, { recursive: true });
  console.log(`job ${name}: output in ${path.relative(process.cwd(), output) || '.'}`);
  const progress = new EpochProgress();
  const code = await new Promise<number>((resolve, reject) => {
    child = spawn(program, ['train'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { SM_PROGRESS_INTERVAL_MS: '1000', ...process.env, OPT_ML: root },
    });
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      console.log(line);
      progress.line(line);
    });
    child.on('error', (error) => reject(new LocalError(`could not start ${program}: ${error.message}`)));
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  child = undefined;
  const failure = path.join(root, 'output', 'failure');
  if (code !== 0) {
    // The entrypoint has printed its failure; keep the reason beside the job's other output.
    if (fs.existsSync(failure)) {
      fs.copyFileSync(failure, path.join(output, 'failure'));
      console.error(`job ${name} failed (exit ${code}); reason in ${path.relative(process.cwd(), path.join(output, 'failure'))}`);
    } else {
      console.error(`job ${name} failed (exit ${code}) without a failure reason`);
    }
    return code;
  }
  const model = modelFile ?? path.join(output, 'model.tar.gz');
  const tar = spawnSync('tar', ['-czf', model, '-C', path.join(root, 'model'), '.'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new LocalError(`could not pack the model into ${model}: ${tar.stderr.trim()}`);
  console.log(`model: ${path.relative(process.cwd(), model)}`);
  return 0;
}

async function serve(algorithm: string, flags: Record<string, string[]>): Promise<number> {
  const program = entrypoint(algorithm);
  checkPlatform();
  const archive = flags.model?.[0];
  if (!archive) throw new LocalError('--model <model.tar.gz> is needed (train writes one under ./.sagemaker-local/<job>/)');
  if (!fs.existsSync(archive)) throw new LocalError(`--model ${archive}: no such file`);
  const root = makeTemporary();
  fs.mkdirSync(path.join(root, 'model'), { recursive: true });
  const tar = spawnSync('tar', ['-xzf', path.resolve(archive), '-C', path.join(root, 'model')], { encoding: 'utf8' });
  if (tar.status !== 0) throw new LocalError(`could not unpack ${archive}: ${tar.stderr.trim()}`);
  const port = flags.port?.[0] ?? '8080';
  child = spawn(program, ['serve'], { stdio: 'inherit', env: { ...process.env, OPT_ML: root, SAGEMAKER_BIND_TO_PORT: port } });
  return new Promise<number>((resolve) => child!.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))));
}

async function invoke(flags: Record<string, string[]>): Promise<number> {
  const port = flags.port?.[0] ?? '8080';
  const file = flags.file?.[0] ?? '/dev/stdin';
  if (file !== '/dev/stdin' && !fs.existsSync(file)) throw new LocalError(`--file ${file}: no such file`);
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}/invocations`, {
      method: 'POST',
      body: fs.readFileSync(file),
      headers: { 'content-type': flags['content-type']?.[0] ?? 'text/csv', 'accept': flags.accept?.[0] ?? 'application/json' },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      throw new LocalError(`no server on port ${port} (start one with: sagemaker-local serve <algorithm> --model <model.tar.gz> --port ${port})`);
    }
    throw new LocalError(`could not reach the server on port ${port}: ${cause?.code ?? (error as Error).message}`);
  }
  const text = await response.text();
  if (response.ok) console.log(text);
  else console.error(`the server answered ${response.status}: ${text}`);
  return response.ok ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const { positional, flags } = options(args);
  const [command, algorithm] = positional;
  if (command === 'train') return train(algorithm, flags);
  if (command === 'serve') return serve(algorithm, flags);
  if (command === 'invoke') return invoke(flags);
  console.error('usage: sagemaker-local train <algorithm> --train <file|dir> [--validation …] [--test …] [--hp name=value …] [--job name] [--output-dir dir] [--out model.tar.gz]\n'
    + '       sagemaker-local serve <algorithm> --model <model.tar.gz> [--port 8080]\n'
    + '       sagemaker-local invoke --file <records> [--content-type text/csv] [--accept application/json] [--port 8080]\n'
    + `algorithms: ${ALGORITHMS.join(', ')}`);
  return 2;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: Error) => {
  console.error(`sagemaker-local: ${error instanceof LocalError ? error.message : error.stack ?? error.message}`);
  process.exitCode = 1;
});
