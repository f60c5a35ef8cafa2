/**
 * The Linear Learner image's entrypoint: `train` or `serve` (on $SAGEMAKER_BIND_TO_PORT, default 8080).
 */
import { loadLinearLearnerPredictor } from './serve';
import { trainLinearLearner } from './train';
import { OptMl } from '../runtime/layout';
import { createServer } from '../runtime/serving';
import { runTraining } from '../runtime/training';

async function main(command: string | undefined): Promise<void> {
  if (command === 'train') {
    process.exitCode = await runTraining(trainLinearLearner);
    return;
  }
  if (command === 'serve') {
    const server = createServer(loadLinearLearnerPredictor(new OptMl()));
    const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
    server.listen(port, () => console.log(`Linear Learner serving on port ${port}`));
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  console.error('usage: entrypoint train|serve');
  process.exitCode = 2;
}

void main(process.argv[2]);
