/**
 * Local mode: runs a companion algorithm's real entrypoint on this machine the way SageMaker runs
 * it in the image, no Docker and no AWS account.
 *
 *   sagemaker-local train kmeans --train data.csv [--test test.csv] --hp k=5 --hp feature_dim=2 [--out model.tar.gz]
 *   sagemaker-local serve kmeans --model model.tar.gz [--port 8080]
 *   sagemaker-local invoke --file records.csv [--content-type text/csv] [--accept application/json] [--port 8080]
 *
 * `train` lays out a temporary /opt/ml (hyperparameters.json, input/data/<channel>), runs
 * `<algorithm>/entrypoint train` with OPT_ML pointing at it, streams its progress and metric
 * lines, and packs model/ into model.tar.gz as SageMaker does; a failure prints output/failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ALGORITHMS = ['kmeans', 'linear-learner', 'preprocessing'];

function options(args: string[]): { positional: string[]; flags: Record<string, string[]> } {
  const positional: string[] = [];
  const flags: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) (flags[args[i].slice(2)] ??= []).push(args[++i] ?? '');
    else positional.push(args[i]);
  }
  return { positional, flags };
}

function entrypoint(algorithm: string): string {
  if (!ALGORITHMS.includes(algorithm)) throw new Error(`unknown algorithm ${JSON.stringify(algorithm)}: use ${ALGORITHMS.join(', ')}`);
  return path.join(__dirname, algorithm, 'entrypoint');
}

async function train(algorithm: string, flags: Record<string, string[]>): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sagemaker-local-'));
  const hyperparameters: Record<string, string> = {};
  for (const pair of flags.hp ?? []) {
    const [name, ...value] = pair.split('=');
    hyperparameters[name] = value.join('=');
  }
  fs.mkdirSync(path.join(root, 'input', 'config'), { recursive: true });
  fs.writeFileSync(path.join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  for (const channel of ['train', 'validation', 'test']) {
    for (const source of flags[channel] ?? []) {
      const target = path.join(root, 'input', 'data', channel);
      fs.mkdirSync(target, { recursive: true });
      fs.cpSync(source, fs.statSync(source).isDirectory() ? target : path.join(target, path.basename(source)), { recursive: true });
    }
  }
  console.log(`local /opt/ml: ${root}`);
  const code = await new Promise<number>((resolve) => {
    spawn(entrypoint(algorithm), ['train'], { stdio: 'inherit', env: { ...process.env, OPT_ML: root } }).on('exit', (c) => resolve(c ?? 1));
  });
  const failure = path.join(root, 'output', 'failure');
  if (code !== 0) {
    console.error(`training failed (exit ${code}): ${fs.existsSync(failure) ? fs.readFileSync(failure, 'utf8') : 'no failure file'}`);
    return code;
  }
  const out = path.resolve(flags.out?.[0] ?? 'model.tar.gz');
  const tar = spawnSync('tar', ['-czf', out, '-C', path.join(root, 'model'), '.']);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  console.log(`model: ${out}`);
  return 0;
}

async function serve(algorithm: string, flags: Record<string, string[]>): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sagemaker-local-'));
  fs.mkdirSync(path.join(root, 'model'), { recursive: true });
  const tar = spawnSync('tar', ['-xzf', path.resolve(flags.model?.[0] ?? 'model.tar.gz'), '-C', path.join(root, 'model')]);
  if (tar.status !== 0) throw new Error(`could not unpack the model: ${tar.stderr}`);
  const port = flags.port?.[0] ?? '8080';
  const child = spawn(entrypoint(algorithm), ['serve'], { stdio: 'inherit', env: { ...process.env, OPT_ML: root, SAGEMAKER_BIND_TO_PORT: port } });
  process.on('SIGINT', () => child.kill('SIGTERM'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 0)));
}

async function invoke(flags: Record<string, string[]>): Promise<number> {
  const port = flags.port?.[0] ?? '8080';
  const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
    method: 'POST',
    body: fs.readFileSync(flags.file?.[0] ?? '/dev/stdin'),
    headers: { 'content-type': flags['content-type']?.[0] ?? 'text/csv', 'accept': flags.accept?.[0] ?? 'application/json' },
  });
  console.log(await response.text());
  return response.ok ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const { positional, flags } = options(args);
  const [command, algorithm] = positional;
  if (command === 'train') return train(algorithm, flags);
  if (command === 'serve') return serve(algorithm, flags);
  if (command === 'invoke') return invoke(flags);
  console.error('usage: sagemaker-local train|serve <algorithm> ... | invoke --file records.csv');
  return 2;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: Error) => {
  console.error(`sagemaker-local: ${error.message}`);
  process.exitCode = 1;
});
