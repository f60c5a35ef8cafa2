import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { AutoMLInput, AutoMLMetric, AutoMLMode, AutoMLProblemType } from './automl-input';
import { AutoMLRegistrationOptions } from './automl-registration-options';
import { METRICS_BY_PROBLEM_TYPE } from './private/automl-metrics';
import { SageMakerNetwork } from '../core/network';
import { platformBucket } from '../core/private/platform-bucket';
import { AUTOML_MODEL_PACKAGE_RESOURCE_TYPE } from '../core/private/resource-types';
import { DEFAULT_SERVING_INSTANCE_TYPES } from '../core/private/serving-instance-types';
import { ValidationProblems } from '../core/private/validation';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';
import { SageMakerExecutionRole } from '../core/roles';
import { IServableModel, ServingBindOptions, ServingModelConfig } from '../models/servable-model';
import { configurationHash, DeployTimeJob } from '../private/deploy-time-job';
import { jobHandler } from '../private/job-handler';
import { AUTOML_JOB, jobNamePrefix } from '../private/job-kinds';
import { apiVpcConfigOf } from '../private/vpc-config';
import { ModelApprovalStatus } from '../registry/model-approval-status';
import { IModelRegistry } from '../registry/model-registry-base';
import { MAX_WAIT_CONDITION, renderTags } from '../training/private/training-setup';

/**
 * Properties of an {@link AutoMLModel}.
 */
export interface AutoMLModelProps {
  /** The tabular data set: CSV (with a header row) or Parquet files under an S3 prefix. */
  readonly data: AutoMLInput;

  /** The column to predict. */
  readonly target: string;

  /**
   * The kind of problem.
   *
   * @default - inferred by Autopilot from the target column (then `objectiveMetric` cannot be given)
   */
  readonly problemType?: AutoMLProblemType;

  /**
   * The metric optimized; it must fit the problem type.
   *
   * @default - Autopilot's default for the problem type (F1 for binary classification,
   * Accuracy for multiclass, MSE for regression)
   */
  readonly objectiveMetric?: AutoMLMetric;

  /**
   * How candidates are built.
   *
   * @default AutoMLMode.ENSEMBLING
   */
  readonly mode?: AutoMLMode;

  /**
   * The most candidates Autopilot trains (1 to 750).
   *
   * @default 10
   */
  readonly maxCandidates?: number;

  /**
   * How long one candidate's training may run.
   *
   * @default Duration.hours(1)
   */
  readonly maxRuntimePerCandidate?: Duration;

  /**
   * How long the whole AutoML job may run (at most 12 hours: the deployment waits for it).
   *
   * @default Duration.hours(4)
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoMLJobCompletionCriteria.html
   */
  readonly maxRuntime?: Duration;

  /**
   * The network Autopilot's jobs and the best candidate's model run in.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key for Autopilot's volumes and output, and the model's data.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket Autopilot writes its candidates, reports and artifacts to (under `automl/<prefix>/`).
   *
   * @default - the stack's shared platform bucket
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * How long the deployment waits for the job (at most 12 hours).
   *
   * @default Duration.hours(12)
   */
  readonly waitTimeout?: Duration;

  /**
   * Tags of the AutoML job and the model.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** Autopilot's own images serve its candidates; their registries differ by region and framework. */
const AUTOPILOT_REPOSITORIES = ['sagemaker-sklearn-automl', 'autogluon-inference', 'sagemaker-xgboost', 'mxnet-inference', 'pytorch-inference'];
/** What Autopilot does with the role: the data processing, training, tuning and transform jobs of its candidates. */
const AUTOPILOT_JOB_RESOURCES = ['processing-job', 'training-job', 'hyper-parameter-tuning-job', 'transform-job', 'model'];
const AUTOPILOT_JOB_ACTIONS = [
  'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
  'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob',
  'sagemaker:CreateHyperParameterTuningJob', 'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob',
  'sagemaker:ListTrainingJobsForHyperParameterTuningJob',
  'sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob',
  'sagemaker:CreateModel', 'sagemaker:DescribeModel', 'sagemaker:DeleteModel', 'sagemaker:AddTags',
];

/**
 * A model found by SageMaker Autopilot while the stack deploys: an AutoML V2 job on a tabular
 * data set (in the VPC, inter-container encryption, KMS on volumes and output, a maximum
 * runtime, its own least-privilege role), whose end the stack's job handler polls (SageMaker sends
 * no event for AutoML jobs); then the handler makes a SageMaker model of the best candidate's
 * inference containers (run in series when there are several), in the VPC with network
 * isolation. `MonitoredEndpoint` serves it; `bestCandidateMetric` is the objective value reached.
 */
export class AutoMLModel extends Construct implements IServableModel {
  /** The AutoML job's name: the construct's path and a hash of its configuration (at most 32 characters). */
  public readonly autoMLJobName: string;

