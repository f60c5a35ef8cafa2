/**
 * Our side of the Linear Learner benchmark: one epoch of several models (logistic loss, Adam, L2)
 * with the native kernel, on the data the peer wrote, and the largest weight difference from it;
 * then every model's metrics over all rows.
 */
import * as fs from 'node:fs';
import { readFloat32, readFloat64, readRows } from './float-files';
import { evaluate as evaluateScores, metricsFromSums } from '../containers/linear-learner/metrics';
import { LinearModels, linearSumsWidth } from '../containers/native';

async function main(): Promise<void> {
  const [dir, dText, modelsText, batchText, repeatsText] = process.argv.slice(2);
  const d = Number(dText), models = Number(modelsText), batchSize = Number(batchText), repeats = Number(repeatsText);
  const read = (file: string) => readFloat32(`${dir}/${file}`);
  // The rows as training holds a channel's (allocateRows); the labels are small.
  const x = readRows(`${dir}/x.f32`), y = read('y.f32');
  // The same settings as the peer's: rates 0.001, 0.002, ..., weight decay 1e-4, no L1.
  const config = {
    loss: 'logistic' as const, optimizer: 'adam' as const, batchSize, l1: 0, wd: 0.0001, useBias: true,
    learningRates: Array.from({ length: models }, (_, m) => 0.001 * (m + 1)),
  };
  const epoch = async () => {
    const trained = new LinearModels(models, d);
    const losses = await trained.epoch(x, y, config);
    return { trained, losses };
  };
  await epoch(); // warm-up
  const times: number[] = [];
  let last = await epoch();
  for (let r = 0; r < repeats; r++) {
    const began = process.hrtime.bigint();
    last = await epoch();
    times.push(Number(process.hrtime.bigint() - began) / 1e9);
  }
  const peer = readFloat64(`${dir}/numpy_weights.f64`);
  let maxDiff = 0;
  for (let i = 0; i < peer.length; i++) maxDiff = Math.max(maxDiff, Math.abs(peer[i] - last.trained.weights[i]));
  // Every model's metrics over all rows after the epoch: the native kernel's one pass, and (for the
  // record) what training did before it, each model's scores from linearScores summed in JavaScript.
  const width = linearSumsWidth(config.loss);
  const evaluate = async () => {
    const sums = await last.trained.evaluate(x, y, config);
    return Array.from({ length: models }, (_, m) => metricsFromSums(sums.subarray(m * width, (m + 1) * width), y.length, 'binary_classifier', 'logistic'));
  };
  const perModelScores = async () => Array.from({ length: models }, (_, m) => evaluateScores(last.trained.scores(x, m), y, 'binary_classifier', 'logistic'));
  const evaluated = await evaluate();
  const before = await perModelScores();
  const evaluationTimes = await timed(evaluate, repeats), beforeTimes = await timed(perModelScores, Math.min(repeats, 3));
  console.log(JSON.stringify({
    // KiB of this process on transparent huge pages (its rows are allocated as training allocates a channel's: allocateRows).
    huge_pages_kib: Number(/AnonHugePages:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0),
    seconds_per_epoch: median(times), seconds_per_epoch_min: Math.min(...times), max_weight_difference: maxDiff, mean_loss_model0: last.losses[0],
    seconds_per_evaluation: median(evaluationTimes), seconds_per_evaluation_before: median(beforeTimes),
    objective_loss_model0: evaluated[0].objective_loss, objective_difference_from_float64: Math.abs(evaluated[0].objective_loss - before[0].objective_loss),
  }));
}

async function timed(run: () => Promise<unknown>, repeats: number): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const began = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - began) / 1e9);
  }
  return times;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
