import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
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
      noncurrentVersionExpiration: Duration.days(90),
    });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } })] },
    });
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const stack = newStack();
    new SecureBucket(stack, 'Data');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});
