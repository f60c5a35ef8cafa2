import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';
import { SageMakerValidationError } from './errors';
import { InstanceType } from './instance-type';
import { regionalRegistryAccount } from './private/regional-registry';
import { AlgorithmSpec, BUILT_IN_REGISTRY_ACCOUNTS, COMPANION_ONLY_HYPERPARAMETERS, KMEANS, LINEAR_LEARNER, SCALER, withSpecification } from './private/algorithm-specs';
import { SageMakerExecutionRole } from './roles';

/** The build context of the companion images: all of `containers/`, so images share the runtime and native addon. */
const CONTAINERS_DIR = path.join(__dirname, '..', '..', 'containers');

/**
 * A metric SageMaker parses from the algorithm's log lines.
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MetricDefinition.html
 */
export interface MetricDefinition {
  /** The metric's name, e.g. `validation:objective_loss`. */
  readonly name: string;
  /** A regular expression whose first group captures the value. */
  readonly regex: string;
}

/**
 * What a user says about an algorithm image of their own.
 */
export interface AlgorithmOptions {
  /**
   * A name for the algorithm, used in messages and resource descriptions.
   *
   * @default - the repository name or the directory's base name
   */
  readonly name?: string;

  /**
   * The metrics the algorithm prints, for training job metrics and tuning objectives.
   *
   * @default - none
   */
  readonly metricDefinitions?: MetricDefinition[];

  /**
   * The hyperparameter names the algorithm accepts; others are rejected at synth.
   *
   * @default - any name is accepted
   */
  readonly hyperparameters?: string[];

  /**
   * Hyperparameters a training job must set.
   *
   * @default - none
   */
  readonly requiredHyperparameters?: string[];

  /**
   * The input channel names the algorithm reads; others are rejected at synth.
   *
   * @default - any channel name SageMaker accepts
   */
  readonly channels?: string[];

  /**
   * Whether a training job may run on more than one instance.
   *
   * @default false
   */
  readonly supportsDistributedTraining?: boolean;

  /**
   * Whether the algorithm saves checkpoints to `/opt/ml/checkpoints` and resumes from them (needed
   * for managed spot training to resume instead of restarting).
   *
   * @default false
   */
  readonly supportsCheckpoints?: boolean;

  /**
   * Whether the image answers `serve` (SageMaker hosting and Batch Transform).
   *
   * @default true
   */
  readonly canServe?: boolean;
}

/**
 * Options for an algorithm image built from a local directory.
 */
export interface AssetAlgorithmOptions extends AlgorithmOptions {
  /**
   * The Dockerfile, relative to the directory.
   *
   * @default 'Dockerfile'
   */
  readonly file?: string;

  /**
   * Build arguments.
   *
   * @default - none
   */
  readonly buildArgs?: { [key: string]: string };
}

/**
 * Where a bound algorithm's image will run.
 */
export interface AlgorithmBindOptions {
  /**
   * The instance types the image runs on. The companion K-Means and Linear Learner images come in
   * two variants of `containers/Dockerfile`: the `gpu` target (CUDA base image, CUDA and CPU
   * kernels) when any of these types has a GPU the CUDA kernels run on (`InstanceType.hasGpu`),
   * else the `cpu` target (slim Debian, CPU kernels only). Other images ignore it.
   *
   * @default - unknown: the companion K-Means and Linear Learner images use the `gpu` target, which
   * runs on any instance (on the CPU where there is no usable GPU); the pre-processing image is
   * always the `cpu` target
   */
  readonly instanceTypes?: InstanceType[];
}

/**
 * The image a bound algorithm runs.
 */
export interface AlgorithmImageConfig {
  /** The image URI to give SageMaker. */
  readonly imageUri: string;
}

/**
 * A training / inference algorithm: an image plus what SageMaker needs to know about it.
 *
 * `Algorithm.kmeans()` and `Algorithm.linearLearner()` are this library's companion images, built
 * from `containers/` at deploy; `Algorithm.builtIn('kmeans')` is AWS's own image with the same
 * hyperparameters and metrics, so switching is a one-word change.
 */
export abstract class Algorithm {
  /** The companion K-Means image (CPU and CUDA kernels), a drop-in for the built-in K-Means. */
  public static kmeans(): Algorithm {
    return withSpecification(new AssetAlgorithm(CONTAINERS_DIR, { name: 'kmeans', ...companionBuild('kmeans'), ...companionOptions(KMEANS) }, true), KMEANS, true);
  }

  /** The companion Linear Learner image, a drop-in for the built-in Linear Learner. */
  public static linearLearner(): Algorithm {
    return withSpecification(new AssetAlgorithm(CONTAINERS_DIR, { name: 'linear-learner', ...companionBuild('linear-learner'), ...companionOptions(LINEAR_LEARNER) }, true), LINEAR_LEARNER, true);
  }

