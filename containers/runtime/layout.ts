/**
 * SageMaker's container layout under `$OPT_ML` (default `/opt/ml`): the same code runs in
 * SageMaker and, with OPT_ML pointing at a temporary tree, in local mode and tests.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html
 */
import * as path from 'node:path';

export class OptMl {
  /** The layout under `root`, or under `$OPT_ML`, or `/opt/ml`. */
  constructor(public readonly root: string = process.env.OPT_ML ?? '/opt/ml') {}

  get hyperparametersFile(): string { return path.join(this.root, 'input', 'config', 'hyperparameters.json'); }
  get inputDataConfigFile(): string { return path.join(this.root, 'input', 'config', 'inputdataconfig.json'); }
  get resourceConfigFile(): string { return path.join(this.root, 'input', 'config', 'resourceconfig.json'); }
  channel(name: string): string { return path.join(this.root, 'input', 'data', name); }
  get modelDir(): string { return path.join(this.root, 'model'); }
  get failureFile(): string { return path.join(this.root, 'output', 'failure'); }
  get checkpointDir(): string { return process.env.SM_CHECKPOINT_DIR ?? path.join(this.root, 'checkpoints'); }
}
