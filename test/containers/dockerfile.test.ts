// containers/Dockerfile, parsed: no Docker engine here, so its stages, arguments and steps are
// checked as text. The CPU variant carries no CUDA, every stage runs the Node.js the tests run,
// and the GPU variant's fat binary covers SageMaker's GPUs (CUDA 13) plus PTX of the newest.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Instruction { readonly keyword: string; readonly args: string }
interface Stage { readonly name: string; readonly from: string; readonly instructions: Instruction[] }

/** Instructions (continuations joined, comments dropped), the ARGs before the first FROM, and the stages. */
function parseDockerfile(text: string): { globalArgs: Record<string, string | undefined>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(pending)!;
    instructions.push({ keyword: keyword.toUpperCase(), args });
    pending = '';
  }
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args)!;
      stages.push({ name: name ?? String(stages.length), from, instructions: [] });
    } else if (stages.length === 0) {
      expect(instruction.keyword).toBe('ARG');
      const [name, value] = instruction.args.split('=');
      globalArgs[name] = value;
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const { globalArgs, stages } = parseDockerfile(fs.readFileSync(path.join(__dirname, '../../containers/Dockerfile'), 'utf8'));
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
/** A stage's base after its global ARGs are substituted. */
const base = (s: Stage) => s.from.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs[name] ?? `<${name} unset>`);
/** The stages a stage builds on: its FROM chain and every COPY --from. */
function ancestry(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name) || !stages.some((s) => s.name === name)) return seen;
  seen.add(name);
  const s = stage(name);
  ancestry(s.from, seen);
  for (const copy of s.instructions.filter((i) => i.keyword === 'COPY')) {
    const from = /--from=(\S+)/.exec(copy.args)?.[1];
    if (from) ancestry(from, seen);
  }
  return seen;
}
const VERSION_CHECK = /case "\$\(node --version\)" in "v\$\{NODE_MAJOR\}\."\*\) ;; \*\) echo "expected Node\.js \$\{NODE_MAJOR\}, got \$\(node --version\)" >&2; exit 1 ;; esac/;