  /**
   * The companion pre-processing image: a standard scaler fitted by a training job on the train
   * channel (CSV; `label_size=1` skips a leading label column), serving scaled records as CSV to
   * the next container of an InferencePipeline. Always the CPU image (`containers/Dockerfile`'s
   * `cpu` target): the scaler has no GPU kernels.
   */
  public static preprocessing(): Algorithm {
    return new AssetAlgorithm(CONTAINERS_DIR, {
      name: 'preprocessing',
      ...companionBuild('preprocessing'),
      hyperparameters: [...SCALER.hyperparameters],
      requiredHyperparameters: [...SCALER.required],
      channels: [...SCALER.channels],
      supportsDistributedTraining: false,
      // One pass over the data: an interruption restarts it at no real cost.
      supportsCheckpoints: true,
      canServe: true,
    }, false);
  }

  /**
   * AWS's built-in algorithm image for the stack's region.
   *
   * @param name `kmeans` or `linear-learner`
   */
  public static builtIn(name: string): Algorithm {
    const spec = BUILT_IN_SPECS[name];
    if (!spec) {
      throw new SageMakerValidationError('Algorithm.builtIn()', [
        `name: got ${JSON.stringify(name)}; allowed: ${Object.keys(BUILT_IN_SPECS).join(', ')}`,
      ]);
    }
    return withSpecification(new BuiltInAlgorithm(name, spec), spec, false);
  }

  /** An image in an ECR repository of your own. */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string = 'latest', options: AlgorithmOptions = {}): Algorithm {
    return new RepositoryAlgorithm(repository, tag, options);
  }

  /** An image built from a local directory at deploy (a CDK Docker image asset). */
  public static fromAsset(directory: string, options: AssetAlgorithmOptions = {}): Algorithm {
    return new AssetAlgorithm(directory, options);
  }

  /** The algorithm's name. */
  public readonly name: string;

  /** The metrics SageMaker parses from the algorithm's logs. */
  public readonly metricDefinitions: MetricDefinition[];

  /** Accepted hyperparameter names; undefined when any name is accepted. */
  public readonly hyperparameterNames?: string[];

  /** Hyperparameters a training job must set. */
  public readonly requiredHyperparameters: string[];

  /** Accepted channel names; undefined when any name is accepted. */
  public readonly channels?: string[];

  /** Whether training may run on more than one instance. */
  public readonly supportsDistributedTraining: boolean;

  /** Whether the algorithm checkpoints and resumes. */
  public readonly supportsCheckpoints: boolean;

  /** Whether the image can serve inference. */
  public readonly canServe: boolean;

  /** Whether this is one of AWS's built-in images. */
  public readonly isBuiltIn: boolean;

  protected constructor(name: string, options: AlgorithmOptions, isBuiltIn: boolean) {
    this.name = name;
    this.metricDefinitions = options.metricDefinitions ?? [];
    this.hyperparameterNames = options.hyperparameters;
    this.requiredHyperparameters = options.requiredHyperparameters ?? [];
    this.channels = options.channels;
    this.supportsDistributedTraining = options.supportsDistributedTraining ?? false;
    this.supportsCheckpoints = options.supportsCheckpoints ?? false;
    this.canServe = options.canServe ?? true;
    this.isBuiltIn = isBuiltIn;
  }

  /** Whether the algorithm accepts a hyperparameter of this name. */
  public acceptsHyperparameter(name: string): boolean {
    return this.hyperparameterNames === undefined || this.hyperparameterNames.includes(name);
  }

  /** Whether the algorithm emits a metric of this name (so it can be a tuning objective). */
  public emitsMetric(name: string): boolean {
    return this.metricDefinitions.some((metric) => metric.name === name);
  }

  /**
   * Makes the image available to a role in the scope's stack: builds or references it (for the
   * instance types it runs on, when the image has variants) and grants the role permission to pull it.
   */
  public abstract bind(scope: Construct, role: SageMakerExecutionRole, options?: AlgorithmBindOptions): AlgorithmImageConfig;
}

const BUILT_IN_SPECS: Record<string, AlgorithmSpec> = { 'kmeans': KMEANS, 'linear-learner': LINEAR_LEARNER };

/**
 * The companion images share containers/Dockerfile: the build argument picks the program, the
 * target (`cpu` or `gpu`) the variant, chosen at bind from the instance types.
 */
function companionBuild(program: 'kmeans' | 'linear-learner' | 'preprocessing'): Pick<AssetAlgorithmOptions, 'file' | 'buildArgs'> {
  return { file: 'Dockerfile', buildArgs: { ALGORITHM: program } };
}

