/**
 * The shared `entrypoint train|serve` of every image: `train` runs the algorithm's training under
 * runTraining (failure file, exit code); `serve` loads its predictor and serves it on every core
 * on $SAGEMAKER_BIND_TO_PORT (default 8080).
 */
import { OptMl } from './layout';
import { createServer, Predictor, serveOnAllCores } from './serving';
import { runTraining } from './training';

export interface AlgorithmProgram {
  /** For log lines, e.g. `K-Means`. */
  readonly name: string;
  readonly train: (layout: OptMl) => Promise<void>;
  readonly loadPredictor: (layout: OptMl) => Predictor;
  /** What a request without a specific Accept gets. @default 'application/json' */
  readonly defaultAccept?: string;
}

export async function runEntrypoint(program: AlgorithmProgram, command: string | undefined): Promise<void> {
  if (command === 'train') {
    process.exitCode = await runTraining(program.train);
    return;
  }
  if (command === 'serve') {
    // Load once before any worker starts: a model this image cannot serve (another algorithm's, a
    // newer format) ends the container with the reason, rather than answering /ping and then 500s.
    try {
      program.loadPredictor(new OptMl());
    } catch (error) {
      console.error(`${program.name} cannot serve this model: ${(error as Error).message}`);
      process.exitCode = 1;
      return;
    }
    serveOnAllCores(() => createServer(program.loadPredictor(new OptMl()), program.defaultAccept), Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080), program.name);
    return;
  }
  console.error('usage: entrypoint train|serve');
  process.exitCode = 2;
}