describe('containers/Dockerfile', () => {
  test('has the node, cpu and gpu stages, cpu ones first (a builder without BuildKit builds no CUDA stage for --target cpu)', () => {
    expect(stages.map((s) => s.name)).toEqual(['node', 'build-cpu', 'cpu', 'build-gpu', 'gpu']);
    expect(stages.findIndex((s) => s.name === 'cpu')).toBeLessThan(stages.findIndex((s) => s.name === 'build-gpu'));
  });

  test('Node.js comes from the official image at the major the tests run on, in every stage', () => {
    const major = process.versions.node.split('.')[0];
    expect(globalArgs.NODE_MAJOR).toBe(major);
    expect(globalArgs.NODE_VERSION!.split('.')[0]).toBe(major);
    expect(base(stage('node'))).toBe(`node:${globalArgs.NODE_VERSION}-bookworm-slim`);
    // No stage installs a distribution's nodejs (Ubuntu 24.04's is Node.js 18).
    for (const s of stages) {
      for (const run of s.instructions.filter((i) => i.keyword === 'RUN')) expect(run.args).not.toMatch(/\bnodejs\b|\bnpm\b.*install -y|apt-get install[^&]*\bnpm\b/);
    }
    // The CUDA stages copy it from the node stage (binary, headers for node-gyp, npm).
    const copies = (name: string) => stage(name).instructions.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=node ')).map((i) => i.args);
    expect(copies('build-gpu')).toEqual(expect.arrayContaining([
      '--from=node /usr/local/bin/node /usr/local/bin/node', '--from=node /usr/local/include/node /usr/local/include/node',
      '--from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm']));
    expect(copies('gpu')).toEqual(['--from=node /usr/local/bin/node /usr/local/bin/node']);
  });

  test.each(['node', 'build-cpu', 'cpu', 'build-gpu', 'gpu'])('the %s stage fails its build unless node --version is the expected major', (name) => {
    const s = stage(name);
    expect(s.instructions.some((i) => i.keyword === 'ARG' && i.args === 'NODE_MAJOR')).toBe(true);
    expect(s.instructions.some((i) => i.keyword === 'RUN' && VERSION_CHECK.test(i.args))).toBe(true);
  });

  test('the version check fails for another major and passes for this one (run with a stand-in node)', () => {
    const script = stage('node').instructions.find((i) => i.keyword === 'RUN')!.args;
    expect(script).toMatch(VERSION_CHECK);
    const run = (version: string) => {
      try {
        execFileSync('sh', ['-c', `node() { echo ${version}; }; ${script}`], { env: { ...process.env, NODE_MAJOR: globalArgs.NODE_MAJOR }, stdio: 'pipe' });
        return 'passed';
      } catch (error) {
        return String((error as { stderr: Buffer }).stderr);
      }
    };
    expect(run(`v${globalArgs.NODE_MAJOR}.20.2`)).toBe('passed');
    expect(run('v18.19.1')).toContain(`expected Node.js ${globalArgs.NODE_MAJOR}, got v18.19.1`);
  });

  test('the cpu variant has no CUDA anywhere: a slim Debian base, the CPU-only addon', () => {
    for (const name of ancestry('cpu')) {
      expect(base(stage(name))).not.toMatch(/cuda/i);
      for (const i of stage(name).instructions) expect(i.args).not.toMatch(/cuda|nvcc/i);
    }
    expect([...ancestry('cpu')].sort()).toEqual(['build-cpu', 'cpu', 'node']);
    expect(stage('build-cpu').instructions).toContainEqual({ keyword: 'RUN', args: 'npm ci --no-audit --no-fund && NATIVE_VARIANT=cpu npm run build' });
  });

  test('the gpu variant builds the CUDA addon on CUDA 13 and runs on the CUDA base image', () => {
    expect(globalArgs.CUDA_VERSION).toMatch(/^13\./);
    expect(base(stage('build-gpu'))).toBe(`nvidia/cuda:${globalArgs.CUDA_VERSION}-devel-ubuntu${globalArgs.UBUNTU_VERSION}`);
    expect(base(stage('gpu'))).toBe(`nvidia/cuda:${globalArgs.CUDA_VERSION}-base-ubuntu${globalArgs.UBUNTU_VERSION}`);
    expect(stage('build-gpu').instructions).toContainEqual({ keyword: 'RUN', args: 'npm ci --no-audit --no-fund && NATIVE_VARIANT=gpu npm run build' });
    expect(stage('gpu').instructions.filter((i) => i.keyword === 'COPY' && i.args.includes('/build/dist/'))).toEqual([
      { keyword: 'COPY', args: '--from=build-gpu --chown=algo:algo /build/dist/${ALGORITHM} /opt/program/${ALGORITHM}' },
    ]);
  });

  test('SASS for every GPU family SageMaker offers that CUDA 13 runs, plus PTX of the newest', () => {
    const env = stage('build-gpu').instructions.find((i) => i.keyword === 'ENV' && i.args.startsWith('CUDA_ARCHITECTURES='))!;
    const archs = /^CUDA_ARCHITECTURES="([^"]+)"$/.exec(env.args)![1].split(';');
    const sass = archs.filter((a) => /^\d+$/.test(a)).map(Number);
    // T4, A100, A10G, L4/L40S, H100/H200, B200, B300, RTX PRO 6000: lib/core/instance-type.ts's families.
    expect(sass).toEqual([75, 80, 86, 89, 90, 100, 103, 120]);
    expect(archs.filter((a) => a.endsWith('-virtual'))).toEqual([`${Math.max(...sass)}-virtual`]);
  });

  test.each([['cpu', 'build-cpu'], ['gpu', 'build-gpu']])('the %s image installs Gloo with install-system-deps.sh: headers to build (GLOO=1 requires them), the shared library to run', (name, build) => {
    const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const built = stage(build).instructions;
    const install = built.findIndex((i) => i.keyword === 'RUN' && i.args === 'bash install-system-deps.sh build && rm -rf /var/lib/apt/lists/*');
    const gloo = built.findIndex((i) => i.keyword === 'ENV' && i.args === 'GLOO=1');
    const npmBuild = built.findIndex((i) => i.keyword === 'RUN' && /npm run build$/.test(i.args));
    expect(install).toBeGreaterThan(built.findIndex((i) => i.keyword === 'COPY' && i.args === '. .'));
    expect(gloo).toBeGreaterThan(install);
    expect(npmBuild).toBeGreaterThan(gloo);
    expect(stage(name).instructions).toContainEqual({ keyword: 'COPY', args: `--from=${build} /build/install-system-deps.sh /tmp/install-system-deps.sh` });
    expect(runs(stage(name))).toContain('bash /tmp/install-system-deps.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/install-system-deps.sh');
    expect(fs.readFileSync(path.join(__dirname, '../../containers/install-system-deps.sh'), 'utf8')).toMatch(/build\) wanted=\(libgloo-dev\)/);
  });

  test.each(['cpu', 'gpu'])('the %s image: ALGORITHM required, non-root program, SageMaker entrypoint and port label', (name) => {
    const s = stage(name);
    const args = (keyword: string) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
    expect(args('ARG')).toContain('ALGORITHM');
    expect(args('RUN')).toContainEqual(expect.stringMatching(/^test -n "\$\{ALGORITHM\}" \|\|/));
    expect(args('RUN')).toContainEqual(expect.stringContaining('useradd --system --gid algo'));
    expect(args('RUN')).toContain('ln -s /opt/program/${ALGORITHM}/entrypoint /opt/program/entrypoint');
    expect(args('LABEL')).toEqual(['com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true']);
    expect(args('ENV')).toEqual([`NODE_ENV=production OPT_ML=/opt/ml SAGEMAKER_IMAGE_VARIANT=${name}`]);
    expect(args('ENTRYPOINT')).toEqual(['["/opt/program/entrypoint"]']);
  });
});
