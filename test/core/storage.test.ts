import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SecureBucket } from '../../lib/core/storage';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

describe('SecureBucket', () => {
  test('is KMS-encrypted, private, versioned, TLS-only and ACL-free', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const data = new SecureBucket(stack, 'Data');
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: stack.resolve(data.encryptionKey.keyArn) },
          BucketKeyEnabled: true,
        }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(data.bucket.bucketName),
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('logs access to a log bucket through a bucket policy, not an ACL', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const data = new SecureBucket(stack, 'Data', { serverAccessLogsPrefix: 'data/' });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: stack.resolve(data.serverAccessLogsBucket.bucketName), LogFilePrefix: 'data/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(data.serverAccessLogsBucket.bucketName),
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: { ArnLike: { 'aws:SourceArn': stack.resolve(data.bucket.bucketArn) }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        })]),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('LogDeliveryWrite');
  });

  test('shares a given key and log bucket, and expires old versions when asked', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'Shared', { enableKeyRotation: true });
    const first = new SecureBucket(stack, 'First', { encryptionKey: key });
    // WHEN
    new SecureBucket(stack, 'Second', {
      encryptionKey: key,
      serverAccessLogsBucket: first.serverAccessLogsBucket,
      noncurrentVersionExpiration: Duration.days(30),
      abortIncompleteMultipartUploadAfter: Duration.days(2),
    });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } })],
      },
    });
  });

  test('by default expires noncurrent versions and incomplete uploads, never current objects', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SecureBucket(stack, 'Data');
    // THEN
    const template = Template.fromStack(stack);
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2); // the data bucket and its access-log bucket
    for (const bucket of buckets) {
      expect(bucket.Properties.LifecycleConfiguration).toEqual({
        Rules: [{
          Id: 'ExpireNoncurrentVersionsAndIncompleteUploads',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        }],
      });
      // Model artifacts are current versions: nothing expires them (no ExpirationInDays/Date, no transitions).
      expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).not.toMatch(/"Expiration(InDays|Date)"|Transition/);
    }
  });

  test('has Object Lock available (no default retention) and sends events to EventBridge without a custom resource; its access-log bucket has no Object Lock', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const secure = new SecureBucket(stack, 'Data');
    // THEN
    const template = Template.fromStack(stack);
    template.allResourcesProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: Match.absent(),
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(buckets[stack.getLogicalId(secure.bucket.node.defaultChild as any)].Properties.ObjectLockEnabled).toBe(true);
    // S3 delivers no server access logs to a bucket with Object Lock.
    expect(buckets[stack.getLogicalId((secure.serverAccessLogsBucket as any).node.defaultChild)].Properties.ObjectLockEnabled).toBe(false);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('Object Lock and EventBridge can be turned off', () => {
    const stack = newStack();
    new SecureBucket(stack, 'Data', { objectLockEnabled: false, eventBridgeEnabled: false });
    for (const bucket of Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.ObjectLockEnabled).not.toBe(true);
      expect(bucket.Properties.NotificationConfiguration).toBeUndefined();
    }
  });

  test('rejects lifecycle durations that are not whole days, naming each', () => {
    const stack = newStack();
    expect(() => new SecureBucket(stack, 'Data', {
      noncurrentVersionExpiration: Duration.hours(12),
      abortIncompleteMultipartUploadAfter: Duration.days(0),
    })).toThrow(/noncurrentVersionExpiration: got "?12 hours"?; allowed: a whole number of days[\s\S]*abortIncompleteMultipartUploadAfter: got "?0 days"?/);
  });

  test('the Control Tower controls see a bucket without the lifecycle (the check is real)', () => {
    // GIVEN a bucket whose lifecycle an escape hatch removed
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    (data.bucket.node.defaultChild as s3.CfnBucket).addPropertyDeletionOverride('LifecycleConfiguration');
    // WHEN
    const findings = unacknowledgedFindings(stack);
    // THEN
    expect(findings).toEqual([
      { rule: 'CT.S3.PR.3', path: 'TestStack/Data/Bucket/Resource' },
      { rule: 'CT.S3.PR.6', path: 'TestStack/Data/Bucket/Resource' },
    ]);
  });

  test('the access-log bucket is exempt only from the three controls a log bucket cannot meet', () => {
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const acknowledged = (data.serverAccessLogsBucket.node.metadata.find((m) => m.type === 'aws:cdk:acknowledged-rules' && 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check' in m.data)?.data ?? {}) as Record<string, string>;
    expect(Object.keys(acknowledged).filter((id) => id.startsWith('cdk-validator-cfnguard::')).sort()).toEqual([
      'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
      'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
    ]);
    expect(data.bucket.node.metadata.some((m) => m.type === 'aws:cdk:acknowledged-rules' && Object.keys(m.data).some((id) => id.startsWith('cdk-validator-cfnguard::')))).toBe(false);
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const stack = newStack();
    new SecureBucket(stack, 'Data');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});
