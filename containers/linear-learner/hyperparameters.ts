/**
 * The built-in Linear Learner's hyperparameter names (all accepted, so a job runs unchanged on
 * either image); the ones this image implements are typed, the rest are accepted as given.
 * `Algorithm.linearLearner()` declares the same names (a test checks they agree).
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
 */
import { Spec } from '../runtime/hyperparameters';

const accepted = { type: 'string' } as const;

export const LINEAR_LEARNER_HYPERPARAMETERS = {
  predictor_type: { type: 'choice', values: ['binary_classifier', 'regressor', 'multiclass_classifier'], required: true },
  feature_dim: { type: 'string', default: 'auto' },
  mini_batch_size: { type: 'int', min: 1, default: 1000 },
  epochs: { type: 'int', min: 1, default: 15 },
  learning_rate: { type: 'string', default: 'auto' },
  num_models: { type: 'string', default: 'auto' },
  optimizer: { type: 'choice', values: ['auto', 'sgd', 'adam', 'rmsprop'], default: 'auto' },
  loss: { type: 'choice', values: ['auto', 'logistic', 'squared_loss', 'absolute_loss', 'hinge_loss', 'eps_insensitive_squared_loss', 'eps_insensitive_absolute_loss', 'quantile_loss', 'huber_loss', 'softmax_loss'], default: 'auto' },
  l1: { type: 'string', default: 'auto' },
  wd: { type: 'string', default: 'auto' },
  use_bias: { type: 'bool', default: true },
  normalize_data: { type: 'bool', default: true },
  normalize_label: { type: 'string', default: 'auto' },
  num_classes: { type: 'int', min: 3, max: 1_000_000 },
  early_stopping_patience: { type: 'int', min: 1, default: 3 },
  early_stopping_tolerance: { type: 'float', min: 0, default: 0.001 },
  binary_classifier_model_selection_criteria: {
    type: 'choice', values: ['accuracy', 'f_beta', 'precision_at_target_recall', 'recall_at_target_precision', 'loss_function'], default: 'accuracy',
  },
  f_beta: { type: 'float', min: 0, default: 1 },
  target_precision: { type: 'float', min: 0, max: 1, default: 0.8 },
  target_recall: { type: 'float', min: 0, max: 1, default: 0.8 },
  beta_1: { type: 'string', default: 'auto' },
  beta_2: { type: 'string', default: 'auto' },
  accuracy_top_k: accepted, balance_multiclass_weights: accepted,
  bias_lr_mult: accepted, bias_wd_mult: accepted, huber_delta: accepted,
  init_bias: accepted, init_method: accepted, init_scale: accepted, init_sigma: accepted, loss_insensitivity: accepted,
  lr_scheduler_factor: accepted, lr_scheduler_minimum_lr: accepted, lr_scheduler_step: accepted, margin: accepted,
  momentum: accepted, num_calibration_samples: accepted, num_point_for_scaler: accepted, positive_example_weight_mult: accepted,
  quantile: accepted, unbias_data: accepted, unbias_label: accepted,
  use_lr_scheduler: accepted,
  _compute_backend: { type: 'choice', values: ['auto', 'cpu', 'cuda', 'cuda-tf32'], default: 'auto' },
} as const satisfies Spec;
