/**
 * Our side of the K-Means benchmark: one Lloyd iteration (the fused assignment + the centers
 * update from its sums and counts) and a final assignment, and one iteration alone, with the
 * native CPU kernel, on the data the peer wrote.
 */
import * as fs from 'node:fs';
import { readFloat32, readFloat64, readRows } from './float-files';
import { loadKernels } from '../containers/native';

async function main(): Promise<void> {
  const [dir, dText, repeatsText] = process.argv.slice(2);
  const d = Number(dText), repeats = Number(repeatsText);
  const read = (file: string) => readFloat32(`${dir}/${file}`);
  // The rows as training holds a channel's (allocateRows).
  const x = readRows(`${dir}/x.f32`);
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
  // One Lloyd iteration alone, as the training loop runs it.
  const iterationTimes: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const began = process.hrtime.bigint();
    await iterate(start);
    iterationTimes.push(Number(process.hrtime.bigint() - began) / 1e9);
  }
  let centers = start;
  for (let i = 0; i < 10; i++) centers = await iterate(centers);
  const peer = readFloat64(`${dir}/sklearn_centers10.f64`);
  let maxDiff = 0;
  for (let i = 0; i < peer.length; i++) maxDiff = Math.max(maxDiff, Math.abs(peer[i] - centers[i]));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(JSON.stringify({
    // KiB of this process on transparent huge pages (its rows are allocated as training allocates a channel's: allocateRows).
    huge_pages_kib: Number(/AnonHugePages:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0),
    kernels: kernels.description, seconds_per_fit1: median(times), seconds_per_iteration: median(iterationTimes),
    seconds_per_iteration_min: Math.min(...iterationTimes), max_center_difference_after_10: maxDiff,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
