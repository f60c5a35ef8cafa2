import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SecureBucket } from '../storage';

const ID = 'SageMakerPlatformData';

/**
 * The stack's one platform data bucket (a SecureBucket, with its one access-log bucket), which
 * every construct of the stack not given a bucket of its own writes under its own prefix:
 * training artifacts, captures, monitoring reports, offline feature stores. A bucket per
 * construct would give an app of ten jobs twenty buckets to review, log and pay for.
 *
 * The first user's key becomes the bucket's default key; SageMaker writes every object with the
 * key its job or endpoint names, so constructs with other keys still encrypt with their own.
 */
export function platformBucket(scope: Construct, encryptionKey: kms.IKey): s3.IBucket {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(ID);
  if (existing instanceof SecureBucket) return existing.bucket;
  return new SecureBucket(stack, ID, { encryptionKey }).bucket;
}
