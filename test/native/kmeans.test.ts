import { KMeansAssignment, loadKernels, nativeBinding } from '../../containers/native';

/** Fresh random data each run; rows drawn around `clusters` random centers so assignments are meaningful. */
function randomProblem(n: number, d: number, k: number): { x: Float32Array; centers: Float32Array } {
  const centers = Float32Array.from({ length: k * d }, () => (Math.random() - 0.5) * 20);
  const x = new Float32Array(n * d);
  for (let row = 0; row < n; row++) {
    const c = Math.floor(Math.random() * k);
    for (let j = 0; j < d; j++) x[row * d + j] = centers[c * d + j] + (Math.random() - 0.5) * 4;
  }
  return { x, centers };
}

/** The float64 reference: exact distances, argmin, sums and counts. */
function reference(x: Float32Array, centers: Float32Array, d: number) {
  const n = x.length / d, k = centers.length / d;
  const labels = new Int32Array(n), distances = new Float64Array(n), gaps = new Float64Array(n);
  const sums = new Float64Array(k * d), counts = new Float64Array(k);
  let inertia = 0;
  for (let row = 0; row < n; row++) {
    let best = Infinity, second = Infinity, bestCenter = 0;
    for (let c = 0; c < k; c++) {
      let distance = 0;
      for (let j = 0; j < d; j++) {
        const diff = x[row * d + j] - centers[c * d + j];
        distance += diff * diff;
      }
      if (distance < best) {
        second = best;
        best = distance;
        bestCenter = c;
      } else if (distance < second) {
        second = distance;
      }
    }
    labels[row] = bestCenter;
    distances[row] = best;
    gaps[row] = second - best;
    inertia += best;
    counts[bestCenter] += 1;
    for (let j = 0; j < d; j++) sums[bestCenter * d + j] += x[row * d + j];
  }
  return { labels, distances, gaps, sums, counts, inertia };
}

/**
 * Tolerances: float32 distances through ||x||^2 - 2x.c + ||c||^2 lose about 1e-6 of ||x||^2;
 * labels must agree wherever the reference's best and second-best differ by more than that.
 */
