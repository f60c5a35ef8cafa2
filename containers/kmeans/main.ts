/**
 * The K-Means image's entrypoint: `train` runs a training job, `serve` answers inference on
 * $SAGEMAKER_BIND_TO_PORT (default 8080) and drains in-flight requests on SIGTERM.
 */
import { loadKMeansPredictor } from './serve';
import { trainKMeans } from './train';
import { OptMl } from '../runtime/layout';
import { createServer, serveOnAllCores } from '../runtime/serving';
import { runTraining } from '../runtime/training';

async function main(command: string | undefined): Promise<void> {
  if (command === 'train') {
    process.exitCode = await runTraining(trainKMeans);
    return;
  }
  if (command === 'serve') {
    serveOnAllCores(() => createServer(loadKMeansPredictor(new OptMl())), Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080), 'K-Means');
    return;
  }
  console.error('usage: entrypoint train|serve');
  process.exitCode = 2;
}

void main(process.argv[2]);
