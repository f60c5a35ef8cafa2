/**
 * Reads the model file a training job wrote (model/model.json), refusing at serve start one this
 * image cannot serve: another algorithm's (a K-Means model given to the Linear Learner image), or
 * a newer format than this image reads. Models from before format versions were recorded are
 * version 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptMl } from './layout';

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export function readModelFile<T>(layout: OptMl, algorithm: string, format: number): T {
  const file = path.join(layout.modelDir, 'model.json');
  if (!fs.existsSync(file)) throw new ModelFileError(`no model file at ${file}: the model artifact must come from a ${algorithm} training job`);
  let model: { algorithm?: unknown; format_version?: unknown };
  try {
    model = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ModelFileError(`${file} is not a ${algorithm} model (not JSON: ${(error as Error).message})`);
  }
  if (model?.algorithm !== algorithm) {
    throw new ModelFileError(`${file} is a ${JSON.stringify(model?.algorithm ?? 'unknown')} model, and this is the ${algorithm} image: serve it with the image that trained it`);
  }
  const version = model.format_version ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version > format) {
    throw new ModelFileError(`${file} has model format version ${JSON.stringify(version)}; this ${algorithm} image reads up to ${format}: serve it with the image that trained it or a newer one`);
  }
  return model as T;
}