function expectMatchesReference(result: KMeansAssignment, x: Float32Array, centers: Float32Array, d: number, tf32 = false): void {
  const ref = reference(x, centers, d);
  const n = ref.labels.length;
  let scale = 0;
  for (const value of x) scale = Math.max(scale, Math.abs(value));
  const tolerance = 1e-5 * scale * scale * d + 1e-6;
  // TF32 products (10-bit mantissas, both factors rounded) move a score by up to about 2e-3 of
  // sum |x_j c_j|: the labels are only held to rows whose best and second differ by more. The
  // distance of the chosen center is float32 either way.
  const labelTolerance = tf32 ? 4e-3 * scale * scale * d : tolerance;
  let mismatches = 0;
  for (let row = 0; row < n; row++) {
    if (ref.gaps[row] > 2 * labelTolerance && result.labels[row] !== ref.labels[row]) mismatches++;
    const own = result.labels[row] === ref.labels[row] ? ref.distances[row] : ownDistance(x, centers, d, row, result.labels[row]);
    if (!(Math.abs(result.distances[row] - own) <= tolerance)) expect({ row, distance: result.distances[row] }).toEqual({ row, distance: own });
  }
  expect(mismatches).toBe(0);
  // Sums and counts follow the result's own labels exactly (float64 accumulation).
  const own = new Float64Array(centers.length), ownCounts = new Float64Array(centers.length / d);
  for (let row = 0; row < n; row++) {
    ownCounts[result.labels[row]] += 1;
    for (let j = 0; j < d; j++) own[result.labels[row] * d + j] += x[row * d + j];
  }
  expect(Array.from(result.counts)).toEqual(Array.from(ownCounts));
  for (let i = 0; i < own.length; i++) expect(Math.abs(result.sums[i] - own[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(own[i])));
  expect(Math.abs(result.inertia - ref.inertia)).toBeLessThanOrEqual((tf32 ? labelTolerance : tolerance) * n);
}

function ownDistance(x: Float32Array, centers: Float32Array, d: number, row: number, center: number): number {
  let distance = 0;
  for (let j = 0; j < d; j++) distance += (x[row * d + j] - centers[center * d + j]) ** 2;
  return distance;
}

const SHAPES: Array<[string, number, number, number]> = [
  ['odd sizes', 1037, 13, 7],
  ['more centers than a tile, tails everywhere', 2049, 33, 45],
  ['n smaller than k', 3, 5, 8],
  ['k = 1', 257, 9, 1],
  ['one feature', 500, 1, 4],
  ['a single row', 1, 64, 3],
];

describe('native K-Means assignment (CPU)', () => {
  const native = nativeBinding();

  test.each(SHAPES)('%s (n=%i, d=%i, k=%i) matches the float64 reference', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCpu(x, centers, d), x, centers, d);
  });

  test('a large assignment runs off the event loop', async () => {
    const { x, centers } = randomProblem(400_000, 32, 64);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = native.kmeansAssignCpu(x, centers, 32);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ticksWhileRunning = ticks;
    await started;
    clearInterval(timer);
    expect(ticksWhileRunning).toBeGreaterThan(0);
  });

  test('bad input is rejected before anything runs, with the kernel and the problem named', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(() => native.kmeansAssignCpu(x, new Float32Array([1, 2, 3, 4]), 4)).toThrow(/kmeansAssignCpu: x \(6 values\) and centers \(4 values\) must be whole rows of d = 4 features/);
    expect(() => native.kmeansAssignCpu(x, new Float32Array(0), 2)).toThrow(/with at least one center/);
    expect(() => native.kmeansAssignCpu(x, new Float32Array([1, 2]), 0)).toThrow(/d must be a whole number of at least 1/);
    expect(() => native.kmeansAssignCpu(new Float64Array(4) as any, new Float32Array(2), 2)).toThrow(/must be Float32Arrays/);
  });

  test('values that are not finite are found off the event loop, and named', async () => {
    await expect(native.kmeansAssignCpu(new Float32Array([1, NaN]), new Float32Array([0, 0]), 2)).rejects.toThrow(/^kmeansAssignCpu: x\[1\] is not finite$/);
    await expect(native.kmeansAssignCpu(new Float32Array([1, 2]), new Float32Array([0, Infinity]), 2)).rejects.toThrow(/^kmeansAssignCpu: centers\[1\] is not finite$/);
    // Past the first of the pool's slices of the rows: the scan is split between threads.
    const { x, centers } = randomProblem(300_000, 4, 3);
    x[1_000_003] = -Infinity;
    await expect(native.kmeansAssignCpu(x, centers, 4)).rejects.toThrow(/^kmeansAssignCpu: x\[1000003\] is not finite$/);
  });

  test('the kernels share one pool of threads: calls start none', async () => {
    const { x, centers } = randomProblem(20_000, 8, 5);
    await native.kmeansAssignCpu(x, centers, 8);
    const started = native.poolThreadsStarted();
    expect(started).toBeLessThan(Math.max(2, require('node:os').availableParallelism()));
    await Promise.all([1, 2, 3, 4].map(() => native.kmeansAssignCpu(x, centers, 8)));
    expect(native.poolThreadsStarted()).toBe(started);
  });
});

// Every vector path this machine supports (the x86-64 baseline, AVX2, AVX-512), forced in turn,
// against the float64 reference; shapes with tails of the 16-lane center blocks and 8-row groups.
describe.each(nativeBinding().cpuPaths)('native K-Means assignment on the CPU\'s %s path', (path) => {
  const native = nativeBinding();
  beforeAll(() => native.setCpuPath(path as 'baseline' | 'avx2' | 'avx512'));
  afterAll(() => native.setCpuPath('auto'));

  test.each([...SHAPES, ['17 centers, rows not a multiple of 8', 1003, 21, 17], ['many centers (k = 100: sixteen-lane blocks on AVX-512), d = 70', 801, 70, 100], ['k = 65, the first with sixteen-lane blocks', 517, 19, 65]] as Array<[string, number, number, number]>)(
    '%s (n=%i, d=%i, k=%i) matches the float64 reference', async (_name, n, d, k) => {
      const { x, centers } = randomProblem(n, d, k);
      expectMatchesReference(await native.kmeansAssignCpu(x, centers, d), x, centers, d);
    });
});