  /** The AutoML job's ARN. */
  public readonly autoMLJobArn: string;

  /** The SageMaker model of the best candidate. */
  public readonly modelName: string;

  /** The best candidate's name. */
  public readonly bestCandidateName: string;

  /** The objective metric's name, as Autopilot reports it. */
  public readonly bestCandidateMetricName: string;

  /** The value of the objective metric the best candidate reached. */
  public readonly bestCandidateMetric: string;

  /** The number of inference containers of the best candidate (more than one run in series). */
  public readonly containerCount: string;

  /** Where Autopilot writes candidates, reports and artifacts. */
  public readonly outputBucket: s3.IBucket;

  /** The key prefix of Autopilot's output. */
  public readonly outputPrefix: string;

  /** The role the AutoML job runs as. */
  public readonly role: SageMakerExecutionRole;

  /** The role the best candidate's model runs as. */
  public readonly modelRole: SageMakerExecutionRole;

  /** The network the job and model run in. */
  public readonly network: SageMakerNetwork;

  /** The key of volumes, output and model data. */
  public readonly encryptionKey: kms.IKey;

  /** Completes when the model of the best candidate exists. */
  public readonly completion: IDependable;

  constructor(scope: Construct, id: string, props: AutoMLModelProps) {
    super(scope, id);
    const problems = ValidationProblems.of('AutoMLModel', scope, id);
    checkAutoML(problems, props);
    problems.throwIfAny();

    const prefix = jobNamePrefix(this, AUTOML_JOB);
    const stack = Stack.of(this);
    this.network = props.network ?? new SageMakerNetwork(this, 'Network');
    const key = this.encryptionKey = props.encryptionKey ?? this.network.encryptionKey;
    const bucket = this.outputBucket = props.outputBucket ?? platformBucket(this, key);
    const outputPrefix = this.outputPrefix = `automl/${prefix}/`;
    const { data } = props;

    // The job's role: Autopilot runs its candidates' jobs with it, all named after the AutoML job.
    const role = this.role = new SageMakerExecutionRole(this, 'ExecutionRole', {
      description: `Execution role of SageMaker Autopilot in ${this.node.path}`,
      sourceArnPattern: stack.formatArn({ service: 'sagemaker', resource: '*', resourceName: `${prefix}*` }),
    });
    role.grantRead(data.bucket, data.prefix);
    if (data.options.encryptionKey) role.grantDecrypt(data.options.encryptionKey);
    role.grantRead(bucket, outputPrefix);
    role.grantWrite(bucket, outputPrefix);
    role.grantEncryptDecrypt(key);
    role.grantLogs('/aws/sagemaker/');
    role.allowPutMetricData();
    role.allowVpcAccess();
    for (const resource of AUTOPILOT_JOB_RESOURCES) {
      const pattern = stack.formatArn({ service: 'sagemaker', resource, resourceName: `${prefix}*` });
      role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: AUTOPILOT_JOB_ACTIONS, resources: [pattern] }));
      acknowledgeWildcardResource(role.role, pattern,
        'Autopilot creates the processing, training, tuning and transform jobs (and models) of its candidates with this role, named after the AutoML job: the grant is limited to that name prefix.');
    }
    role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [role.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));

    const maxRuntime = props.maxRuntime ?? Duration.hours(4);
    const job = new DeployTimeJob(this, 'Job', {
      kind: AUTOML_JOB,
      namePrefix: prefix,
      request: {
        AutoMLJobInputDataConfig: [{
          ChannelType: 'training',
          ContentType: data.contentType,
          CompressionType: data.options.gzip ? 'Gzip' : 'None',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: data.bucket.s3UrlForObject(data.prefix) } },
        }],
        OutputDataConfig: { S3OutputPath: bucket.s3UrlForObject(outputPrefix), KmsKeyId: key.keyArn },
        AutoMLProblemTypeConfig: {
          TabularJobConfig: {
            TargetAttributeName: props.target,
            ProblemType: props.problemType,
            Mode: props.mode ?? AutoMLMode.ENSEMBLING,
            CompletionCriteria: {
              MaxCandidates: props.maxCandidates ?? 10,
              MaxRuntimePerTrainingJobInSeconds: (props.maxRuntimePerCandidate ?? Duration.hours(1)).toSeconds(),
              MaxAutoMLJobRuntimeInSeconds: maxRuntime.toSeconds(),
            },
          },
        },
        AutoMLJobObjective: props.objectiveMetric ? { MetricName: props.objectiveMetric } : undefined,
        SecurityConfig: {
          VolumeKmsKeyId: key.keyArn,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: apiVpcConfigOf(this.network),
        },
        RoleArn: role.role.roleArn,
        Tags: renderTags(props.tags),
      },
      executionRole: role.role,
      network: this.network,
      encryptionKey: key,
      waitTimeout: props.waitTimeout ?? MAX_WAIT_CONDITION,
    });
    this.autoMLJobName = job.jobName;
    this.autoMLJobArn = job.jobArn;

    // The best candidate's model: its role reads the candidates' artifacts and pulls Autopilot's images.
    const modelRole = this.modelRole = new SageMakerExecutionRole(this, 'ModelRole', {
      description: `Execution role of the SageMaker model of ${this.node.path}`,
    });
    modelRole.grantRead(bucket, outputPrefix);
    modelRole.grantEncryptDecrypt(key);
    modelRole.grantLogs('/aws/sagemaker/Endpoints');
    modelRole.allowPutMetricData();
    modelRole.allowVpcAccess();
    for (const repository of AUTOPILOT_REPOSITORIES) {
      modelRole.grantPullFrom(`arn:${stack.partition}:ecr:${stack.region}:*:repository/${repository}`,
        `Autopilot picks the best candidate's images (${repository}) from AWS-owned registries whose account differs by region and framework.`);
    }
    const modelProperties = {
      ExecutionRoleArn: modelRole.role.roleArn,
      VpcConfig: apiVpcConfigOf(this.network),
      EnableNetworkIsolation: true,
      Tags: renderTags(props.tags),
    };
    // A new model (name) whenever the job or the model's settings change; CloudFormation deletes the old one.
    const modelName = `${job.jobName}-${configurationHash(this, modelProperties)}`;
    job.allowHandler(['sagemaker:CreateModel', 'sagemaker:DescribeModel', 'sagemaker:DeleteModel', 'sagemaker:AddTags'],
      stack.formatArn({ service: 'sagemaker', resource: 'model', resourceName: modelName }));
    job.allowHandler(['iam:PassRole'], modelRole.role.roleArn, { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    const model = job.readResult(this, 'BestCandidateModel', { ...modelProperties, ModelName: modelName });
    model.node.addDependency(modelRole);
    this.modelName = model.getAttString('ModelName');
    this.bestCandidateName = model.getAttString('BestCandidateName');
    this.bestCandidateMetricName = model.getAttString('BestCandidateMetricName');
    this.bestCandidateMetric = model.getAttString('BestCandidateMetric');
    this.containerCount = model.getAttString('ContainerCount');
    this.completion = model;

    if (maxRuntime.toSeconds() > (props.waitTimeout ?? MAX_WAIT_CONDITION).toSeconds()) {
      Annotations.of(this).addWarningV2('sagemaker-secure-constructs:automlOutlastsDeploy',
        'The AutoML job may run longer than the deployment waits: a job still running then fails the deployment and is stopped.');
    }
  }

  /**
   * Registers the best candidate as a version in a model registry once the job has ended: its
   * inference containers with the environment Autopilot gave them (known only then, so the stack's
   * job handler creates the version), the AutoML job as its lineage (`GeneratedBy`) and this
   * model's key. A changed registration is a new version; removing it deletes the version, as a
   * CloudFormation model package does. Returns the version's ARN.
   *
   * (An `InferencePipeline` cannot take the best candidate as a stage: it is itself a serial model
   * of one to three containers that Autopilot picks, and a pipeline's containers are fixed at synth.)
   */
  public registerIn(registry: IModelRegistry, options: AutoMLRegistrationOptions = {}): string {
    const stack = Stack.of(this);
    const handler = jobHandler(this, this.encryptionKey, this.network);
    const group = registry.modelPackageGroupName;
    const versions = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${group}/*` });
    handler.allow(['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:DeleteModelPackage', 'sagemaker:AddTags'], versions);
    handler.allow(['sagemaker:DescribeModelPackageGroup'], registry.modelPackageGroupArn);
    handler.allow(['kms:DescribeKey', 'kms:CreateGrant'], this.encryptionKey.keyArn, { Bool: { 'kms:GrantIsForAWSResource': true } });
    acknowledgeWildcardResource(handler.role, versions,
      'Versions of this model package group only: SageMaker numbers each new version, so the ARN of the one being registered is not known before.');
    let id = 'Registration';
    for (let n = 2; this.node.tryFindChild(id); n++) id = `Registration${n}`;
    const registration = handler.createResource(this, id, AUTOML_MODEL_PACKAGE_RESOURCE_TYPE, {
      AutoMLJobName: this.autoMLJobName,
      ModelPackageGroupName: group,
      ModelApprovalStatus: options.approval ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
      Description: options.description,
      InstanceTypes: (options.instanceTypes ?? [...DEFAULT_SERVING_INSTANCE_TYPES]).map(String),
      KmsKeyId: this.encryptionKey.keyArn,
    });
    registration.node.addDependency(this.completion);
    if (Construct.isConstruct(registry)) registration.node.addDependency(registry);
    return registration.getAttString('ModelPackageArn');
  }

  /** The model of the best candidate (one per construct, whatever the consumer). */
  public bindForServing(_scope: Construct, _options?: ServingBindOptions): ServingModelConfig {
    return { modelName: this.modelName, role: this.modelRole, network: this.network, encryptionKey: this.encryptionKey };
  }
}

function checkAutoML(problems: ValidationProblems, props: AutoMLModelProps): void {
  problems.require(Token.isUnresolved(props.target) || props.target.trim().length > 0, 'target', props.target,
    'the name of the column to predict (not empty)');
  if (props.objectiveMetric !== undefined) {
    if (props.problemType === undefined) {
      problems.add('objectiveMetric', props.objectiveMetric, 'no objective metric unless problemType is given (Autopilot must know the problem type to judge the metric)');
    } else {
      const allowed = METRICS_BY_PROBLEM_TYPE[props.problemType];
      problems.require(allowed.includes(props.objectiveMetric), 'objectiveMetric', props.objectiveMetric,
        `for ${props.problemType}, one of ${allowed.join(', ')}`);
    }
  }
  const candidates = props.maxCandidates ?? 10;
  problems.require(Number.isInteger(candidates) && candidates >= 1 && candidates <= 750, 'maxCandidates', candidates, 'a whole number from 1 to 750');
  const perCandidate = props.maxRuntimePerCandidate ?? Duration.hours(1);
  const maxRuntime = props.maxRuntime ?? Duration.hours(4);
  problems.require(perCandidate.toSeconds() >= 60, 'maxRuntimePerCandidate', perCandidate.toHumanString(), 'at least 1 minute');
  problems.require(maxRuntime.toSeconds() >= 60 && maxRuntime.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(), 'maxRuntime', maxRuntime.toHumanString(),
    'from 1 minute to 12 hours (the deployment waits for the job)');
  problems.require(perCandidate.toSeconds() <= maxRuntime.toSeconds(), 'maxRuntimePerCandidate', perCandidate.toHumanString(),
    `at most maxRuntime (${maxRuntime.toHumanString()})`);
  if (props.waitTimeout) {
    problems.require(props.waitTimeout.toSeconds() >= 60 && props.waitTimeout.toSeconds() <= MAX_WAIT_CONDITION.toSeconds(),
      'waitTimeout', props.waitTimeout.toHumanString(), 'from 1 minute to 12 hours (CloudFormation\'s wait condition limit)');
  }
  problems.require(Token.isUnresolved(props.data.prefix) || props.data.prefix === '' || props.data.prefix.endsWith('/'), 'data.prefix', props.data.prefix, 'a key prefix ending in "/"');
}
