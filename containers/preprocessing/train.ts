/**
 * Standard scaling, fitted: each feature's mean and standard deviation over the train channel
 * (CSV or RecordIO; with label_size=1 a CSV's first column is a label and is skipped), written to
 * model.json.
 */
import * as fs from 'node:fs';
import { SCALER_HYPERPARAMETERS } from './hyperparameters';
import { readChannel } from '../runtime/channels';
import { saveModel } from '../runtime/checkpoint';
import { parseHyperparameters } from '../runtime/hyperparameters';
import { OptMl } from '../runtime/layout';

export interface ScalerModel {
  readonly algorithm: 'scaler';
  readonly feature_dim: number;
  readonly mean: number[];
  readonly scale: number[];
}

export async function trainScaler(layout: OptMl): Promise<void> {
  const raw = JSON.parse(fs.existsSync(layout.hyperparametersFile) ? fs.readFileSync(layout.hyperparametersFile, 'utf8') : '{}');
  const hp = parseHyperparameters(SCALER_HYPERPARAMETERS, raw);
  const d = hp.feature_dim;
  const data = readChannel(layout, 'train', d, hp.label_size === 1);
  const mean = new Array<number>(d).fill(0), variance = new Array<number>(d).fill(0);
  for (let row = 0; row < data.rows; row++) for (let j = 0; j < d; j++) mean[j] += data.x[row * d + j] / data.rows;
  for (let row = 0; row < data.rows; row++) for (let j = 0; j < d; j++) variance[j] += (data.x[row * d + j] - mean[j]) ** 2 / data.rows;
  const model: ScalerModel = {
    algorithm: 'scaler',
    feature_dim: d,
    mean: hp.with_mean ? mean : mean.map(() => 0),
    scale: hp.with_std ? variance.map((v) => Math.sqrt(v) || 1) : variance.map(() => 1),
  };
  saveModel(layout, model);
  console.log(`fitted a standard scaler on ${data.rows} rows of ${d} features`);
}
