/**
 * Our side of the Linear Learner benchmark: one epoch of several models (logistic loss, Adam, L2)
 * with the native kernel, on the data the peer wrote, and the largest weight difference from it.
 */
import { readFloat32, readFloat64 } from './float-files';
import { LinearModels } from '../containers/native';

async function main(): Promise<void> {
  const [dir, dText, modelsText, batchText, repeatsText] = process.argv.slice(2);
  const d = Number(dText), models = Number(modelsText), batchSize = Number(batchText), repeats = Number(repeatsText);
  const read = (file: string) => readFloat32(`${dir}/${file}`);
  const x = read('x.f32'), y = read('y.f32');
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
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ seconds_per_epoch: times[Math.floor(times.length / 2)], max_weight_difference: maxDiff, mean_loss_model0: last.losses[0] }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
