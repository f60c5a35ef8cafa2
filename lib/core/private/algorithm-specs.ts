/**
 * What the built-in K-Means and Linear Learner algorithms accept and emit; the companion images
 * accept the same names and print the same metric lines, so both share these specs.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/k-means-api-config.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
 */
import { KMEANS_SPEC } from '../../../containers/kmeans/spec';
import { LINEAR_LEARNER_SPEC } from '../../../containers/linear-learner/spec';
import type { AlgorithmSpecification } from '../../../containers/runtime/spec';

// The algorithms' specifications live under containers/ (dependency-free modules the images read at
// run time), and are imported here so the constructs check hyperparameter values, content types
// and objective metrics at synth against exactly what the images will accept: one list, not two.

export interface AlgorithmSpec {
  readonly hyperparameters: readonly string[];
  readonly metrics: readonly { readonly name: string; readonly regex: string }[];
  readonly channels: readonly string[];
  readonly required: readonly string[];
  /** The full specification the containers read (absent for algorithms that have none). */
  readonly specification?: AlgorithmSpecification;
}

/** Hyperparameters SageMaker itself may add to any job (tuning, profiling). */
const SAGEMAKER_RESERVED = ['_tuning_objective_metric', '_enable_profiler', '_kvstore', '_num_kv_servers', '_num_gpus'];

/**
 * Accepted only by the companion images: force the CPU or CUDA kernels; the port and timeout of
 * multi-host training's collective step (containers/runtime/cluster.ts).
 */
export const COMPANION_ONLY_HYPERPARAMETERS = ['_compute_backend', '_collective_port', '_collective_timeout'];

/**
 * The regex of one metric: the built-in algorithms' own metric definitions, which the companion
 * images' lines match too. Linear Learner's objective is printed under the objective's name
 * (`epoch=0, validation binary_classification_cross_entropy_objective <loss>=…` each epoch, then
 * without `epoch=` at the end); the older `objective_loss` spelling still matches. F-beta is
 * printed with beta in the name (`binary_f_beta`, or the built-in's `binary_f_1.000`).
 */
export function metricRegex(channel: string, metric: string): string {
  const head = '#quality_metric: host=\\S+, ';
  if (metric === 'objective_loss') return `${head}(?:epoch=\\S+, )?${channel} (?:\\S+_objective|objective_loss) <\\w+>=(\\S+)`;
  const name = metric.endsWith('_f_beta') ? `${metric.slice(0, -'beta'.length)}\\S+` : metric;
  return `${head}${channel} ${name} <\\w+>=(\\S+)`;
}

/** Every metric any configuration of the algorithm emits, as metric definitions (SageMaker takes at most 40). */
function metricDefinitions(spec: AlgorithmSpecification): { name: string; regex: string }[] {
  const seen = new Set<string>();
  for (const byChannel of Object.values(spec.metrics)) {
    for (const [channel, metrics] of Object.entries(byChannel)) metrics.forEach((metric) => seen.add(`${channel}:${metric}`));
  }
  return [...seen].map((name) => {
    const [channel, metric] = name.split(':');
    return { name, regex: metricRegex(channel, metric) };
  });
}

function fromSpecification(spec: AlgorithmSpecification): AlgorithmSpec {
  const names = Object.keys(spec.hyperparameters).filter((name) => !COMPANION_ONLY_HYPERPARAMETERS.includes(name));
  return {
    hyperparameters: [...names, ...SAGEMAKER_RESERVED],
    metrics: metricDefinitions(spec),
    channels: spec.channels,
    required: names.filter((name) => spec.hyperparameters[name].required),
    specification: spec,
  };
}

export const KMEANS: AlgorithmSpec = fromSpecification(KMEANS_SPEC);

/** Which specification an Algorithm object was made from, and whether it is the companion image. */
const SPECIFICATIONS = new WeakMap<object, { specification: AlgorithmSpecification; companion: boolean }>();

/** Records the specification behind an algorithm (Algorithm.kmeans(), Algorithm.builtIn('kmeans'), ...); returns it. */
export function withSpecification<T extends object>(algorithm: T, spec: AlgorithmSpec, companion: boolean): T {
  if (spec.specification) SPECIFICATIONS.set(algorithm, { specification: spec.specification, companion });
  return algorithm;
}

/** The specification behind an algorithm, if it has one (custom images do not). */
export function specificationOf(algorithm: object): { specification: AlgorithmSpecification; companion: boolean } | undefined {
  return SPECIFICATIONS.get(algorithm);
}

export const LINEAR_LEARNER: AlgorithmSpec = fromSpecification(LINEAR_LEARNER_SPEC);

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
