/**
 * The Linear Learner's specification, read by the image at run time and by the constructs at synth
 * (see ../runtime/spec.ts for why it lives here): the built-in algorithm's hyperparameters with
 * their documented types, ranges and defaults, and, under `companion`, the values this image does
 * not implement (it rejects them rather than accept and ignore them); the metrics it prints per
 * predictor type and channel; the content types per channel. Imports nothing.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner-tuning.html
 */
import type { AlgorithmSpecification } from '../runtime/spec';

const CHANNEL_TYPES = ['text/csv', 'application/x-recordio-protobuf'];
const notImplemented = (what: string) => `${what} is not implemented by the companion image; leave it unset or use the built-in image`;

export const LINEAR_LEARNER_SPEC = {
  name: 'linear-learner',
  hyperparameters: {
    predictor_type: { type: 'choice', values: ['binary_classifier', 'regressor', 'multiclass_classifier'], required: true },
    feature_dim: { type: 'int', min: 1, auto: true, default: 'auto' },
    num_classes: { type: 'int', min: 3, max: 1_000_000, description: 'required when predictor_type is multiclass_classifier' },
    mini_batch_size: { type: 'int', min: 1, default: 1000 },
    epochs: { type: 'int', min: 1, default: 15 },
    learning_rate: { type: 'float', min: 0, minExclusive: true, auto: true, default: 'auto' },
    num_models: { type: 'int', min: 1, auto: true, default: 'auto' },
    optimizer: { type: 'choice', values: ['auto', 'sgd', 'adam', 'rmsprop'], default: 'auto' },
    loss: {
      type: 'choice', default: 'auto',
      values: ['auto', 'logistic', 'squared_loss', 'absolute_loss', 'hinge_loss', 'eps_insensitive_squared_loss', 'eps_insensitive_absolute_loss', 'quantile_loss', 'huber_loss', 'softmax_loss'],
      companion: { only: ['auto', 'logistic', 'squared_loss', 'absolute_loss', 'hinge_loss', 'softmax_loss'], reason: notImplemented('this loss') },
    },
    l1: { type: 'float', min: 0, auto: true, default: 'auto' },
    wd: { type: 'float', min: 0, auto: true, default: 'auto' },
    use_bias: { type: 'bool', default: true },
    normalize_data: { type: 'bool', default: true },
    normalize_label: { type: 'bool', auto: true, default: 'auto' },
    unbias_data: { type: 'bool', auto: true, default: 'auto' },
    unbias_label: { type: 'bool', auto: true, default: 'auto' },
    num_point_for_scaler: {
      type: 'int', min: 1, default: 10000,
      companion: { only: [10000], reason: 'the companion image fits the scaler on every training row' },
    },
    early_stopping_patience: { type: 'int', min: 1, default: 3 },
    early_stopping_tolerance: { type: 'float', min: 0, minExclusive: true, default: 0.001 },
    binary_classifier_model_selection_criteria: {
      type: 'choice', values: ['accuracy', 'f_beta', 'precision_at_target_recall', 'recall_at_target_precision', 'loss_function'], default: 'accuracy',
    },
    f_beta: { type: 'float', min: 0, minExclusive: true, default: 1 },
    target_precision: { type: 'float', min: 0, max: 1, default: 0.8 },
    target_recall: { type: 'float', min: 0, max: 1, default: 0.8 },
    beta_1: { type: 'float', min: 0, max: 1, maxExclusive: true, auto: true, default: 'auto' },
    beta_2: { type: 'float', min: 0, max: 1, maxExclusive: true, auto: true, default: 'auto' },
    init_method: { type: 'choice', values: ['uniform', 'normal'], default: 'uniform' },
    init_scale: { type: 'float', min: 0, minExclusive: true, default: 0.07 },
    init_sigma: { type: 'float', min: 0, minExclusive: true, default: 0.01 },
    init_bias: { type: 'float', default: 0 },
    use_lr_scheduler: { type: 'bool', default: true },
    lr_scheduler_step: { type: 'int', min: 1, auto: true, default: 'auto' },
    lr_scheduler_factor: { type: 'float', min: 0, max: 1, minExclusive: true, maxExclusive: true, auto: true, default: 'auto' },
    lr_scheduler_minimum_lr: { type: 'float', min: 0, minExclusive: true, auto: true, default: 'auto' },
    momentum: {
      type: 'float', min: 0, max: 1, maxExclusive: true, auto: true, default: 'auto',
      companion: { only: ['auto', 0], reason: notImplemented('momentum') },
    },
    bias_lr_mult: { type: 'float', min: 0, minExclusive: true, auto: true, default: 'auto', companion: { only: ['auto', 1], reason: notImplemented('a separate bias learning rate') } },
    bias_wd_mult: { type: 'float', min: 0, auto: true, default: 'auto', companion: { only: ['auto', 0], reason: notImplemented('weight decay of the bias') } },
    margin: { type: 'float', min: 0, minExclusive: true, default: 1, companion: { only: [1], reason: notImplemented('a hinge margin other than 1') } },
    positive_example_weight_mult: {
      type: 'string', default: '1.0',
      companion: { only: ['auto', 1], reason: notImplemented('weighting positive examples (class weights)') },
    },
    balance_multiclass_weights: { type: 'bool', default: false, companion: { only: [false], reason: notImplemented('class weights') } },
    num_calibration_samples: {
      type: 'int', min: 1, auto: true, default: 'auto',
      companion: { only: ['auto'], reason: notImplemented('threshold calibration (the decision threshold is probability 0.5)') },
    },
    accuracy_top_k: {
      type: 'int', min: 1, default: 3,
      companion: { only: [3], reason: notImplemented('the multiclass_top_k_accuracy metric') },
    },
    loss_insensitivity: { type: 'float', min: 0, minExclusive: true, default: 0.01, description: 'eps-insensitive losses only' },
    quantile: { type: 'float', min: 0, max: 1, minExclusive: true, maxExclusive: true, default: 0.5, description: 'quantile_loss only' },
    huber_delta: { type: 'float', min: 0, minExclusive: true, default: 1, description: 'huber_loss only' },
    _compute_backend: { type: 'choice', values: ['auto', 'cpu', 'cuda', 'cuda-tf32'], default: 'auto', description: 'companion image only' },
    _collective_port: { type: 'int', min: 1024, max: 65535, default: 7070, description: 'companion image only: the TCP port on which the first host coordinates multi-host training' },
    _collective_timeout: { type: 'int', min: 1, max: 3600, default: 300, description: 'companion image only: seconds a host waits for the others (to join, then at each collective step) before the job fails naming them' },
  },
  channels: ['train', 'validation', 'test'],
  contentTypes: { train: CHANNEL_TYPES, validation: CHANNEL_TYPES, test: CHANNEL_TYPES },
  inference: {
    accept: ['text/csv', 'application/json', 'application/jsonlines', 'application/x-recordio-protobuf'],
    produce: ['application/json', 'application/jsonlines', 'text/csv', 'application/x-recordio-protobuf'],
  },
  modelQualityStatistics: 'model_quality_statistics.json',
  metricsBy: 'predictor_type',
  metrics: {
    binary_classifier: {
      train: ['objective_loss'],
      validation: ['objective_loss', 'binary_classification_accuracy', 'binary_f_beta', 'precision', 'recall'],
      test: ['objective_loss', 'binary_classification_accuracy', 'binary_f_beta', 'precision', 'recall'],
    },
    regressor: {
      train: ['objective_loss'],
      validation: ['objective_loss', 'mse', 'rmse', 'absolute_loss'],
      test: ['objective_loss', 'mse', 'rmse', 'absolute_loss'],
    },
    multiclass_classifier: {
      train: ['objective_loss'],
      validation: ['objective_loss', 'multiclass_accuracy', 'macro_f_beta', 'macro_precision', 'macro_recall'],
      test: ['objective_loss', 'multiclass_accuracy', 'macro_f_beta', 'macro_precision', 'macro_recall'],
    },
  },
} as const satisfies AlgorithmSpecification;
