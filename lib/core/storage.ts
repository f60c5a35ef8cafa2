import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SageMakerKey } from './encryption';
import { acknowledge } from './private/nag-acknowledgments';

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
   * Days after which noncurrent object versions expire. Versioning stays on.
   *
   * @default - noncurrent versions are kept
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * An S3 bucket hardened for ML data: SSE-KMS with a customer-managed key, all public access
 * blocked, TLS enforced by the bucket policy, versioning, server access logging, and ACLs
 * disabled (bucket owner enforced).
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
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? new SageMakerKey(this, 'Key', {
      description: `Objects of ${this.node.path}`,
    }).key;
    this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? this.createLogBucket(removalPolicy);

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
      lifecycleRules: props.noncurrentVersionExpiration
        ? [{ noncurrentVersionExpiration: props.noncurrentVersionExpiration }]
        : undefined,
    });
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

  private createLogBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    const logs = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging delivers only to buckets encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
    });
    acknowledge(logs, [
      ['HIPAA.Security-S3DefaultEncryptionKMS', 'S3 server access log delivery supports only SSE-S3 on the destination bucket.'],
      ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'S3 server access log delivery supports only SSE-S3 on the destination bucket.'],
      ['PCI.DSS.321-S3DefaultEncryptionKMS', 'S3 server access log delivery supports only SSE-S3 on the destination bucket.'],
    ]);
    acknowledgeReplication(logs);
    return logs;
  }
}

function acknowledgeReplication(bucket: s3.Bucket): void {
  const reason = 'Cross-region replication is a disaster-recovery choice of the platform team (a second region and key); versioning is on so it can be added without changes here.';
  acknowledge(bucket, [
    ['HIPAA.Security-S3BucketReplicationEnabled', reason],
    ['NIST.800.53.R5-S3BucketReplicationEnabled', reason],
    ['PCI.DSS.321-S3BucketReplicationEnabled', reason],
  ]);
}