describe('forcing a CPU path', () => {
  const native = nativeBinding();
  afterAll(() => native.setCpuPath('auto'));

  test('names the path now in use, and refuses an unknown or unsupported one', () => {
    expect(native.cpuPaths[0]).toBe('baseline');
    expect(native.setCpuPath('baseline')).toBe('x86-64 baseline');
    expect(native.setCpuPath('auto')).toBe(native.cpuFeatures);
    expect(() => native.setCpuPath('avx1024' as any)).toThrow(/^setCpuPath: cpu path 'avx1024': use auto, baseline, avx2 or avx512$/);
    for (const path of ['avx2', 'avx512'] as const) {
      if (!native.cpuPaths.includes(path)) expect(() => native.setCpuPath(path)).toThrow(/does not support it/);
    }
  });
});

// Shapes that reach each branch of the GPU kernels: the resident kernel's warp-private sums
// (k x d <= 1,024) and its global atomics, its vector row loads (whole chunks of 32) and scalar
// tails; the tiled kernels' partial slabs, partial row blocks and second sweep.
const GPU_SHAPES: Array<[string, number, number, number]> = [
  ...SHAPES,
  ['whole vector chunks (d = 64)', 777, 64, 5],
  ['one whole vector chunk (d = 32)', 1500, 32, 10],
  ['a partial vector chunk (d = 8)', 3001, 8, 3],
  ['k x d above the warp-private sums', 700, 40, 30],
  ['more centers than a tiled sweep', 300, 37, 130],
];

// The resident kernel keeps the block's sums in its threads' registers when they fit: warp w owns
// centers w, w + 8, ..., each lane 8 float64 sums, ceil(k / 8) centers times ceil(d / 32) chunks
// of features rounded up to a power of two. These reach that path's corners: each limit, a partial
// last chunk, warps owning different numbers of centers, fewer rows than a warp, tails.
const fitsRegisters = (k: number, d: number) => {
  let chunks = 1;
  while (chunks < Math.ceil(d / 32)) chunks *= 2;
  return chunks <= 8 && Math.ceil(k / 8) * chunks <= 8;
};
const REGISTER_SHAPES: Array<[string, number, number, number]> = [
  ['the profile\'s shape (d = 32, k = 16)', 3001, 32, 16],
  ['at the limit in centers (d = 32, k = 64)', 2500, 32, 64],
  ['at the limit in features (d = 256, k = 8)', 700, 256, 8],
  ['three chunks, the last partial (d = 70, k = 16)', 1500, 70, 16],
  ['warps owning one or two centers (d = 40, k = 13)', 1037, 40, 13],
  ['fewer rows than a warp', 19, 9, 3],
  ['odd sizes', 1037, 13, 7],
  ['one feature', 500, 1, 4],
];

// Shapes for the TF32 kernels' tiles (16 rows x 8 centers x 8 features for mma.sync): centers
// and features that are not whole tiles or slabs, a second sweep, and many blocks.
const TF32_SHAPES: Array<[string, number, number, number]> = [
  ['k and d not whole tiles (k = 21, d = 13)', 700, 13, 21],
  ['a second sweep starting one center in (k = 129, d = 48)', 600, 48, 129],
  ['many blocks, two sweeps (n = 5,003, d = 40, k = 200)', 5003, 40, 200],
];

/**
 * Centers in runs of `stride` originals followed by their `stride` copies (k = 2 x stride x runs):
 * every row's best score is tied between an original c and its copy c + stride. The stride picks
 * where the tie is decided: 1 within a thread, 2 and 4 between the lanes of an mma group, 64
 * between warps, 70 across sweeps of 128 centers.
 */
