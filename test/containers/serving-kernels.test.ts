import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKMeansPredictor } from '../../containers/kmeans/serve';
import { OptMl } from '../../containers/runtime/layout';
import { servingKernels } from '../../containers/runtime/serving-kernels';

/** A K-Means model of two clusters in two dimensions. */
function kmeansModel(): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-serving-kernels-')));
  fs.mkdirSync(layout.modelDir, { recursive: true });
  fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify({ algorithm: 'kmeans', format_version: 1, feature_dim: 2, k: 2, centers: [[0, 0], [10, 10]] }));
  return layout;
}

async function clusters(predictor: ReturnType<typeof loadKMeansPredictor>, rows: number[][]): Promise<number[]> {
  const answer = await predictor.invoke(Buffer.from(rows.map((r) => r.join(',')).join('\n')), 'text/csv', 'application/json');
  return JSON.parse(answer.body as string).predictions.map((p: { closest_cluster: number }) => p.closest_cluster);
}

describe('request-time inference runs on the CPU kernels', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  test('by default every request is served by the CPU kernels, even where a GPU is present, and CUDA is never loaded', async () => {
    // GIVEN a (simulated) GPU the CUDA kernels could run on, and no threshold
    process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES = 'H100@9.0';
    delete process.env.SAGEMAKER_SERVING_GPU_MIN_WORK;
    const log: string[] = [];
    // WHEN a worker serves a small and a large request
    const predictor = loadKMeansPredictor(kmeansModel(), servingKernels({ log: (line) => log.push(line) }));
    expect(await clusters(predictor, [[1, 1], [9, 9]])).toEqual([0, 1]);
    const large = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? [9, 11] : [-1, 1]));
    expect((await clusters(predictor, large)).slice(0, 4)).toEqual([0, 1, 0, 1]);
    // THEN only the CPU kernels were loaded: one log line, no CUDA
    expect(log).toEqual([expect.stringMatching(/^native kernels: CPU \(.*\) \(forced: cpu\) for requests$/)]);
  });

  test('with SAGEMAKER_SERVING_GPU_MIN_WORK, the GPU kernels are loaded on the first request of that much work, not before', async () => {
    // GIVEN a threshold of 1,000 multiply-adds (records × clusters × features), no usable GPU here
    delete process.env.SAGEMAKER_NATIVE_TEST_CUDA_DEVICES;
    process.env.SAGEMAKER_SERVING_GPU_MIN_WORK = '1000';
    const log: string[] = [];
    const predictor = loadKMeansPredictor(kmeansModel(), servingKernels({ log: (line) => log.push(line) }));
    // WHEN a small request (2 × 2 × 2 = 8) is served
    expect(await clusters(predictor, [[1, 1], [9, 9]])).toEqual([0, 1]);
    // THEN only the CPU kernels are loaded
    expect(log).toEqual([expect.stringMatching(/^native kernels: CPU .* for requests under 1000 multiply-adds$/)]);
    // WHEN a request of 300 × 2 × 2 = 1,200 arrives
    expect((await clusters(predictor, Array.from({ length: 300 }, () => [10, 9]))).every((c) => c === 1)).toBe(true);
    // THEN the large-request kernels are chosen then (here the CPU again: no device), once
    await clusters(predictor, Array.from({ length: 300 }, () => [0, 1]));
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/^native kernels: CPU .* for requests of 1000 multiply-adds or more$/);
  });

  test('a threshold that is not a number is refused, naming the variable and what it takes', () => {
    process.env.SAGEMAKER_SERVING_GPU_MIN_WORK = 'lots';
    expect(() => servingKernels({ log: () => undefined })).toThrow('SAGEMAKER_SERVING_GPU_MIN_WORK is "lots": use a number of multiply-adds (records × clusters × features) ≥ 0, or leave it unset to serve on the CPU only');
  });
});
