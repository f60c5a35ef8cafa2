/**
 * The Linear Learner image's entrypoint: `train` or `serve` (on $SAGEMAKER_BIND_TO_PORT, default 8080).
 */
import { loadLinearLearnerPredictor } from './serve';
import { trainLinearLearner } from './train';
import { OptMl } from '../runtime/layout';
import { createServer, serveOnAllCores } from '../runtime/serving';
import { runTraining } from '../runtime/training';

async function main(command: string | undefined): Promise<void> {
  if (command === 'train') {
    process.exitCode = await runTraining(trainLinearLearner);
    return;
  }
  if (command === 'serve') {
    serveOnAllCores(() => createServer(loadLinearLearnerPredictor(new OptMl())), Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080), 'Linear Learner');
    return;
  }
  console.error('usage: entrypoint train|serve');
  process.exitCode = 2;
}

void main(process.argv[2]);