function tiedProblem(n: number, d: number, stride: number, runs: number): { x: Float32Array; centers: Float32Array } {
  const { x, centers: originals } = randomProblem(n, d, stride * runs);
  const centers = new Float32Array(2 * stride * runs * d);
  for (let run = 0; run < runs; run++) {
    const block = originals.subarray(run * stride * d, (run + 1) * stride * d);
    centers.set(block, 2 * run * stride * d);
    centers.set(block, (2 * run + 1) * stride * d);
  }
  return { x, centers };
}

/** Ties go to the lowest center, as on the CPU: no row may take a copy. */
function expectLowestOnTies(result: KMeansAssignment, stride: number): void {
  let copies = 0;
  for (const label of result.labels) if (label % (2 * stride) >= stride) copies++;
  expect(copies).toBe(0);
}

describe('the CUDA kernels\' code, run block by block on the CPU', () => {
  const native = nativeBinding();

  test.each(REGISTER_SHAPES)('resident kernel, sums in registers: %s (n=%i, d=%i, k=%i) matches the float64 reference', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'resident-registers', 3), x, centers, d);
  });

  test('resident kernel, sums in registers, over many blocks (n=120,001, d=32, k=16) matches the float64 reference', async () => {
    const { x, centers } = randomProblem(120_001, 32, 16);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, 32, 'resident-registers', 40), x, centers, 32);
  });

  test.each(GPU_SHAPES)('resident kernel, sums in shared or global memory: %s (n=%i, d=%i, k=%i) matches the float64 reference', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'resident-shared', 3), x, centers, d);
  });

  test('centers too many for the register sums are refused by that path, with a reason; by shape they take the other', async () => {
    expect([fitsRegisters(64, 32), fitsRegisters(65, 32), fitsRegisters(16, 128), fitsRegisters(17, 128), fitsRegisters(1, 257)])
      .toEqual([true, false, true, false, false]);
    await expect(native.kmeansAssignCudaHarness(new Float32Array(128 * 17), new Float32Array(128 * 17), 128, 'resident-registers', 1))
      .rejects.toThrow(/k = 17 centers of d = 128 features need more than the resident kernel's 8 register sums per lane/);
    const { x, centers } = randomProblem(900, 128, 17);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, 128, 'resident', 2), x, centers, 128);
  });

  test.each(TF32_SHAPES)('TF32 kernel (mma.sync): %s matches the float64 reference within TF32\'s error', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'tf32', 1), x, centers, d, true);
  });

  test.each(GPU_SHAPES)('TF32 kernel (WMMA): %s (n=%i, d=%i, k=%i) matches the float64 reference within TF32\'s error', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'tf32-wmma', 1), x, centers, d, true);
  });

  // Repeated centers tie exactly (the same products in the same order): the lower index must win
  // across a thread's centers, a group's lanes, a warp's halves and sweeps.
  test.each([
    ...(['resident-registers', 'resident-shared'] as const).flatMap((kernel) => [[kernel, 1, 8, 32], [kernel, 8, 1, 32]] as const),
    ['resident-shared', 24, 1, 40],
    ...(['tiled', 'tf32', 'tf32-wmma'] as const).flatMap((kernel) => [[kernel, 1, 40, 24], [kernel, 2, 20, 24], [kernel, 4, 10, 24], [kernel, 64, 1, 24], [kernel, 70, 1, 24]] as const),
  ] as const)('%s kernel: ties between centers %i apart (%i runs; d=%i) go to the lowest center', async (kernel, stride, runs, d) => {
    const { x, centers } = tiedProblem(1500, d, stride, runs);
    const result = await native.kmeansAssignCudaHarness(x, centers, d, kernel, 3);
    expectLowestOnTies(result, stride);
    expectMatchesReference(result, x, centers, d, kernel.startsWith('tf32'));
  });

  test.each(GPU_SHAPES)('resident kernel: %s (n=%i, d=%i, k=%i) matches the float64 reference', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    // Three blocks, so larger inputs walk the persistent grid more than once.
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'resident', 3), x, centers, d);
  });

  test.each(GPU_SHAPES)('tiled kernel: %s (n=%i, d=%i, k=%i) matches the float64 reference', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'tiled', 1), x, centers, d);
  });

  test.each(GPU_SHAPES)('TF32 kernel (mma.sync): %s (n=%i, d=%i, k=%i) matches the float64 reference within TF32\'s error', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await native.kmeansAssignCudaHarness(x, centers, d, 'tf32', 1), x, centers, d, true);
  });

  test('rows too wide for the TF32 kernel\'s resident tile are refused by it, with a reason', async () => {
    expect(native.kmeansTf32MaxFeatures).toBe(368);
    await expect(native.kmeansAssignCudaHarness(new Float32Array(369), new Float32Array(369), 369, 'tf32', 1))
      .rejects.toThrow(/d = 369 is too wide for the rows to stay in shared memory \(at most 368 features\)/);
  });

  test('centers too large to stay resident are refused by that kernel, with a reason', async () => {
    await expect(native.kmeansAssignCudaHarness(new Float32Array(12289), new Float32Array(12289), 12289, 'resident', 1))
      .rejects.toThrow(/too large for the resident kernel/);
    expect(() => native.kmeansAssignCudaHarness(new Float32Array(4), new Float32Array(4), 2, 'wmma' as any, 1))
      .toThrow(/'resident' \| 'resident-registers' \| 'resident-shared' \| 'tiled' \| 'tf32' \| 'tf32-wmma'/);
  });
});

