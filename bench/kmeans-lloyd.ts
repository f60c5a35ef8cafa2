/**
 * Our side of the K-Means benchmark: one Lloyd iteration (the fused assignment + the centers
 * update from its sums and counts) and a final assignment, with the native CPU kernel, on the
 * data the peer wrote.
 */
import * as fs from 'node:fs';
import { loadKernels } from '../containers/native';

async function main(): Promise<void> {
  const [dir, dText, repeatsText] = process.argv.slice(2);
  const d = Number(dText), repeats = Number(repeatsText);
  const read = (file: string) => new Float32Array(fs.readFileSync(`${dir}/${file}`).buffer.slice(0));
  const x = read('x.f32');
  const start = read('centers.f32');
  const kernels = loadKernels({ backend: 'cpu', log: () => undefined });

  const iterate = async (centers: Float32Array): Promise<Float32Array> => {
    const { sums, counts } = await kernels.kmeansAssign(x, centers, d);
    const next = new Float32Array(centers.length);
    for (let c = 0; c < counts.length; c++) {
      for (let j = 0; j < d; j++) {
        // An empty cluster keeps its center (scikit-learn relocates it; the benchmark's start has none).
        next[c * d + j] = counts[c] > 0 ? sums[c * d + j] / counts[c] : centers[c * d + j];
      }
    }
    return next;
  };

  // The peer's fit(max_iter=1): one Lloyd iteration, then the final assignment for the labels.
  const fit1 = async () => kernels.kmeansAssign(x, await iterate(start), d);
  await fit1(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const began = process.hrtime.bigint();
    await fit1();
    times.push(Number(process.hrtime.bigint() - began) / 1e9);
  }
  let centers = start;
  for (let i = 0; i < 10; i++) centers = await iterate(centers);
  const peer = new Float64Array(fs.readFileSync(`${dir}/sklearn_centers10.f64`).buffer.slice(0));
  let maxDiff = 0;
  for (let i = 0; i < peer.length; i++) maxDiff = Math.max(maxDiff, Math.abs(peer[i] - centers[i]));
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ kernels: kernels.description, seconds_per_fit1: times[Math.floor(times.length / 2)], max_center_difference_after_10: maxDiff }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
