import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { Feature, FeatureType } from './feature';
import { FeatureGroupAttributes, FeatureGroupBase, IFeatureGroup } from './feature-group-base';
import type { FeatureStore } from './feature-store';
import { featureGroupArn, ImportedFeatureGroup } from './private/imported-feature-group';
import { ValidationProblems } from '../core/private/validation';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';

/** The online store's storage tier. */
export enum OnlineStorageType {
  /** Durable, single-digit millisecond reads. */
  STANDARD = 'Standard',
  /** In memory, sub-millisecond reads. */
  IN_MEMORY = 'InMemory',
}

/** The offline store's table format. */
export enum OfflineTableFormat {
  ICEBERG = 'Iceberg',
  GLUE = 'Glue',
}

/**
 * Options of a feature group's online store.
 */
export interface OnlineStoreOptions {
  /**
   * How long a record stays in the online store after its event time (at least 1 minute).
   *
   * @default - records do not expire
   */
  readonly ttl?: Duration;

  /**
   * The storage tier.
   *
   * @default OnlineStorageType.STANDARD
   */
  readonly storageType?: OnlineStorageType;
}

/**
 * Options of a feature group's offline store.
 */
export interface OfflineStoreOptions {
  /**
   * The table format of the offline store.
   *
   * @default OfflineTableFormat.ICEBERG
   */
  readonly tableFormat?: OfflineTableFormat;

  /**
   * Do not create a Glue table for the offline store.
   *
   * @default false
   */
  readonly disableGlueTableCreation?: boolean;

  /**
   * The key prefix of the offline store in the store's bucket, ending in `/`.
   *
   * @default 'offline/'
   */
  readonly prefix?: string;
}

/**
 * Read and write capacity of a feature group.
 */
export class ThroughputMode {
  /** Pay per request (the default). */
  public static onDemand(): ThroughputMode {
    return new ThroughputMode('OnDemand');
  }

  /** Provisioned read and write capacity units of the online store. */
  public static provisioned(readCapacityUnits: number, writeCapacityUnits: number): ThroughputMode {
    return new ThroughputMode('Provisioned', readCapacityUnits, writeCapacityUnits);
  }

  private constructor(
    /** `OnDemand` or `Provisioned`. */
    public readonly mode: string,
    /** Provisioned read capacity units. */
    public readonly readCapacityUnits?: number,
    /** Provisioned write capacity units. */
    public readonly writeCapacityUnits?: number,
  ) {}
}

/**
 * Properties of a feature group, as given to `FeatureStore.addFeatureGroup`.
 */
export interface FeatureGroupProps {
  /** The feature that identifies a record (String or Integral); added to the features if not listed. */
  readonly recordIdentifier: Feature;

  /** The feature holding each record's event time (String in ISO-8601, or Fractional seconds); added if not listed. */
  readonly eventTime: Feature;

  /** The group's features (at most 2,500 with the two above). */
  readonly features: Feature[];

  /**
   * An online store for low-latency reads of the latest values.
   *
   * @default - no online store
   */
  readonly online?: OnlineStoreOptions;

  /**
   * The offline store's settings.
   *
   * @default - an offline store of Iceberg tables, with a Glue table
   */
  readonly offline?: OfflineStoreOptions;

  /**
   * Keep no offline store (history) at all; the group then needs an online store.
   *
   * @default false
   */
  readonly disableOfflineStore?: boolean;

  /**
   * The feature group's name.
   *
   * @default - derived from the construct's path
   */
  readonly featureGroupName?: string;

  /**
   * A description.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Read and write capacity.
   *
   * @default ThroughputMode.onDemand()
   */
  readonly throughput?: ThroughputMode;
}

/**
 * Properties of a {@link FeatureGroup} created directly.
 */
export interface FeatureGroupConstructProps extends FeatureGroupProps {
  /** The store whose key, bucket, database and role the group uses. */
  readonly store: FeatureStore;
}

const RESERVED_NAMES = ['is_deleted', 'write_time', 'api_invocation_time'];
const FEATURE_NAME = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
const MAX_FEATURES = 2500;

/**
 * A SageMaker feature group whose online store (if any) and offline store are encrypted with the
 * store's customer-managed key, with grants for reading, writing and querying it.
 */
export class FeatureGroup extends FeatureGroupBase {
  /** A feature group of another app, by name (grants then cover its records, not its key). */
  public static fromFeatureGroupName(scope: Construct, id: string, featureGroupName: string): IFeatureGroup {
    return new ImportedFeatureGroup(scope, id, { featureGroupName });
  }

  /** A feature group of another app, with the key of its online store. */
  public static fromFeatureGroupAttributes(scope: Construct, id: string, attrs: FeatureGroupAttributes): IFeatureGroup {
    return new ImportedFeatureGroup(scope, id, attrs);
  }