describe('the loader', () => {
  test('picks CPU here (no CUDA device), says so once, and wraps errors with the kernel\'s name', async () => {
    const messages: string[] = [];
    const kernels = loadKernels({ backend: 'cpu', log: (m) => messages.push(m) });
    expect(kernels.backend).toBe('cpu');
    expect(messages).toEqual([expect.stringMatching(/^native kernels: CPU \((avx512|avx2\+fma|x86-64 baseline)\) \(forced: cpu\)$/)]);
    const { x, centers } = randomProblem(100, 3, 2);
    expectMatchesReference(await kernels.kmeansAssign(x, centers, 3), x, centers, 3);
    const failure = kernels.kmeansAssign(x, centers, 7);
    await expect(failure).rejects.toThrow(/^kmeansAssign \(CPU\) failed: kmeansAssignCpu: x \(300 values\)/);
    await failure.catch((error: Error) => expect(error.stack).toContain('kmeans.test.ts'));
  });

  test('forcing CUDA without a usable device, or an unknown backend, is a clear error', () => {
    const native = nativeBinding();
    const devices = native.cudaCompiled && native.cudaDeviceCount ? native.cudaDeviceCount() : 0;
    if (devices === 0) {
      expect(() => loadKernels({ backend: 'cuda', log: () => undefined })).toThrow(/The cuda backend was asked for/);
      expect(() => loadKernels({ backend: 'cuda-tf32', log: () => undefined })).toThrow(/The cuda-tf32 backend was asked for/);
    }
    expect(() => loadKernels({ backend: 'tpu' as any, log: () => undefined })).toThrow(/Unknown compute backend "tpu"/);
  });
});

const cudaDevices = (() => {
  const native = nativeBinding();
  return native.cudaCompiled && native.cudaDeviceCount ? native.cudaDeviceCount() : 0;
})();
const onGpu = cudaDevices > 0 ? describe : describe.skip;

