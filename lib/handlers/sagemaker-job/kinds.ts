import { AUTOML } from './automl';
import { COMPILATION } from './compilation';
import { JobApi, PROCESSING, TRAINING, TUNING } from './jobs';

/** Every kind the handler serves: a new kind of job is one more entry here, not a new handler. */
export const JOB_KINDS: readonly JobApi[] = [TRAINING, TUNING, PROCESSING, COMPILATION, AUTOML];