  /** The feature group's name. */
  public readonly featureGroupName: string;

  /** The feature group's ARN. */
  public readonly featureGroupArn: string;

  /** The store it belongs to. */
  public readonly store: FeatureStore;

  /** The Glue table of the offline store, if one is created. */
  public readonly tableName?: string;

  protected readonly storeKey?: kms.IKey;
  private readonly offlinePrefix?: string;

  constructor(scope: Construct, id: string, props: FeatureGroupConstructProps) {
    super(scope, id);
    this.store = props.store;
    this.featureGroupName = props.featureGroupName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const features = allFeatures(props);
    validate(scope, id, props, this.featureGroupName, features);
    this.featureGroupArn = featureGroupArn(this, this.featureGroupName);

    const key = this.storeKey = this.store.encryptionKey;
    const offline = props.disableOfflineStore ? undefined : props.offline ?? {};
    if (offline) {
      this.offlinePrefix = `${offline.prefix ?? 'offline/'}${this.featureGroupName}/`;
      this.tableName = offline.disableGlueTableCreation ? undefined : this.featureGroupName.toLowerCase().replace(/-/g, '_');
      this.allowOfflineWrites();
    }

    const group = new sagemaker.CfnFeatureGroup(this, 'Resource', {
      featureGroupName: this.featureGroupName,
      description: props.description,
      recordIdentifierFeatureName: props.recordIdentifier.name,
      eventTimeFeatureName: props.eventTime.name,
      featureDefinitions: features.map((feature) => ({ featureName: feature.name, featureType: feature.type })),
      // These two L1 properties are untyped JSON, so they take CloudFormation's casing.
      onlineStoreConfig: props.online ? {
        EnableOnlineStore: true,
        SecurityConfig: { KmsKeyId: key.keyArn },
        StorageType: props.online.storageType ?? OnlineStorageType.STANDARD,
        TtlDuration: props.online.ttl ? renderTtl(props.online.ttl) : undefined,
      } : undefined,
      offlineStoreConfig: offline ? {
        // SageMaker writes under <S3Uri>/<account>/sagemaker/<region>/offline-store/: the group's own prefix.
        S3StorageConfig: { S3Uri: this.store.offlineBucket.s3UrlForObject(this.offlinePrefix), KmsKeyId: key.keyArn },
        DisableGlueTableCreation: offline.disableGlueTableCreation ?? false,
        DataCatalogConfig: this.tableName ? { Catalog: 'AwsDataCatalog', Database: this.store.databaseName, TableName: this.tableName } : undefined,
        TableFormat: offline.tableFormat ?? OfflineTableFormat.ICEBERG,
      } : undefined,
      roleArn: offline ? this.store.offlineStoreRole.roleArn : undefined,
      throughputConfig: props.throughput ? {
        throughputMode: props.throughput.mode,
        provisionedReadCapacityUnits: props.throughput.readCapacityUnits,
        provisionedWriteCapacityUnits: props.throughput.writeCapacityUnits,
      } : undefined,
    });
    if (offline) group.node.addDependency(this.store.offlineStoreRole);
  }

  /**
   * Lets the grantee query the offline store with Athena: the Glue table, the objects under the
   * group's offline prefix, the key, and queries in a workgroup.
   *
   * @param workgroup the Athena workgroup queries run in
   * @default workgroup 'primary'
   */
  public grantQueryOffline(grantee: iam.IGrantable, workgroup: string = 'primary'): iam.Grant {
    if (!this.offlinePrefix) {
      throw new Error(`FeatureGroup ${this.node.path} has no offline store to query (disableOfflineStore is true)`);
    }
    const stack = Stack.of(this);
    const bucket = this.store.offlineBucket;
    const objects = bucket.arnForObjects(`${this.offlinePrefix}*`);
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [objects] });
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.offlinePrefix}*`] } },
    }));
    iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt', 'kms:DescribeKey'], resourceArns: [this.store.encryptionKey.keyArn] });
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      acknowledgeWildcardResource(grantee.grantPrincipal, objects, `Reads the offline store of feature group ${this.featureGroupName}: objects under its prefix, which S3 can only grant by pattern.`);
    }
    const glueResources = [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      this.store.databaseArn,
      ...(this.tableName ? [stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.store.databaseName}/${this.tableName}` })] : []),
    ];
    iam.Grant.addToPrincipal({ grantee, actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'], resourceArns: glueResources });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      resourceArns: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workgroup })],
    });
  }

  /** SageMaker writes the group's offline store (and its Glue table) with the store's role. */
  private allowOfflineWrites(): void {
    const role = this.store.offlineStoreRole;
    const bucket = this.store.offlineBucket;
    const objects = bucket.arnForObjects(`${this.offlinePrefix}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: [objects],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketAcl'], resources: [bucket.bucketArn] }));
    acknowledgeWildcardResource(role, objects, `SageMaker writes the offline store of ${this.featureGroupName} under its own prefix; S3 object ARNs can only be granted by pattern.`);
    if (this.tableName) {
      const stack = Stack.of(this);
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable', 'glue:BatchCreatePartition', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          this.store.databaseArn,
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.store.databaseName}/${this.tableName}` }),
        ],
      }));
    }
  }
}

