/**
 * What the built-in K-Means and Linear Learner algorithms accept and emit; the companion images
 * accept the same names and print the same metric lines, so both share these specs.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/k-means-api-config.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
 */
export interface AlgorithmSpec {
  readonly hyperparameters: readonly string[];
  readonly metrics: readonly { readonly name: string; readonly regex: string }[];
  readonly channels: readonly string[];
  readonly required: readonly string[];
}

/** `#quality_metric: host=algo-1, test msd <loss>=0.52` -> regex capturing the value. */
function qualityMetric(channel: string, metric: string): { name: string; regex: string } {
  return { name: `${channel}:${metric}`, regex: `#quality_metric: host=\\S+, ${channel} ${metric} <\\w+>=(\\S+)` };
}

/** Hyperparameters SageMaker itself may add to any job (tuning, profiling). */
const SAGEMAKER_RESERVED = ['_tuning_objective_metric', '_enable_profiler', '_kvstore', '_num_kv_servers', '_num_gpus'];

/** Accepted only by the companion images: force the CPU or CUDA kernels. */
export const COMPANION_ONLY_HYPERPARAMETERS = ['_compute_backend'];

export const KMEANS: AlgorithmSpec = {
  hyperparameters: [
    'feature_dim', 'k', 'epochs', 'eval_metrics', 'extra_center_factor', 'half_life_time_size', 'init_method',
    'local_lloyd_init_method', 'local_lloyd_max_iter', 'local_lloyd_num_trials', 'local_lloyd_tol', 'mini_batch_size',
    ...SAGEMAKER_RESERVED,
  ],
  metrics: [qualityMetric('test', 'msd'), qualityMetric('test', 'ssd')],
  channels: ['train', 'test'],
  required: ['feature_dim', 'k'],
};

/** The evaluation metrics, on the validation and test channels (SageMaker takes at most 40 definitions). */
const LINEAR_LEARNER_METRICS = ['objective_loss', 'binary_classification_accuracy', 'binary_f_beta', 'precision', 'recall',
  'rmse', 'mse', 'absolute_loss', 'multiclass_accuracy', 'macro_f_beta'];

export const LINEAR_LEARNER: AlgorithmSpec = {
  hyperparameters: [
    'feature_dim', 'predictor_type', 'num_classes', 'accuracy_top_k', 'balance_multiclass_weights', 'beta_1', 'beta_2',
    'bias_lr_mult', 'bias_wd_mult', 'binary_classifier_model_selection_criteria', 'early_stopping_patience',
    'early_stopping_tolerance', 'epochs', 'f_beta', 'huber_delta', 'init_bias', 'init_method', 'init_scale', 'init_sigma',
    'l1', 'learning_rate', 'loss', 'loss_insensitivity', 'lr_scheduler_factor', 'lr_scheduler_minimum_lr',
    'lr_scheduler_step', 'margin', 'mini_batch_size', 'momentum', 'normalize_data', 'normalize_label',
    'num_calibration_samples', 'num_models', 'num_point_for_scaler', 'optimizer', 'positive_example_weight_mult',
    'quantile', 'target_precision', 'target_recall', 'unbias_data', 'unbias_label', 'use_bias', 'use_lr_scheduler', 'wd',
    ...SAGEMAKER_RESERVED,
  ],
  metrics: [
    qualityMetric('train', 'objective_loss'),
    ...['validation', 'test'].flatMap((channel) => LINEAR_LEARNER_METRICS.map((m) => qualityMetric(channel, m))),
  ],
  channels: ['train', 'validation', 'test'],
  required: ['predictor_type'],
};

/**
 * Registries of AWS's built-in algorithm images (K-Means and Linear Learner share them), by region.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html
 */
export const BUILT_IN_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '455444449433',
  'ap-east-1': '286214385809',
  'ap-northeast-1': '351501993468',
  'ap-northeast-2': '835164637446',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '991648021394',
  'ap-southeast-1': '475088953585',
  'ap-southeast-2': '712309505854',
  'ca-central-1': '469771592824',
  'cn-north-1': '390948362332',
  'cn-northwest-1': '387376663083',
  'eu-central-1': '664544806723',
  'eu-north-1': '669576153137',
  'eu-south-1': '257386234256',
  'eu-west-1': '438346466558',
  'eu-west-2': '644912444149',
  'eu-west-3': '749696950732',
  'me-south-1': '249704162688',
  'sa-east-1': '855470959533',
  'us-east-1': '382416733822',
  'us-east-2': '404615174143',
  'us-gov-west-1': '226302683700',
  'us-west-1': '632365934929',
  'us-west-2': '174872318107',
};

/** The companion pre-processing image: standard scaling fitted on the train channel. */
export const SCALER: AlgorithmSpec = {
  hyperparameters: ['feature_dim', 'label_size', 'with_mean', 'with_std'],
  metrics: [],
  channels: ['train'],
  required: ['feature_dim'],
};
