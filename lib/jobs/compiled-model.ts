import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { CompilationTarget } from './compilation-target';
import { NeoFramework } from './neo-framework';
import { UnservableAlgorithm } from './private/unservable-algorithm';
import {
  ALL_DEVICES, atMost, CLOUD_CPU_DEVICES, CLOUD_GPU_DEVICES, CLOUD_VERSIONS, EDGE_FRAMEWORKS, frameworksOfDevice, majorMinor, neoServingImage,
  NeoServingAlgorithm, NVIDIA_COMPILER_OPTIONS, PLATFORM_ACCELERATORS, PLATFORM_ARCH, PLATFORM_OS,
} from './private/neo';
import { Algorithm } from '../core/algorithm';
import { SageMakerValidationError } from '../core/errors';
import { SageMakerNetwork } from '../core/network';
import { platformBucket } from '../core/private/platform-bucket';
import { ValidationProblems } from '../core/private/validation';
import { SageMakerExecutionRole } from '../core/roles';
import { IModelSource } from '../models/model-source';
import { ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { DeployTimeJob } from '../private/deploy-time-job';
import { createIsolatedModel, IsolatedModel } from '../private/isolated-model';
import { COMPILATION_JOB, jobNamePrefix } from '../private/job-kinds';
import { apiVpcConfigOf } from '../private/vpc-config';
import { arnPatternForPrefix, MAX_WAIT_CONDITION, renderTags } from '../training/private/training-setup';

/**
 * Properties of a {@link CompiledModel}.
 */
export interface CompiledModelProps {
  /** The trained model to compile: any model source whose artifact is in a format Neo reads for `framework`. */
  readonly model: IModelSource;

  /** The framework (and version) the artifact was saved with. */
  readonly framework: NeoFramework;

  /**
   * The name and shape of each input the model takes (Neo's `DataInputConfig`), e.g.
   * `{ input0: [1, 3, 224, 224] }`; required by every framework but XGBoost.
   *
   * @default - none (XGBoost only)
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InputConfig.html
   */
  readonly inputShapes?: { [inputName: string]: number[] };

  /** The device or platform to compile for. */
  readonly target: CompilationTarget;

  /**
   * Neo's compiler options (its `CompilerOptions` JSON), e.g. `{ 'gpu-code': 'sm_72', 'trt-ver': '8.2', 'cuda-ver': '10.2' }`
   * for an NVIDIA platform.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputConfig.html
   */
  readonly compilerOptions?: { [option: string]: string };

  /**
   * The image that serves the compiled artifact.
   *
   * @default - Neo's inference image of the framework for the region, for XGBoost and PyTorch
   * 1.4–1.12 compiled for ml_c4, ml_c5, ml_m4, ml_m5, ml_p2, ml_p3 or ml_g4dn; other models are not servable without one
   */
  readonly servingAlgorithm?: Algorithm;

  /**
   * The network the compilation job (and a model served from its artifact) runs in.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key that encrypts the compiled artifact.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket the compiled artifact is written to (under `compiled/<job name>/`).
   *
   * @default - the stack's shared platform bucket
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * How long the compilation may run before SageMaker stops it (at most 12 hours, the deployment's wait).
   *
   * @default Duration.hours(1)
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
   */
  readonly maxRuntime?: Duration;

  /**
   * How long the deployment waits for the compilation (at most 12 hours).
   *
   * @default Duration.hours(12)
   */
  readonly waitTimeout?: Duration;

  /**
   * Tags of the compilation job.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * A model compiled with SageMaker Neo while the stack deploys: a compilation job (in the VPC, the
 * artifact KMS-encrypted, a maximum runtime, a role that reads only the source artifact and
 * writes only its output prefix) whose end the stack's job handler polls (SageMaker sends no
 * event for compilation jobs), then the compiled artifact as a model source of its own, served by
 * Neo's inference image for the framework and target (a per-region mapping; an unknown region
 * is a synth error).
 */
export class CompiledModel extends Construct implements IModelSource {
  /** The compilation job's name: the construct's path and a hash of its configuration. */
  public readonly compilationJobName: string;

  /** The compilation job's ARN. */
  public readonly compilationJobArn: string;

  /** The image that serves the compiled artifact. */
  public readonly algorithm: Algorithm;

  /** The S3 URI of the compiled artifact (Neo names it; read after the job). */
  public readonly modelData: string;

  /** The bucket of the compiled artifact. */
  public readonly artifactBucket: s3.IBucket;

  /** The key prefix the compiled artifact lies under. */
  public readonly artifactKey: string;

  /** The key the compiled artifact is encrypted with. */
  public readonly artifactEncryptionKey?: kms.IKey;

  /** Completes when the compiled artifact exists. */
  public readonly completion: IDependable;

  /** The training job of the source model (lineage and metrics), when known. */
  public readonly sourceTrainingJobName?: string;

  /** The role the compilation job runs as. */
  public readonly role: SageMakerExecutionRole;

  /** The network the job runs in. */
  public readonly network: SageMakerNetwork;

  /** The compilation target. */
  public readonly target: CompilationTarget;

  private readonly notServable?: string;
  private servingModel?: IsolatedModel;

  constructor(scope: Construct, id: string, props: CompiledModelProps) {
    super(scope, id);
    const problems = ValidationProblems.of('CompiledModel', scope, id);
    checkCompilation(problems, props);
    problems.throwIfAny();

    const source = props.model;
    this.target = props.target;
    const prefix = jobNamePrefix(this, COMPILATION_JOB);
    this.network = props.network ?? new SageMakerNetwork(this, 'Network');
    const encryptionKey = props.encryptionKey ?? this.network.encryptionKey;
    this.artifactEncryptionKey = encryptionKey;
    const outputBucket = this.artifactBucket = props.outputBucket ?? platformBucket(this, encryptionKey);

    const role = this.role = new SageMakerExecutionRole(this, 'ExecutionRole', {
      description: `Execution role of SageMaker Neo compilation in ${this.node.path}`,
      sourceArnPattern: arnPatternForPrefix(this, 'compilation-job', prefix),
    });
    role.grantRead(source.artifactBucket, source.artifactKey);
    if (source.artifactEncryptionKey) role.grantDecrypt(source.artifactEncryptionKey);
    const outputPrefix = `compiled/${prefix}/`;
    role.grantWrite(outputBucket, outputPrefix);
    role.grantEncryptDecrypt(encryptionKey);
    role.grantLogs('/aws/sagemaker/CompilationJobs');
    role.allowVpcAccess();

    const { targetDevice: device, targetPlatform: platform } = props.target;
    const maxRuntime = props.maxRuntime ?? Duration.hours(1);
    const job = new DeployTimeJob(this, 'Job', {
      kind: COMPILATION_JOB,
      namePrefix: prefix,
      request: {
        RoleArn: role.role.roleArn,
        InputConfig: {
          S3Uri: source.modelData,
          Framework: props.framework.name,
          FrameworkVersion: props.framework.name === 'DARKNET' ? undefined : props.framework.version,
          DataInputConfig: props.inputShapes ? JSON.stringify(props.inputShapes) : undefined,
        },
        OutputConfig: {
          S3OutputLocation: outputBucket.s3UrlForObject(outputPrefix),
          TargetDevice: device,
          TargetPlatform: platform ? { Os: platform.os, Arch: platform.arch, Accelerator: platform.accelerator } : undefined,
          CompilerOptions: props.compilerOptions ? JSON.stringify(props.compilerOptions) : undefined,
          KmsKeyId: encryptionKey.keyArn,
        },
        VpcConfig: apiVpcConfigOf(this.network),
        StoppingCondition: { MaxRuntimeInSeconds: maxRuntime.toSeconds() },
        Tags: renderTags(props.tags),
      },
      executionRole: role.role,
      network: this.network,
      encryptionKey,
      waitTimeout: props.waitTimeout ?? MAX_WAIT_CONDITION,
    });
    // The source artifact exists before the compilation starts.
    job.node.addDependency(source.completion);
    this.compilationJobName = job.jobName;
    this.compilationJobArn = job.jobArn;
    this.artifactKey = `${outputPrefix}`;
    this.sourceTrainingJobName = source.sourceTrainingJobName;

    const artifact = job.readResult(this, 'CompiledArtifact');
    this.modelData = artifact.getAttString('ModelData');
    this.completion = artifact;

    const image = neoServingImage(props.framework.name, props.framework.version, device);
    if (props.servingAlgorithm) {
      this.algorithm = props.servingAlgorithm;
    } else if ('none' in image) {
      this.notServable = image.none;
      // Still a model source (its artifact is for a device of its own), never served by SageMaker here.
      this.algorithm = new UnservableAlgorithm(this.node.path, image.none);
    } else {
      this.algorithm = new NeoServingAlgorithm(image.repository, image.tag, image.accounts, image.mappingId);
    }
    if ((props.maxRuntime?.toSeconds() ?? 0) > (props.waitTimeout ?? MAX_WAIT_CONDITION).toSeconds()) {
      Annotations.of(this).addWarningV2('sagemaker-secure-constructs:compilationOutlastsDeploy',
        'The compilation may run longer than the deployment waits: a job still running then fails the deployment and is stopped.');
    }
  }

  /**
   * An isolated model of the compiled artifact on Neo's image (in this construct's network). The
   * consumer's instances must be of the family compiled for (`ml_c5` serves on `ml.c5.*`).
   */
  public bindForServing(scope: Construct, options: ServingBindOptions = {}): ServingModelConfig {
    const device = this.target.targetDevice;
    const problems: string[] = [];
    if (this.notServable) problems.push(`target: got ${JSON.stringify(device ?? this.target.targetPlatform)}; allowed: ${this.notServable}`);
    for (const type of options.instanceTypes ?? []) {
      const family = `ml_${String(type).split('.')[1] ?? ''}`;
      if (device && !Token.isUnresolved(String(type)) && family !== device) {
        problems.push(`instanceTypes: got ${JSON.stringify(String(type))}; allowed: instances of the family compiled for (${device.replace('_', '.')}.*)`);
      }
    }
    if (problems.length > 0) {
      throw new SageMakerValidationError(`CompiledModel at '${this.node.path}' served by '${scope.node.path}'`, problems);
    }
    if (!this.servingModel) {
      const served = createIsolatedModel(this, {
        instanceTypes: options.instanceTypes,
        algorithm: this.algorithm,
        modelData: this.modelData,
        artifactsBucket: this.artifactBucket,
        artifactsPrefix: this.artifactKey,
        network: this.network,
        encryptionKey: this.artifactEncryptionKey!,
      });
      served.model.node.addDependency(this.completion);
      this.servingModel = served;
    }
    const { model, role } = this.servingModel;
    return { modelName: model.attrModelName, role, network: this.network, encryptionKey: this.artifactEncryptionKey };
  }
}

function checkCompilation(problems: ValidationProblems, props: CompiledModelProps): void {
  const { targetDevice: device, targetPlatform: platform } = props.target;
  const framework = props.framework;
  problems.require((device === undefined) !== (platform === undefined), 'target',
    device !== undefined && platform !== undefined ? JSON.stringify({ device, platform }) : 'neither device nor platform',
    'exactly one of a device (CompilationTarget.device) or a platform (CompilationTarget.platform)');
  if (device !== undefined) {
    problems.require(ALL_DEVICES.includes(device), 'target.device', device, ALL_DEVICES.join(', '));
    if (ALL_DEVICES.includes(device)) {
      const frameworks = frameworksOfDevice(device);
      problems.require(frameworks.includes(framework.name), 'framework', framework.name, `for ${device}, Neo documents ${frameworks.join(', ')}`);
      const cloud = CLOUD_CPU_DEVICES.includes(device) || CLOUD_GPU_DEVICES.includes(device);
      const versions = CLOUD_VERSIONS[framework.name];
      if (cloud && versions && framework.version !== undefined && !Token.isUnresolved(framework.version)) {
        const ok = versions.exactly ? versions.exactly.includes(majorMinor(framework.version)) : atMost(framework.version, versions.upTo!);
        problems.require(ok, 'framework.version', framework.version,
          versions.exactly ? `for ${framework.name} on cloud instances ${versions.exactly.join(', ')}` : `${versions.upTo} or earlier`);
      }
    }
  }
  if (platform !== undefined) {
    problems.require(PLATFORM_OS.includes(platform.os), 'target.platform.os', platform.os, PLATFORM_OS.join(', '));
    problems.require(PLATFORM_ARCH.includes(platform.arch), 'target.platform.arch', platform.arch, PLATFORM_ARCH.join(', '));
    if (platform.accelerator !== undefined) {
      problems.require(PLATFORM_ACCELERATORS.includes(platform.accelerator), 'target.platform.accelerator', platform.accelerator, PLATFORM_ACCELERATORS.join(', '));
    }
    problems.require(EDGE_FRAMEWORKS.includes(framework.name), 'framework', framework.name, `for a platform, Neo documents ${EDGE_FRAMEWORKS.join(', ')}`);
    if (platform.accelerator === 'NVIDIA') {
      const missing = NVIDIA_COMPILER_OPTIONS.filter((option) => !(option in (props.compilerOptions ?? {})));
      problems.require(missing.length === 0, 'compilerOptions', JSON.stringify(props.compilerOptions ?? {}), `for an NVIDIA accelerator, options ${NVIDIA_COMPILER_OPTIONS.join(', ')} (missing ${missing.join(', ')})`);
    }
  }
  if (framework.needsInputShapes) {
    problems.require(props.inputShapes !== undefined && Object.keys(props.inputShapes).length > 0, 'inputShapes',
      props.inputShapes ? JSON.stringify(props.inputShapes) : 'none',
      `the name and shape of each input (Neo needs them for ${framework.name})`);
  }
  for (const [name, shape] of Object.entries(props.inputShapes ?? {})) {
    problems.require(shape.length > 0 && shape.every((n) => Number.isInteger(n) && n > 0), `inputShapes.${name}`, JSON.stringify(shape), 'a non-empty list of positive whole numbers');
  }
  problems.require(framework.version === undefined || Token.isUnresolved(framework.version) || /^\d+(\.\d+){0,2}$/.test(framework.version),
    'framework.version', framework.version, 'a version such as 1.8 or 1.15.3');
  const maxRuntime = props.maxRuntime ?? Duration.hours(1);
  problems.require(maxRuntime.toSeconds() >= 60 && maxRuntime.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(), 'maxRuntime', maxRuntime.toHumanString(),
    'from 1 minute to 12 hours (the deployment\'s wait)');
  if (props.waitTimeout) {
    problems.require(props.waitTimeout.toSeconds() >= 60 && props.waitTimeout.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(),
      'waitTimeout', props.waitTimeout.toHumanString(), 'from 1 minute to 12 hours (CloudFormation\'s wait condition limit)');
  }
}