/** The features as defined: record identifier and event time first, each feature once. */
function allFeatures(props: FeatureGroupProps): Feature[] {
  const listed = new Set(props.features.map((feature) => feature.name));
  return [
    ...[props.recordIdentifier, props.eventTime].filter((feature) => !listed.has(feature.name)),
    ...props.features,
  ];
}

function renderTtl(ttl: Duration): { Unit: string; Value: number } {
  const seconds = ttl.toSeconds();
  for (const [unit, size] of [['Weeks', 604800], ['Days', 86400], ['Hours', 3600], ['Minutes', 60]] as const) {
    if (seconds % size === 0) return { Unit: unit, Value: seconds / size };
  }
  return { Unit: 'Seconds', Value: seconds };
}

function validate(scope: Construct, id: string, props: FeatureGroupConstructProps, name: string, features: Feature[]): void {
  const problems = ValidationProblems.of('FeatureGroup', scope, id);
  problems.require(FEATURE_NAME.test(name), 'featureGroupName', name, '1 to 64 letters or digits, with single "-" or "_" between them');
  // The Glue table is named after the group, lower-cased: a name known only at deploy time cannot
  // be (lower-casing the token's text would break it), so say so instead of rendering garbage.
  if (Token.isUnresolved(name) && !props.disableOfflineStore && !props.offline?.disableGlueTableCreation) {
    problems.add('featureGroupName', name, 'a literal name when the offline store creates its Glue table (named after the group, lower-cased), or offline.disableGlueTableCreation: true');
  }
  const seen = new Set<string>();
  for (const feature of features) {
    problems.require(FEATURE_NAME.test(feature.name), 'features[].name', feature.name, '1 to 64 letters or digits, with "-" or "_" between them');
    problems.require(!RESERVED_NAMES.includes(feature.name.toLowerCase()), 'features[].name', feature.name, `a name other than the reserved ${RESERVED_NAMES.join(', ')}`);
    problems.require(!seen.has(feature.name), 'features[].name', feature.name, 'each feature name once');
    seen.add(feature.name);
  }
  problems.require(features.length <= MAX_FEATURES, 'features', `${features.length} features`, `at most ${MAX_FEATURES}`);
  const identifier = props.recordIdentifier;
  problems.require(identifier.type !== FeatureType.FRACTIONAL, 'recordIdentifier',
    `${identifier.type} ${identifier.name}`, 'a String or Integral feature');
  const eventTime = props.eventTime;
  problems.require(eventTime.type !== FeatureType.INTEGRAL, 'eventTime',
    `${eventTime.type} ${eventTime.name}`, 'a String (ISO-8601) or Fractional (seconds since the epoch) feature');
  problems.require(identifier.name !== eventTime.name, 'eventTime', eventTime.name, 'a feature other than the record identifier');
  problems.require(props.online !== undefined || !props.disableOfflineStore, 'online', 'nothing with disableOfflineStore: true',
    'an online store, or an offline store: a group with neither stores nothing');
  if (props.online?.ttl) {
    problems.require(props.online.ttl.toSeconds() >= 60, 'online.ttl', props.online.ttl.toHumanString(), 'at least 1 minute');
  }
  if (props.offline?.prefix !== undefined) {
    problems.require(props.offline.prefix.endsWith('/'), 'offline.prefix', props.offline.prefix, 'a key prefix ending in "/"');
  }
  if (props.throughput?.mode === 'Provisioned') {
    problems.require(Number.isInteger(props.throughput.readCapacityUnits) && props.throughput.readCapacityUnits! >= 1,
      'throughput.readCapacityUnits', props.throughput.readCapacityUnits, 'a whole number of at least 1');
    problems.require(Number.isInteger(props.throughput.writeCapacityUnits) && props.throughput.writeCapacityUnits! >= 1,
      'throughput.writeCapacityUnits', props.throughput.writeCapacityUnits, 'a whole number of at least 1');
    problems.require(props.online !== undefined, 'throughput', 'Provisioned', 'OnDemand without an online store');
  }
  problems.throwIfAny();
}