function companionOptions(spec: AlgorithmSpec): AlgorithmOptions {
  return {
    metricDefinitions: spec.metrics.map((metric) => ({ ...metric })),
    hyperparameters: [...spec.hyperparameters, ...COMPANION_ONLY_HYPERPARAMETERS],
    requiredHyperparameters: [...spec.required],
    channels: [...spec.channels],
    // Several instances train together: per-iteration all-reduce over Gloo (containers/runtime/cluster.ts).
    supportsDistributedTraining: true,
    supportsCheckpoints: true,
    canServe: true,
  };
}

class AssetAlgorithm extends Algorithm {
  /**
   * @param gpuVariant for the companion images: true when the image has CPU and GPU variants
   * (Dockerfile targets `cpu` and `gpu`), false when it is CPU only; undefined for a user's image
   */
  constructor(private readonly directory: string, private readonly assetOptions: AssetAlgorithmOptions, private readonly gpuVariant?: boolean) {
    super(assetOptions.name ?? path.basename(directory), assetOptions, false);
  }

  public bind(scope: Construct, role: SageMakerExecutionRole, options: AlgorithmBindOptions = {}): AlgorithmImageConfig {
    const target = this.gpuVariant === undefined ? undefined : companionTarget(this.gpuVariant, options.instanceTypes);
    // One image per build (directory, Dockerfile, build arguments, target) in a scope: two
    // directories with the same base name are two images, and binding the same build twice reuses one.
    const build = JSON.stringify([path.resolve(this.directory), this.assetOptions.file ?? null, this.assetOptions.buildArgs ?? {}, ...(target ? [target] : [])]);
    const id = `${this.name}${target === 'cpu' ? 'Cpu' : ''}Image${crypto.createHash('sha256').update(build).digest('hex').slice(0, 8)}`;
    const asset = (scope.node.tryFindChild(id) as ecrAssets.DockerImageAsset | undefined) ?? new ecrAssets.DockerImageAsset(scope, id, {
      directory: this.directory,
      file: this.assetOptions.file,
      buildArgs: this.assetOptions.buildArgs,
      target,
      platform: ecrAssets.Platform.LINUX_AMD64,
      exclude: ['**/node_modules', '**/build', '**/build-cuda', '**/dist', '**/.device'],
    });
    role.grantPull(asset.repository);
    return { imageUri: asset.imageUri };
  }
}

/**
 * The Dockerfile target of a companion image: `gpu` for an image with GPU kernels when any of the
 * instance types has a GPU they run on, or when the types are not known (it runs anywhere); `cpu`
 * otherwise.
 */
function companionTarget(gpuVariant: boolean, instanceTypes?: InstanceType[]): 'cpu' | 'gpu' {
  if (!gpuVariant) return 'cpu';
  if (instanceTypes === undefined || instanceTypes.length === 0) return 'gpu';
  return instanceTypes.some((type) => type.hasGpu || type.family === undefined) ? 'gpu' : 'cpu';
}

class RepositoryAlgorithm extends Algorithm {
  constructor(private readonly repository: ecr.IRepository, private readonly tag: string, options: AlgorithmOptions) {
    super(options.name ?? (Token.isUnresolved(repository.repositoryName) ? 'algorithm' : repository.repositoryName), options, false);
  }

  public bind(_scope: Construct, role: SageMakerExecutionRole, _options?: AlgorithmBindOptions): AlgorithmImageConfig {
    role.grantPull(this.repository);
    return { imageUri: this.repository.repositoryUriForTag(this.tag) };
  }
}

class BuiltInAlgorithm extends Algorithm {
  constructor(private readonly repositoryName: string, spec: AlgorithmSpec) {
    super(repositoryName, {
      metricDefinitions: spec.metrics.map((metric) => ({ ...metric })),
      hyperparameters: [...spec.hyperparameters],
      requiredHyperparameters: [...spec.required],
      channels: [...spec.channels],
      supportsDistributedTraining: true,
      supportsCheckpoints: false,
      canServe: true,
    }, true);
  }

  public bind(scope: Construct, role: SageMakerExecutionRole, _options?: AlgorithmBindOptions): AlgorithmImageConfig {
    const stack = Stack.of(scope);
    const account = regionalRegistryAccount(scope, 'SageMakerBuiltInAlgorithmRegistries', BUILT_IN_REGISTRY_ACCOUNTS, `Algorithm.builtIn('${this.repositoryName}')`);
    role.grantPullFrom(
      `arn:${stack.partition}:ecr:${stack.region}:${account}:repository/${this.repositoryName}`,
      'AWS\'s built-in algorithm registry for the region.',
    );
    return { imageUri: Fn.join('', [account, '.dkr.ecr.', stack.region, '.', stack.urlSuffix, `/${this.repositoryName}:1`]) };
  }
}
