import { Fn, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SageMakerNetwork } from '../../core/network';
import { CLARIFY_REGISTRY_ACCOUNTS, regionalRegistryAccount } from '../../core/private/regional-registry';
import { ANALYSIS_CONFIG_RESOURCE_TYPE } from '../../core/private/resource-types';
import { SageMakerExecutionRole } from '../../core/roles';
import { jobHandler } from '../../private/job-handler';

/** Where Clarify's processing container reads its dataset and analysis configuration. */
export const CLARIFY_DATA_INPUT = '/opt/ml/processing/input/data';
export const CLARIFY_CONFIG_INPUT = '/opt/ml/processing/input/config';

/** The region's SageMaker Clarify image (an unknown region is a synth error), pullable by the role. */
export function clarifyImage(scope: Construct, role: SageMakerExecutionRole): string {
  const stack = Stack.of(scope);
  const account = regionalRegistryAccount(scope, 'SageMakerClarifyRegistries', CLARIFY_REGISTRY_ACCOUNTS, 'SageMaker Clarify');
  role.grantPullFrom(`arn:${stack.partition}:ecr:${stack.region}:${account}:repository/sagemaker-clarify-processing`, 'The region\'s SageMaker Clarify image.');
  return Fn.join('', [account, '.dkr.ecr.', stack.region, '.', stack.urlSuffix, '/sagemaker-clarify-processing:1.0']);
}

/** Where an analysis configuration goes, and what it is. */
export interface AnalysisConfigProps {
  readonly bucket: s3.IBucket;
  readonly key: string;
  readonly encryptionKey: kms.IKey;
  readonly config: Record<string, unknown>;
  readonly network: SageMakerNetwork;
}

/**
 * A deploy-time resource of the stack's job handler that writes a Clarify analysis configuration
 * (rendered from typed props) as JSON at a key, KMS-encrypted, rewritten whenever it changes; the
 * handler may write only that key. Returns the object's S3 URI, known once it is written.
 */
export function writeAnalysisConfig(scope: Construct, id: string, props: AnalysisConfigProps): string {
  const handler = jobHandler(scope, props.encryptionKey, props.network);
  handler.allow(['s3:PutObject'], props.bucket.arnForObjects(props.key));
  handler.allow(['kms:GenerateDataKey', 'kms:Encrypt'], props.encryptionKey.keyArn);
  const resource = handler.createResource(scope, id, ANALYSIS_CONFIG_RESOURCE_TYPE, {
    Bucket: props.bucket.bucketName,
    Key: props.key,
    KmsKeyId: props.encryptionKey.keyArn,
    Config: Stack.of(scope).toJsonString(props.config),
  });
  return resource.getAttString('S3Uri');
}
