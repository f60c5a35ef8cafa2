import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SageMakerKey } from './encryption';
import { acknowledge, CONTROL_TOWER } from './private/nag-acknowledgments';
import { ValidationProblems } from './private/validation';

/**
 * Properties of a {@link SecureBucket}.
 */
export interface SecureBucketProps {
  /**
   * The key that encrypts the bucket's objects (SSE-KMS with an S3 bucket key).
   *
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket that receives this bucket's server access logs.
   *
   * @default - a new log bucket is created beside this one
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * A prefix for the server access log objects.
   *
   * @default - the construct's path-derived unique id followed by `/`
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * What happens to the bucket when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long an object version is kept once it is no longer current (overwritten or deleted).
   * Versioning stays on, so a deleted or overwritten object can be recovered for this long.
   * Current versions (model artifacts, datasets) are never expired by this bucket.
   *
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * How long an incomplete multipart upload (an interrupted training-job or capture upload) is
   * kept before its parts are deleted.
   *
   * @default Duration.days(7)
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;

  /**
   * Turn on S3 Object Lock. With no default retention nothing is locked until someone puts a
   * retention period or legal hold on an object (a model artifact under audit, say); it can only
   * be turned on when the bucket is created.
   *
   * @default true
   */
  readonly objectLockEnabled?: boolean;

  /**
   * Send the bucket's object events to Amazon EventBridge, where rules can start retraining on
   * new data or alert on deletions (no charge unless a rule matches). Set on the bucket
   * resource itself, with no custom resource.
   *
   * @default true
   */
  readonly eventBridgeEnabled?: boolean;
}

/**
 * An S3 bucket hardened for ML data: SSE-KMS with a customer-managed key, all public access
 * blocked, TLS enforced by the bucket policy, versioning, server access logging, ACLs disabled
 * (bucket owner enforced), a lifecycle that expires noncurrent versions and incomplete multipart
 * uploads (never current objects), Object Lock available, and events to EventBridge.
 */
export class SecureBucket extends Construct {
  /** The bucket. */
  public readonly bucket: s3.Bucket;

  /** The key that encrypts the bucket. */
  public readonly encryptionKey: kms.IKey;

  /** The bucket that receives the server access logs. */
  public readonly serverAccessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    validate(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? new SageMakerKey(this, 'Key', {
      description: `Objects of ${this.node.path}`,
    }).key;
    this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? this.createLogBucket(removalPolicy, props);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      objectLockEnabled: props.objectLockEnabled ?? true,
      lifecycleRules: lifecycleRules(props),
    });
    enableEventBridge(this.bucket, props.eventBridgeEnabled ?? true);
    this.logAccessTo(this.serverAccessLogsBucket, props.serverAccessLogsPrefix ?? `${this.node.addr}/`);
    acknowledgeReplication(this.bucket);
  }

  /**
   * Turns on server access logging with a bucket policy grant to the logging service.
   *
   * Set on the L1 rather than through `serverAccessLogsBucket`, which grants with an ACL unless the
   * app enables a feature flag; ACLs are disabled on every bucket here, whatever the app's flags.
   */
  private logAccessTo(target: s3.IBucket, prefix: string): void {
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: target.bucketName,
      logFilePrefix: prefix,
    };
    target.addToResourcePolicy(new iam.PolicyStatement({
      sid: `S3ServerAccessLogsFor${this.node.addr}`,
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [target.arnForObjects(`${prefix}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      },
    }));
  }

  private createLogBucket(removalPolicy: RemovalPolicy, props: SecureBucketProps): s3.Bucket {
    const logs = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging delivers only to buckets encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      // S3's user guide: buckets with Object Lock cannot be destinations of server access logs.
      objectLockEnabled: false,
      lifecycleRules: lifecycleRules(props),
    });
    enableEventBridge(logs, props.eventBridgeEnabled ?? true);
    const sseS3Only = 'S3 server access log delivery supports only SSE-S3 on the destination bucket.';
    const noLogsOfLogs = 'This is the server access log bucket: logging its own access would log every log delivery into itself.';
    const noObjectLock = 'S3 cannot deliver server access logs to a bucket with Object Lock (S3 User Guide, Configuring S3 Object Lock); versioning and the noncurrent-version lifecycle stay on.';
    acknowledge(logs, [
      ['HIPAA.Security-S3DefaultEncryptionKMS', sseS3Only],
      ['NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3Only],
      ['PCI.DSS.321-S3DefaultEncryptionKMS', sseS3Only],
      [`${CONTROL_TOWER}::s3_bucket_default_encryption_kms_check`, sseS3Only],
      [`${CONTROL_TOWER}::s3_bucket_logging_enabled_check`, noLogsOfLogs],
      [`${CONTROL_TOWER}::s3_bucket_object_lock_enabled_check`, noObjectLock],
    ]);
    acknowledgeReplication(logs);
    return logs;
  }
}

function validate(scope: Construct, id: string, props: SecureBucketProps): void {
  const problems = ValidationProblems.of('SecureBucket', scope, id);
  for (const [prop, duration] of [
    ['noncurrentVersionExpiration', props.noncurrentVersionExpiration],
    ['abortIncompleteMultipartUploadAfter', props.abortIncompleteMultipartUploadAfter],
  ] as const) {
    if (duration === undefined || duration.isUnresolved()) continue;
    const days = duration.toMilliseconds({ integral: false }) / 86_400_000;
    problems.require(Number.isInteger(days) && days >= 1, prop, duration.toHumanString(), 'a whole number of days, at least 1 (S3 lifecycle rules count in days)');
  }
  problems.throwIfAny();
}

/**
 * Noncurrent versions and incomplete multipart uploads expire; current objects never do, so a
 * model artifact an endpoint serves is never deleted by a lifecycle rule it did not ask for.
 */
function lifecycleRules(props: SecureBucketProps): s3.LifecycleRule[] {
  return [{
    id: 'ExpireNoncurrentVersionsAndIncompleteUploads',
    noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
    abortIncompleteMultipartUploadAfter: props.abortIncompleteMultipartUploadAfter ?? Duration.days(7),
  }];
}

/**
 * On the bucket resource itself: the L2's `eventBridgeEnabled` goes through CDK's
 * bucket-notifications custom resource, a Lambda function outside any VPC.
 */
function enableEventBridge(bucket: s3.Bucket, enabled: boolean): void {
  if (!enabled) return;
  (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
    eventBridgeConfiguration: { eventBridgeEnabled: true },
  };
}

function acknowledgeReplication(bucket: s3.Bucket): void {
  const reason = 'Cross-region replication is a disaster-recovery choice of the platform team (a second region and key); versioning is on so it can be added without changes here.';
  acknowledge(bucket, [
    ['HIPAA.Security-S3BucketReplicationEnabled', reason],
    ['NIST.800.53.R5-S3BucketReplicationEnabled', reason],
    ['PCI.DSS.321-S3BucketReplicationEnabled', reason],
  ]);
}
