import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CustomResourceResult } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';

/** The resource this handler answers: a SageMaker Clarify analysis configuration written to S3. */
export const ANALYSIS_CONFIG_RESOURCE_TYPE = 'Custom::SageMakerClarifyAnalysisConfig';

const s3 = new S3Client({ maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });

/**
 * `Custom::SageMakerClarifyAnalysisConfig`: puts the analysis configuration (JSON the construct
 * rendered from typed props) at its key, KMS-encrypted, on create and on every change; a delete
 * leaves the object (a versioned bucket keeps what monitoring jobs ran with).
 */
export async function writeAnalysisConfig(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  const { Bucket: bucket, Key: key, KmsKeyId: kmsKeyId, Config: config } = event.ResourceProperties as Record<string, string>;
  if (!bucket || !key || !kmsKeyId || !config) throw new Error('Bucket, Key, KmsKeyId and Config are required');
  const uri = `s3://${bucket}/${key}`;
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId, data: { S3Uri: uri } };
  JSON.parse(config); // never write a configuration Clarify cannot read
  await withRetries(() => s3.send(new PutObjectCommand({
    Bucket: bucket, Key: key, Body: config, ContentType: 'application/json',
    ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId,
  })));
  return { physicalResourceId: uri, data: { S3Uri: uri } };
}
