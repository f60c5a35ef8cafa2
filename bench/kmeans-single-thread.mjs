// Our side of bench/kmeans-single-thread.sh: one assignment pass (what a Lloyd iteration costs but
// the k x d center update) on ONE thread of the shared pool (SM_NATIVE_THREADS=1), on every vector
// path this machine supports, in process CPU time. Prints one JSON line per path.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const native = require('../containers/native/build/Release/sagemaker_native.node');
const [dir, dText, repeatsText] = process.argv.slice(2);
const d = Number(dText), repeats = Number(repeatsText);
const read = (file) => new Float32Array(readFileSync(`${dir}/${file}`).buffer.slice(0));
const x = read('x.f32'), centers = read('centers.f32');
for (const path of native.cpuPaths.filter((p) => p !== 'baseline')) {
  native.setCpuPath(path);
  await native.kmeansAssignCpu(x, centers, d); // warm-up
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const began = process.cpuUsage();
    await native.kmeansAssignCpu(x, centers, d);
    const used = process.cpuUsage(began);
    times.push((used.user + used.system) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ path, cpu_seconds_median: times[Math.floor(times.length / 2)], cpu_seconds_min: times[0] }));
}