onGpu(`native K-Means assignment on the GPU (${cudaDevices > 0 ? `${cudaDevices} device(s)` : 'skipped: no CUDA device here'})`, () => {
  test.each(GPU_SHAPES)('%s (n=%i, d=%i, k=%i), kernel chosen by shape, matches the float64 reference', async (_name, n, d, k) => {
    const { x, centers } = randomProblem(n, d, k);
    expectMatchesReference(await nativeBinding().kmeansAssignCuda!(x, centers, d), x, centers, d);
  });

  const KERNELS = ['resident', 'resident-registers', 'resident-shared', 'tiled', 'tf32', 'tf32-wmma'] as const;
  test.each([...GPU_SHAPES, ...REGISTER_SHAPES, ...TF32_SHAPES]
    .flatMap(([name, n, d, k]) => KERNELS.map((kernel) => [kernel, name, n, d, k] as const))
    .filter(([kernel, , , d, k]) => kernel !== 'resident-registers' || fitsRegisters(k, d))
    .filter(([kernel, , , d, k]) => !kernel.startsWith('resident') || Math.ceil(k / 16) * 16 * Math.ceil(d / 32) * 32 <= 12_288))(
    '%s kernel: %s (n=%i, d=%i, k=%i) matches the float64 reference', async (kernel, _name, n, d, k) => {
      const { x, centers } = randomProblem(n, d, k);
      expectMatchesReference(await nativeBinding().kmeansAssignCuda!(x, centers, d, kernel), x, centers, d, kernel.startsWith('tf32'));
    });

  test.each([
    ['resident', 120_001, 32, 16], ['resident-registers', 120_001, 32, 16], ['resident-shared', 120_001, 32, 16],
    ['tiled', 40_003, 128, 300], ['tf32', 40_003, 128, 300], ['tf32-wmma', 40_003, 128, 300],
  ] as const)(
    '%s kernel over many blocks (n=%i, d=%i, k=%i) matches the float64 reference', async (kernel, n, d, k) => {
      const { x, centers } = randomProblem(n, d, k);
      expectMatchesReference(await nativeBinding().kmeansAssignCuda!(x, centers, d, kernel), x, centers, d, kernel.startsWith('tf32'));
    });

  test.each([
    ...(['resident-registers', 'resident-shared'] as const).flatMap((kernel) => [[kernel, 1, 8, 32], [kernel, 8, 1, 32]] as const),
    ...(['tiled', 'tf32', 'tf32-wmma'] as const).flatMap((kernel) => [[kernel, 1, 40, 24], [kernel, 2, 20, 24], [kernel, 4, 10, 24], [kernel, 64, 1, 24], [kernel, 70, 1, 24]] as const),
  ] as const)('%s kernel: ties between centers %i apart (%i runs; d=%i) go to the lowest center', async (kernel, stride, runs, d) => {
    const { x, centers } = tiedProblem(20_000, d, stride, runs);
    expectLowestOnTies(await nativeBinding().kmeansAssignCuda!(x, centers, d, kernel), stride);
  });

  test('the resident kernel gives the same labels, counts and sums with its sums in registers and in shared memory', async () => {
    const { x, centers } = randomProblem(200_003, 32, 16);
    const [registers, shared] = await Promise.all([
      nativeBinding().kmeansAssignCuda!(x, centers, 32, 'resident-registers'), nativeBinding().kmeansAssignCuda!(x, centers, 32, 'resident-shared'),
    ]);
    expect(Array.from(registers.labels)).toEqual(Array.from(shared.labels));
    expect(Array.from(registers.counts)).toEqual(Array.from(shared.counts));
    for (let i = 0; i < registers.sums.length; i++) expect(Math.abs(registers.sums[i] - shared.sums[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(shared.sums[i])));
  });

  test('the loader\'s cuda-tf32 backend uses the TF32 kernel for many centers and says so', async () => {
    const messages: string[] = [];
    const kernels = loadKernels({ backend: 'cuda-tf32', log: (m) => messages.push(m) });
    expect(messages[0]).toMatch(/CUDA \(\d+ devices?, TF32 products\) \(forced: cuda-tf32\)/);
    const { x, centers } = randomProblem(5_003, 40, 200);
    const [tf32, exact] = await Promise.all([kernels.kmeansAssign(x, centers, 40), nativeBinding().kmeansAssignCuda!(x, centers, 40, 'tf32')]);
    expect(Array.from(tf32.labels)).toEqual(Array.from(exact.labels));
    expectMatchesReference(tf32, x, centers, 40, true);
  });

  test('CPU and GPU give the same assignments on well-separated data', async () => {
    const { x, centers } = randomProblem(50_000, 24, 40);
    const [cpu, gpu] = await Promise.all([nativeBinding().kmeansAssignCpu(x, centers, 24), nativeBinding().kmeansAssignCuda!(x, centers, 24)]);
    expect(Array.from(gpu.labels)).toEqual(Array.from(cpu.labels));
    expect(Array.from(gpu.counts)).toEqual(Array.from(cpu.counts));
  });
});
