/**
 * The in-process A/B of bench/native-ab.sh: both addons loaded side by side (each typed binding
 * loads the .node beside it), every measurement taken for both sides in alternating order each
 * round; the first two rounds are a warm-up. n = 200,000 rows, d = 64, as bench:kmeans and
 * bench:linear-learner use.
 */
import * as current from '../containers/native';
import { seededRandom } from '../containers/runtime/random';

type Native = typeof current;

async function main(): Promise<void> {
  const [oldDir, roundsText] = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sides: Record<'old' | 'new', Native> = { old: require(oldDir) as Native, new: current };
  const n = 200_000, d = 64, k = 64, rounds = Number(roundsText);
  const next = seededRandom(3);
  const x = Float32Array.from({ length: n * d }, () => next() * 2 - 1);
  const y = Float32Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1));
  const centers = x.slice(0, k * d);
  const kernels = {
    old: sides.old.loadKernels({ backend: 'cpu', log: () => undefined }),
    new: sides.new.loadKernels({ backend: 'cpu', log: () => undefined }),
  };
  const times = new Map<string, { old: number[]; new: number[] }>();
  const time = async (name: string, side: 'old' | 'new', run: () => Promise<unknown>) => {
    const began = process.hrtime.bigint();
    await run();
    if (!times.has(name)) times.set(name, { old: [], new: [] });
    times.get(name)![side].push(Number(process.hrtime.bigint() - began) / 1e6);
  };
  for (const models of [8, 32]) {
    const config = {
      loss: 'logistic' as const, optimizer: 'adam' as const, batchSize: 1000, l1: 0, wd: 0.0001, useBias: true,
      learningRates: Array.from({ length: models }, (_, m) => 0.001 * (m + 1)),
    };
    for (let round = 0; round < rounds + 2; round++) {
      for (const side of (round % 2 ? ['old', 'new'] : ['new', 'old']) as Array<'old' | 'new'>) {
        const trained = new sides[side].LinearModels(models, d, 1, kernels[side] as current.Kernels);
        await time(`Linear Learner epoch, ${models} models, mini-batch 1000`, side, () => trained.epoch(x, y, config));
        await time(`Linear Learner evaluation, ${models} models`, side, () => trained.evaluate(x, y, config));
        if (models === 8) await time(`K-Means assignment, k=${k} (one Lloyd iteration's pass)`, side, () => kernels[side].kmeansAssign(x, centers, d));
      }
    }
  }
  const stats = (values: number[]) => {
    const sorted = values.slice(2).sort((a, b) => a - b);
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
  };
  console.log(`\n${rounds} interleaved rounds after 2 of warm-up; n=${n}, d=${d}\n`);
  console.log('| measurement | old min ms | new min ms | old median ms | new median ms | new / old (min) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, both] of times) {
    const o = stats(both.old), c = stats(both.new);
    console.log(`| ${name} | ${o.min.toFixed(1)} | ${c.min.toFixed(1)} | ${o.median.toFixed(1)} | ${c.median.toFixed(1)} | ${(c.min / o.min).toFixed(2)} |`);
  }
}

void main();
