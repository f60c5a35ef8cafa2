import { Names, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { IModelRegistry, ModelRegistryBase } from './model-registry-base';
import { RegisteredModelVersion, RegisterOptions } from './model-version';
import { ImportedModelRegistry } from './private/imported-registry';
import { lowerCase } from './private/names';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { IModelSource } from '../models/model-source';

/**
 * Properties of a {@link ModelRegistry}.
 */
export interface ModelRegistryProps {
  /**
   * The model package group's name (1 to 63 letters, digits or "-").
   *
   * @default - derived from the construct's path
   */
  readonly modelPackageGroupName?: string;

  /**
   * What the group holds.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Tags of the group.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };

  /**
   * Other accounts (12-digit ids) allowed to read the group and its versions, to deploy approved
   * versions in their own accounts (they also need read access to the artifacts and keys).
   *
   * @default - none: no resource policy
   */
  readonly crossAccountReaders?: string[];

  /**
   * The network of the stack's deploy-time handler (which records versions' metrics), when the
   * stack has no job that brought one.
   *
   * @default - the stack's job handler's network, else a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key that encrypts what the versions' packages hold (model card, metrics).
   *
   * @default - each version's source's key
   */
  readonly encryptionKey?: kms.IKey;
}

const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * A model registry: an `AWS::SageMaker::ModelPackageGroup` whose versions are registered from any
 * model source (`register`), approved by a person or a rule, and served from the registry
 * (`ServableModel.fromModelPackage` / `fromLatestApproved`). Optionally readable by named
 * accounts, nothing more.
 *
 * The group is `node.defaultChild`.
 */
export class ModelRegistry extends ModelRegistryBase {
  /** A model package group of another app, by name. */
  public static fromModelPackageGroupName(scope: Construct, id: string, modelPackageGroupName: string): IModelRegistry {
    return new ImportedModelRegistry(scope, id, modelPackageGroupName);
  }

  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;

  /** The key of the versions' packages, when one was given. */
  public readonly encryptionKey?: kms.IKey;

  private readonly registered = new Map<IModelSource, string>();
  private network?: SageMakerNetwork;

  constructor(scope: Construct, id: string, props: ModelRegistryProps = {}) {
    super(scope, id);
    const name = props.modelPackageGroupName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    validate(scope, id, props, name);
    this.encryptionKey = props.encryptionKey;
    this.network = props.network;
    const group = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: name,
      modelPackageGroupDescription: props.description,
      modelPackageGroupPolicy: props.crossAccountReaders?.length ? this.readerPolicy(name, props.crossAccountReaders) : undefined,
      tags: props.tags ? Object.entries(props.tags).map(([key, value]) => ({ key, value })) : undefined,
    });
    this.modelPackageGroupName = name;
    this.modelPackageGroupArn = group.attrModelPackageGroupArn;
  }

  /**
   * Registers a version of the model (an `AWS::SageMaker::ModelPackage`): its inference
   * specification from the algorithm, the artifact, the approval status (pending by default), the
   * source training job's final metrics as model quality statistics, and lineage.
   */
  public register(id: string, options: RegisterOptions): RegisteredModelVersion {
    const problems = ValidationProblems.of('ModelRegistry.register()', this, id);
    const earlier = this.registered.get(options.model);
    problems.require(earlier === undefined, 'model', options.model.algorithm.name,
      `a model source not yet registered in this group (it is registered as ${earlier})`);
    problems.throwIfAny();
    const version = new RegisteredModelVersion(this, id, { ...options, registry: this });
    this.registered.set(options.model, id);
    return version;
  }

  /**
   * The network for the stack's job handler if a version creates it.
   *
   * @internal
   */
  public get _handlerNetwork(): SageMakerNetwork {
    this.network ??= new SageMakerNetwork(this, 'Network');
    return this.network;
  }

  /** Describe and list the group's versions, for the named accounts. */
  private readerPolicy(name: string, accounts: string[]): unknown {
    const principals = accounts.map((account) => new iam.AccountPrincipal(account));
    const group = this.stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: lowerCase(name) });
    const document = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'ReadGroup', principals, actions: ['sagemaker:DescribeModelPackageGroup'], resources: [group] }),
        new iam.PolicyStatement({
          sid: 'ReadVersions',
          principals,
          actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
          resources: [this.stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${lowerCase(name)}/*` })],
        }),
      ],
    });
    return document.toJSON();
  }
}

function validate(scope: Construct, id: string, props: ModelRegistryProps, name: string): void {
  const problems = ValidationProblems.of('ModelRegistry', scope, id);
  problems.require(Token.isUnresolved(name) || GROUP_NAME.test(name), 'modelPackageGroupName', name, '1 to 63 letters, digits or "-", starting and ending with a letter or digit');
  for (const account of props.crossAccountReaders ?? []) {
    problems.require(/^\d{12}$/.test(account), 'crossAccountReaders', account, 'a 12-digit AWS account id');
  }
  problems.throwIfAny();
}
