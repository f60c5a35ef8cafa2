// containers/build.sh's choices, run for real against stand-ins for nvcc, node-gyp and esbuild
// that record how they were called: the CPU-only addon when asked even where nvcc exists, the
// GPU image's targets as -gencode pairs (SASS and PTX), and clear failures.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CONTAINERS = path.join(__dirname, '../../containers');
const DOCKERFILE_ARCHITECTURES = /^ENV CUDA_ARCHITECTURES="([^"]+)"/m.exec(fs.readFileSync(path.join(CONTAINERS, 'Dockerfile'), 'utf8'))![1];

/** A copy of build.sh in a scratch containers/ tree, with tools that log their arguments. */
function scratch(withNvcc: boolean) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-sh-'));
  const containers = path.join(root, 'containers');
  fs.mkdirSync(path.join(containers, 'native'), { recursive: true });
  fs.copyFileSync(path.join(CONTAINERS, 'build.sh'), path.join(containers, 'build.sh'));
  for (const algorithm of ['kmeans', 'linear-learner', 'preprocessing']) {
    fs.mkdirSync(path.join(containers, algorithm));
    fs.writeFileSync(path.join(containers, algorithm, 'entrypoint'), '#!/bin/sh\n');
  }
  const log = path.join(root, 'calls.log');
  const tool = (dir: string, name: string, body: string) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
  };
  const bin = path.join(root, 'bin'), modules = path.join(root, 'modules');
  tool(bin, 'placeholder', '');
  if (withNvcc) tool(bin, 'nvcc', 'while [ $# -gt 0 ]; do if [ "$1" = -o ]; then touch "$2"; fi; shift; done');
  tool(path.join(modules, '.bin'), 'node-gyp', 'mkdir -p build/Release && touch build/Release/sagemaker_native.node\ncase " $* " in *" -Dgloo=1 "*) touch build/Release/sagemaker_collective.node;; esac');
  tool(path.join(modules, '.bin'), 'esbuild', 'for a in "$@"; do case "$a" in --outfile=*) touch "${a#--outfile=}";; esac; done');
  const run = (env: Record<string, string>) => {
    fs.rmSync(log, { force: true });
    const result = spawnSync('bash', [path.join(containers, 'build.sh')], {
      encoding: 'utf8',
      // No real nvcc (/usr/local/bin, /usr/local/cuda/bin): only the stand-in, when there is one.
      // No Gloo unless a test puts its header in the scratch include directory.
      env: { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, NODE_MODULES: modules, HOME: root, GLOO_INCLUDE_DIR: path.join(root, 'include'), ...env },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  };
  /** Makes Gloo's headers "installed" in the scratch include directory. */
  const installGloo = () => {
    fs.mkdirSync(path.join(root, 'include', 'gloo'), { recursive: true });
    fs.writeFileSync(path.join(root, 'include', 'gloo', 'allreduce.h'), '');
  };
  return { run, containers, installGloo };
}

describe('containers/build.sh', () => {
  test('NATIVE_VARIANT=cpu builds the CPU-only addon even where nvcc exists', () => {
    const { run, containers } = scratch(true);
    const result = run({ NATIVE_VARIANT: 'cpu' });
    expect(result.status).toBe(0);
    expect(result.calls.filter((call) => call.startsWith('nvcc'))).toEqual([]);
    expect(result.calls.find((call) => call.startsWith('node-gyp'))).toMatch(/ -- -Dcuda=0 /);
    expect(result.stdout).toContain('(CPU only: NATIVE_VARIANT=cpu)');
    for (const algorithm of ['kmeans', 'linear-learner', 'preprocessing']) {
      expect(fs.readdirSync(path.join(containers, 'dist', algorithm)).sort()).toEqual(['entrypoint', 'main.js', 'sagemaker_native.node']);
    }
  });

  test('NATIVE_VARIANT=gpu compiles every CUDA source for the Dockerfile\'s targets: SASS pairs and the PTX one', () => {
    const { run } = scratch(true);
    const result = run({ NATIVE_VARIANT: 'gpu', CUDA_ARCHITECTURES: DOCKERFILE_ARCHITECTURES });
    expect(result.status).toBe(0);
    const nvcc = result.calls.filter((call) => call.startsWith('nvcc'));
    expect(nvcc.map((call) => /-c (\S+)/.exec(call)![1])).toEqual(['src/kmeans_cuda.cu', 'src/linear_cuda.cu', 'src/cuda_devices.cu', 'src/cuda_dataset.cu']);
    const sass = DOCKERFILE_ARCHITECTURES.split(';').filter((a) => /^\d+$/.test(a));
    const expected = [...sass.map((a) => `-gencode arch=compute_${a},code=sm_${a}`), '-gencode arch=compute_120,code=compute_120'];
    const targets = [...sass.map((a) => `sm_${a}`), 'compute_120'].join(' ');
    for (const call of nvcc) {
      expect(call).toContain(expected.join(' '));
      expect(call).toContain(`-DSM_CUDA_ARCHITECTURES="${targets}"`);
      expect(call).toContain('-Werror all-warnings');
    }
    expect(result.calls.find((call) => call.startsWith('node-gyp'))).toMatch(/ -- -Dcuda=1 /);
    expect(result.stdout).toContain(`(CPU + CUDA: ${targets})`);
  });

  test('by default the CUDA kernels are built where nvcc exists, and not where it does not', () => {
    expect(scratch(true).run({}).stdout).toContain('(CPU + CUDA: sm_80 sm_90)');
    const without = scratch(false).run({});
    expect(without.status).toBe(0);
    expect(without.stdout).toContain('(CPU only: no nvcc)');
  });

  test('fails clearly: gpu without nvcc, an unknown variant, a malformed architecture', () => {
    const gpu = scratch(false).run({ NATIVE_VARIANT: 'gpu' });
    expect(gpu.status).not.toBe(0);
    expect(gpu.stderr).toContain('NATIVE_VARIANT=gpu needs nvcc (CUDA 13) on PATH');
    expect(scratch(true).run({ NATIVE_VARIANT: 'tpu' }).stderr).toContain("NATIVE_VARIANT is 'tpu'; use cpu, gpu or auto");
    const bad = scratch(true).run({ CUDA_ARCHITECTURES: '90;sm_100' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("CUDA_ARCHITECTURES entry 'sm_100': use NN (SASS for sm_NN) or NN-virtual (PTX for compute_NN)");
  });

  test('Gloo: the collective addon is built and shipped where its headers are, left out where not, required by GLOO=1', () => {
    const { run, containers, installGloo } = scratch(false);
    // Without Gloo: the kernels alone, saying so; GLOO=1 fails naming the script that installs it.
    const without = run({});
    expect(without.status).toBe(0);
    expect(without.calls.find((call) => call.startsWith('node-gyp'))).toMatch(/ -Dgloo=0 /);
    expect(without.stdout).toContain('single-host only: no Gloo');
    expect(fs.readdirSync(path.join(containers, 'dist', 'kmeans'))).not.toContain('sagemaker_collective.node');
    const required = run({ GLOO: '1' });
    expect(required.status).not.toBe(0);
    expect(required.stderr).toMatch(/GLOO=1 but Gloo is not installed .*install-system-deps.sh build/);
    // With Gloo: the sibling addon beside the kernels in every program's folder.
    installGloo();
    const built = run({ GLOO: '1' });
    expect(built.status).toBe(0);
    expect(built.calls.find((call) => call.startsWith('node-gyp'))).toMatch(/ -Dgloo=1 /);
    expect(built.stdout).toContain('multi-host: the collective addon on Gloo');
    for (const algorithm of ['kmeans', 'linear-learner', 'preprocessing']) {
      expect(fs.readdirSync(path.join(containers, 'dist', algorithm))).toContain('sagemaker_collective.node');
    }
    // GLOO=0 leaves it out even where it is installed.
    expect(run({ GLOO: '0' }).calls.find((call) => call.startsWith('node-gyp'))).toMatch(/ -Dgloo=0 /);
    expect(fs.readdirSync(path.join(containers, 'dist', 'kmeans'))).not.toContain('sagemaker_collective.node');
  });
});
