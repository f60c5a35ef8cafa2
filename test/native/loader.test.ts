// The loader's CUDA capability check and its CPU fallback, with the devices simulated (no GPU is
// needed): the addon's probe is replaced by SAGEMAKER_NATIVE_TEST_CUDA_DEVICES / _ARCHITECTURES,
// or by a probe handed to chooseBackend.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend, CudaProbe, cudaTargetFor, loadKernels, nativeBinding } from '../../containers/native';

/** The GPU image's targets, as the Dockerfile's build-gpu stage sets them. */
const IMAGE_ARCHITECTURES = (() => {
  const dockerfile = fs.readFileSync(path.join(__dirname, '../../containers/Dockerfile'), 'utf8');
  const list = /^ENV CUDA_ARCHITECTURES="([^"]+)"/m.exec(dockerfile)![1];
  return list.split(';').map((arch) => arch.endsWith('-virtual') ? `compute_${arch.slice(0, -8)}` : `sm_${arch}`).join(' ');
})();

const probe = (...capabilities: string[]): CudaProbe => ({
  compiled: true,
  architectures: IMAGE_ARCHITECTURES,
  devices: capabilities.map((capability) => ({ name: `GPU ${capability}`, major: Number(capability.split('.')[0]), minor: Number(capability.split('.')[1]) })),
});

describe('cudaTargetFor (what the GPU image\'s fat binary runs on)', () => {
  test.each([
    ['7.5', 'sm_75'], ['8.0', 'sm_80'], ['8.6', 'sm_86'], ['8.7', 'sm_86'], ['8.9', 'sm_89'], ['9.0', 'sm_90'],
    ['10.0', 'sm_100'], ['10.3', 'sm_103'], ['12.0', 'sm_120'], ['12.1', 'sm_120'],
  ])('compute capability %s runs the SASS %s', (capability, target) => {
    const [major, minor] = capability.split('.').map(Number);
    expect(cudaTargetFor(IMAGE_ARCHITECTURES, major, minor)).toEqual({ target });
  });

  test('a GPU newer than every SASS target JIT-compiles the newest PTX (forward compatibility)', () => {
    expect(cudaTargetFor(IMAGE_ARCHITECTURES, 13, 0)).toEqual({ target: 'compute_120 (PTX, JIT-compiled)' });
    // A family between targets without SASS of its own major (11.0): PTX of an older architecture still runs.
    expect(cudaTargetFor('sm_90 compute_90', 11, 0)).toEqual({ target: 'compute_90 (PTX, JIT-compiled)' });
    // SASS does not cross majors: sm_90 alone does not run on 10.0.
    expect(cudaTargetFor('sm_80 sm_90', 10, 0).target).toBeUndefined();
  });

  test.each([['7.0'], ['3.7'], ['6.1']])('compute capability %s (V100, K80, P4) is not covered, with a reason', (capability) => {
    const [major, minor] = capability.split('.').map(Number);
    const fit = cudaTargetFor(IMAGE_ARCHITECTURES, major, minor);
    expect(fit.target).toBeUndefined();
    expect(fit.reason).toContain(`compute capability ${capability} is not among this build's CUDA targets (${IMAGE_ARCHITECTURES})`);
  });
});

