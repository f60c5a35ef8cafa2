/**
 * The pre-processing (standard scaling) image's hyperparameters; `Algorithm.preprocessing()`
 * declares the same names (a test checks they agree).
 */
import { Spec } from '../runtime/hyperparameters';

export const SCALER_HYPERPARAMETERS = {
  feature_dim: { type: 'int', min: 1, required: true },
  label_size: { type: 'int', min: 0, max: 1, default: 0 },
  with_mean: { type: 'bool', default: true },
  with_std: { type: 'bool', default: true },
} as const satisfies Spec;
