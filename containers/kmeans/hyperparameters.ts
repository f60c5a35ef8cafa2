/**
 * The built-in K-Means algorithm's hyperparameters, names and defaults, so a job runs unchanged on
 * either image. `Algorithm.kmeans()` in the construct library declares the same names (a test
 * checks they agree).
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/k-means-api-config.html
 */
import { Spec } from '../runtime/hyperparameters';

export const KMEANS_HYPERPARAMETERS = {
  feature_dim: { type: 'int', min: 1, required: true },
  k: { type: 'int', min: 1, required: true },
  epochs: { type: 'int', min: 1, default: 1 },
  eval_metrics: { type: 'string', default: '["msd"]' },
  extra_center_factor: { type: 'string', default: 'auto' },
  half_life_time_size: { type: 'int', min: 0, default: 0 },
  init_method: { type: 'choice', values: ['random', 'kmeans++'], default: 'random' },
  local_lloyd_init_method: { type: 'choice', values: ['random', 'kmeans++'], default: 'kmeans++' },
  local_lloyd_max_iter: { type: 'int', min: 1, default: 300 },
  local_lloyd_num_trials: { type: 'string', default: 'auto' },
  local_lloyd_tol: { type: 'float', min: 0, default: 0.0001 },
  mini_batch_size: { type: 'int', min: 1, default: 5000 },
  _compute_backend: { type: 'choice', values: ['auto', 'cpu', 'cuda', 'cuda-tf32'], default: 'auto' },
} as const satisfies Spec;
