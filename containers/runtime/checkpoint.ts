/**
 * What training writes must survive being stopped: SageMaker sends SIGTERM (a spot interruption, a
 * StopTrainingJob, a max-runtime limit) and kills the process if it lingers, and disks fill up.
 * Models and checkpoints are therefore written whole or not at all, and a training loop polls a
 * stop flag between steps to save a checkpoint and exit; the next run resumes from it.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-checkpoints.html
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptMl } from './layout';

/**
 * Writes to `<file>.partial` and renames it over `file`, so a reader (SageMaker's upload, a
 * resumed run) never sees half a file. A failure (ENOSPC, EACCES, …) names the file and what it was.
 */
export function writeFileWhole(file: string, data: string | Uint8Array, what: string): void {
  const partial = `${file}.partial`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(partial, data);
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new Error(`could not write the ${what} to ${file}: ${(error as Error).message}`);
  }
}

/** Writes model/model.json whole. */
export function saveModel(layout: OptMl, model: object): void {
  writeFileWhole(path.join(layout.modelDir, 'model.json'), JSON.stringify(model), 'model');
}

/**
 * A checkpoint named for its algorithm, tagged with the configuration it belongs to: a checkpoint
 * of another configuration (other hyperparameters or data shape, e.g. a reused checkpoint URI) is
 * ignored with a log line rather than resumed into the wrong model.
 */
export class Checkpoints<State> {
  private readonly file: string;

  constructor(layout: OptMl, name: string, private readonly configuration: unknown) {
    this.file = path.join(layout.checkpointDir, `${name}-checkpoint.json`);
  }

  public load(): State | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { configuration: unknown; state: State };
    if (JSON.stringify(saved.configuration) !== JSON.stringify(this.configuration)) {
      console.log(`ignoring ${this.file}: it was saved for another configuration`);
      return undefined;
    }
    return saved.state;
  }

  public save(state: State): void {
    writeFileWhole(this.file, JSON.stringify({ configuration: this.configuration, state }), 'checkpoint');
  }
}

/**
 * Listens for SIGTERM while a training loop runs: `requested` turns true, and the loop saves a
 * checkpoint and returns at its next step. Outside `watch`, SIGTERM keeps its default (exit at once:
 * there is nothing worth saving while data loads or after the model is written).
 */
export async function watchForStop<T>(loop: (stop: { readonly requested: boolean }) => Promise<T>): Promise<T> {
  const stop = { requested: false };
  const onTerm = () => { stop.requested = true; };
  process.on('SIGTERM', onTerm);
  try {
    return await loop(stop);
  } finally {
    process.removeListener('SIGTERM', onTerm);
  }
}