describe('chooseBackend', () => {
  test('auto: CUDA when every device runs the binary, naming the target', () => {
    expect(chooseBackend('auto', probe('8.6', '8.6'))).toEqual({ backend: 'cuda', devices: 2, target: 'sm_86' });
    expect(chooseBackend('auto', probe('13.0'))).toEqual({ backend: 'cuda', devices: 1, target: 'compute_120 (PTX, JIT-compiled)' });
  });

  test('auto: the CPU, with one reason naming the device, when the binary cannot run on it', () => {
    const decision = chooseBackend('auto', probe('7.0'));
    expect(decision).toMatchObject({ backend: 'cpu', devices: 0 });
    expect(decision.fallback).toMatch(/^the CUDA kernels cannot run on GPU 0 \(GPU 7\.0, compute capability 7\.0\): compute capability 7\.0 is not among/);
    // The runtime's own refusal (cudaFuncGetAttributes found no image) counts too.
    const refused = chooseBackend('auto', { ...probe('9.0'), devices: [{ name: 'H100', major: 9, minor: 0, problem: 'no loadable code for this device (no kernel image is available)' }] });
    expect(refused.backend).toBe('cpu');
    expect(refused.fallback).toContain('H100, compute capability 9.0): no loadable code for this device');
  });

  test('auto: the CPU without CUDA kernels (the CPU image) or without a device, silently', () => {
    expect(chooseBackend('auto', { compiled: false, architectures: '', devices: [] })).toEqual({ backend: 'cpu', devices: 0 });
    expect(chooseBackend('auto', probe())).toEqual({ backend: 'cpu', devices: 0 });
  });

  test('cuda on an unsupported device fails with a message naming its compute capability', () => {
    expect(() => chooseBackend('cuda', probe('7.0'))).toThrow(
      /^The cuda backend was asked for, but the CUDA kernels cannot run on GPU 0 \(GPU 7\.0, compute capability 7\.0\): .*Use _compute_backend=cpu, or an instance whose GPU has compute capability 7\.5 or newer/);
    expect(() => chooseBackend('cuda', { compiled: false, architectures: '', devices: [] })).toThrow(/built without CUDA \(a CPU image/);
    expect(() => chooseBackend('cuda-tf32', probe('7.5'))).toThrow(/TF32 products need compute capability 8\.0 or newer: GPU 7\.5 is 7\.5/);
    expect(chooseBackend('cuda', probe('7.5'))).toEqual({ backend: 'cuda', devices: 1, target: 'sm_75' });
    expect(chooseBackend('cpu', probe('9.0'))).toEqual({ backend: 'cpu', devices: 0 });
  });
});

describe('loadKernels with simulated devices (SAGEMAKER_NATIVE_TEST_CUDA_DEVICES)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('falls back to the CPU kernels with one clear log line, and they compute', async () => {
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES = 'Tesla V100-SXM2-16GB@7.0';
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_ARCHITECTURES = IMAGE_ARCHITECTURES;
    const messages: string[] = [];
    const kernels = loadKernels({ log: (message) => messages.push(message) });
    expect(kernels.backend).toBe('cpu');
    expect(messages).toEqual([expect.stringMatching(
      /^native kernels: CPU \([^)]+\): the CUDA kernels cannot run on GPU 0 \(Tesla V100-SXM2-16GB, compute capability 7\.0\): compute capability 7\.0 is not among this build's CUDA targets/)]);
    const result = await kernels.kmeansAssign(new Float32Array([0, 0, 10, 10]), new Float32Array([1, 1, 9, 9]), 2);
    expect(Array.from(result.labels)).toEqual([0, 1]);
  });

  test('chooses CUDA for a device the binary covers (only the choice is simulated)', () => {
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES = 'NVIDIA A10G@8.6';
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_ARCHITECTURES = IMAGE_ARCHITECTURES;
    const messages: string[] = [];
    expect(loadKernels({ log: (message) => messages.push(message) }).backend).toBe('cuda');
    expect(messages).toEqual(['native kernels: CUDA (1 device, sm_86)']);
  });

  test('SAGEMAKER_COMPUTE_BACKEND=cuda on an unsupported device fails naming the capability', () => {
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES = '7.0';
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_ARCHITECTURES = IMAGE_ARCHITECTURES;
    process.env.SAGEMAKER_COMPUTE_BACKEND = 'cuda';
    expect(() => loadKernels({ log: () => undefined })).toThrow(/compute capability 7\.0/);
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES = 'seven';
    expect(() => loadKernels({ log: () => undefined })).toThrow(/SAGEMAKER_NATIVE_TEST_CUDA_DEVICES: "seven" is not a compute capability/);
  });

  test('the addon describes its CUDA build: targets, and every device with its capability', () => {
    const native = nativeBinding();
    if (!native.cudaCompiled) {
      expect(native.cudaArchitectures).toBeUndefined();
      return;
    }
    expect(native.cudaArchitectures).toMatch(/^(sm_\d+|compute_\d+)( (sm_\d+|compute_\d+))*$/);
    const devices = native.cudaDevices!();
    expect(devices).toHaveLength(native.cudaDeviceCount!());
    for (const device of devices) expect(device).toEqual(expect.objectContaining({ name: expect.any(String), major: expect.any(Number), minor: expect.any(Number) }));
  });
});

describe('the image\'s program on a simulated V100 (the bundled entrypoint, as the Dockerfile installs it)', () => {
  const entrypoint = path.join(__dirname, '../../containers/dist/kmeans/entrypoint');

  function optMl(hyperparameters: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-loader-'));
    fs.mkdirSync(path.join(root, 'input/config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'input/config/hyperparameters.json'), JSON.stringify(hyperparameters));
    fs.mkdirSync(path.join(root, 'input/data/train'), { recursive: true });
    const rows = Array.from({ length: 60 }, (_, i) => `${(i % 2) * 10 + (i % 7) / 10},${(i % 2) * 10 - (i % 5) / 10}`);
    fs.writeFileSync(path.join(root, 'input/data/train/train.csv'), rows.join('\n') + '\n');
    return root;
  }

  const simulated = { SAGEMAKER_NATIVE_TEST_CUDA_DEVICES: 'Tesla V100-SXM2-16GB@7.0', SAGEMAKER_NATIVE_TEST_CUDA_ARCHITECTURES: IMAGE_ARCHITECTURES };

  test('training falls back to the CPU kernels and says why in one line', () => {
    const root = optMl({ k: '2', feature_dim: '2' });
    const result = spawnSync(entrypoint, ['train'], { encoding: 'utf8', env: { ...process.env, ...simulated, OPT_ML: root } });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('native kernels:'))).toEqual([
      expect.stringMatching(/^native kernels: CPU \([^)]+\): the CUDA kernels cannot run on GPU 0 \(Tesla V100-SXM2-16GB, compute capability 7\.0\)/),
    ]);
  });

  test('_compute_backend=cuda fails the job with a failure reason naming the capability', () => {
    const root = optMl({ k: '2', feature_dim: '2', _compute_backend: 'cuda' });
    const result = spawnSync(entrypoint, ['train'], { encoding: 'utf8', env: { ...process.env, ...simulated, OPT_ML: root } });
    expect(result.status).not.toBe(0);
    expect(fs.readFileSync(path.join(root, 'output/failure'), 'utf8')).toMatch(/compute capability 7\.0/);
  });
});
