import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FeatureGroup, FeatureGroupProps } from './feature-group';
import { SageMakerKey } from '../core/encryption';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { SageMakerNetwork } from '../core/network';
import { ValidationProblems } from '../core/private/validation';
import { platformBucket } from '../core/private/platform-bucket';
import { SecureBucket } from '../core/storage';

/**
 * Properties of a {@link FeatureStore}.
 */
export interface FeatureStoreProps {
  /**
   * The network whose workloads read features; its `sagemaker.featurestore-runtime` endpoint is
   * made sure of, and its key is shared.
   *
   * @default - no network: the store needs none of its own
   */
  readonly network?: SageMakerNetwork;

  /**
   * The key for the online and offline stores.
   *
   * @default - the network's key, or a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket of the offline stores (each group writes under `offline/<group name>/`).
   *
   * @default - the stack's shared platform bucket, or a new SecureBucket of the store's when
   * `removalPolicy` is set
   */
  readonly offlineBucket?: s3.IBucket;

  /**
   * The Glue database the offline stores' tables are created in (lower case, digits, `_`).
   *
   * @default - derived from the construct's path
   */
  readonly databaseName?: string;

  /**
   * Give the store an offline bucket of its own, with this removal policy, instead of the
   * stack's shared platform bucket (which is always retained).
   *
   * @default - the shared platform bucket, retained
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What a platform's feature groups share: the KMS key of their online and offline stores, the
 * hardened bucket of the offline stores, a Glue database for their tables, and the role SageMaker
 * writes the offline stores with.
 */
export class FeatureStore extends Construct {
  /** The key of the online and offline stores. */
  public readonly encryptionKey: kms.IKey;

  /** The bucket of the offline stores. */
  public readonly offlineBucket: s3.IBucket;

  /** The Glue database of the offline stores' tables. */
  public readonly databaseName: string;

  /** The role SageMaker writes the offline stores (and their Glue tables) with. */
  public readonly offlineStoreRole: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: FeatureStoreProps = {}) {
    super(scope, id);
    const databaseName = props.databaseName ?? `${scope.node.id}_${id}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 255);
    ValidationProblems.of('FeatureStore', scope, id)
      .require(/^[a-z0-9_]{1,255}$/.test(databaseName), 'databaseName', databaseName, '1 to 255 lower-case letters, digits or "_"')
      .throwIfAny();
    this.databaseName = databaseName;
    props.network?.addInterfaceEndpoint('sagemaker.featurestore-runtime');
    this.encryptionKey = props.encryptionKey ?? props.network?.encryptionKey ?? new SageMakerKey(this, 'Key', {
      description: `SageMaker Feature Store ${this.node.path}`,
    }).key;
    this.offlineBucket = props.offlineBucket ?? (props.removalPolicy !== undefined
      ? new SecureBucket(this, 'Offline', { encryptionKey: this.encryptionKey, removalPolicy: props.removalPolicy }).bucket
      : platformBucket(this, this.encryptionKey));

    new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: databaseName, description: `Offline stores of the SageMaker feature groups of ${this.node.path}` },
    });

    this.offlineStoreRole = new ManagedPolicyRole(this, 'OfflineStoreRole', {
      description: `SageMaker writes the offline stores of ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    this.offlineStoreRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [this.encryptionKey.keyArn],
    }));
  }

  /**
   * Adds a feature group with online and/or offline stores encrypted with the store's key.
   */
  public addFeatureGroup(id: string, props: FeatureGroupProps): FeatureGroup {
    return new FeatureGroup(this, id, { ...props, store: this });
  }

  /** The ARN of the store's Glue database. */
  public get databaseArn(): string {
    return `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:database/${this.databaseName}`;
  }
}
