import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SageMakerExecutionRole } from '../../core/roles';

/** Where an endpoint writes its data captures, and with which key. */
export interface CaptureDestination {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
  readonly encryptionKey: kms.IKey;
}

/**
 * SageMaker writes data captures with the model's role. A capture bucket of the endpoint's stack
 * grants it in its bucket policy (the model often lives in another stack, which must not depend
 * on this one); a bucket of another stack (shared, like the model's) through the role itself.
 * The same for the capture key, unless the model's role already uses it.
 */
export function allowCaptureWrites(endpoint: Construct, modelRole: SageMakerExecutionRole, capture: CaptureDestination, modelKey?: kms.IKey): void {
  const role = modelRole.role;
  const { bucket, prefix, encryptionKey } = capture;
  // An imported bucket (even one imported into this stack) has no policy here to add to:
  // addToResourcePolicy then adds nothing, and the grant goes on the role instead (#27 b).
  const inBucketPolicy = Stack.of(bucket) === Stack.of(endpoint) && bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ArnPrincipal(role.roleArn)],
    actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
    resources: [bucket.arnForObjects(`${prefix}*`)],
  })).statementAdded;
  if (!inBucketPolicy) {
    modelRole.grantWrite(bucket, prefix);
  }
  if (encryptionKey === modelKey) return; // the model's role already encrypts with its key
  const keyUse = new iam.PolicyStatement({
    principals: [new iam.ArnPrincipal(role.roleArn)],
    actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
    resources: ['*'],
  });
  if (Stack.of(encryptionKey) !== Stack.of(endpoint) || !encryptionKey.addToResourcePolicy(keyUse).statementAdded) {
    iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [encryptionKey.keyArn] });
  }
}
