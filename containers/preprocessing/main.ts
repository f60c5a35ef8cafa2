/**
 * The pre-processing image's entrypoint: `train` fits the scaler, `serve` applies it on
 * $SAGEMAKER_BIND_TO_PORT (default 8080; each container of a pipeline gets its own port).
 */
import { loadScalerPredictor } from './serve';
import { trainScaler } from './train';
import { OptMl } from '../runtime/layout';
import { createServer, serveOnAllCores } from '../runtime/serving';
import { runTraining } from '../runtime/training';

async function main(command: string | undefined): Promise<void> {
  if (command === 'train') {
    process.exitCode = await runTraining(trainScaler);
    return;
  }
  if (command === 'serve') {
    serveOnAllCores(() => createServer(loadScalerPredictor(new OptMl()), 'text/csv'), Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080), 'scaler');
    return;
  }
  console.error('usage: entrypoint train|serve');
  process.exitCode = 2;
}

void main(process.argv[2]);
