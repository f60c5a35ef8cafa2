import { CustomResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IDependable } from 'constructs';
import { SageMakerNetwork } from '../../core/network';
import { jobHandler } from '../../private/job-handler';
import { MODEL_METRICS_RESOURCE_TYPE } from '../../core/private/resource-types';
import { acknowledgeWildcardResource } from '../../core/private/wildcard-acknowledgment';

export interface ModelMetricsProps {
  readonly trainingJobName: string;
  readonly bucket: s3.IBucket;
  readonly key: string;
  readonly encryptionKey: kms.IKey;
  /** The training job's completion: its final metrics exist then. */
  readonly after: IDependable;
  /** The network of the stack's job handler, if this creates it. */
  readonly network: () => SageMakerNetwork;
  /**
   * The statistics file the algorithm writes into its model directory (a companion image's), read
   * out of the job's model.tar.gz in preference to its final metrics; with the artifact's place
   * and key, which the handler may then read.
   */
  readonly statisticsInArtifact?: { readonly file: string; readonly bucket: s3.IBucket; readonly key: string; readonly encryptionKey?: kms.IKey };
}

/**
 * A deploy-time resource of the stack's job handler that writes a training job's model quality
 * statistics (SageMaker Model Monitor's JSON), KMS-encrypted, for the model package to reference:
 * the file a companion image wrote beside its model where there is one, else the job's final
 * metrics (DescribeTrainingJob's FinalMetricDataList: what the built-in algorithms publish). The
 * handler may read only that job (and its artifact) and write only that key.
 */
export function writeModelMetrics(scope: Construct, props: ModelMetricsProps): { resource: CustomResource; s3Uri: string } {
  const handler = jobHandler(scope, props.encryptionKey, props.network);
  handler.allow(['s3:PutObject'], props.bucket.arnForObjects(props.key));
  handler.allow(['kms:GenerateDataKey', 'kms:Encrypt'], props.encryptionKey.keyArn);
  const describe = new iam.PolicyStatement({
    actions: ['sagemaker:DescribeTrainingJob'],
    resources: [Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: props.trainingJobName })],
  });
  // A job known only at deploy (a tuning job's best) is named by an attribute of a resource the
  // same handler serves: in the handler's one policy it would make every job wait for that
  // resource, a cycle. So it gets a policy of its own that only this resource waits for.
  let ownPolicy: iam.ManagedPolicy | undefined;
  if (Token.isUnresolved(props.trainingJobName)) {
    ownPolicy = new iam.ManagedPolicy(scope, 'ModelMetricsPermissions', {
      description: `Lets the deploy-time handler read the training job whose metrics ${scope.node.path} records`,
      roles: [handler.role],
      statements: [describe],
    });
  } else {
    handler.allow(describe.actions, describe.resources[0]);
  }
  const artifact = props.statisticsInArtifact;
  if (artifact) {
    // The artifact's key may be the prefix a tuning job's best artifact lies under (ending in /).
    const artifacts = artifact.bucket.arnForObjects(artifact.key.endsWith('/') ? `${artifact.key}*` : artifact.key);
    handler.allow(['s3:GetObject'], artifacts);
    acknowledgeWildcardResource(handler.role, artifacts, 'Read-only, for the model-quality statistics file inside the artifact of the job this version registers: the '
      + 'artifact\'s exact key (model.tar.gz under the name of the tuning job\'s best training job) is known only when the tuning job ends.');
    const artifactKey = artifact.encryptionKey ?? artifact.bucket.encryptionKey;
    if (artifactKey) handler.allow(['kms:Decrypt'], artifactKey.keyArn);
  }
  const resource = handler.createResource(scope, 'ModelMetrics', MODEL_METRICS_RESOURCE_TYPE, {
    TrainingJobName: props.trainingJobName,
    Bucket: props.bucket.bucketName,
    Key: props.key,
    KmsKeyId: props.encryptionKey.keyArn,
    ...(artifact ? { StatisticsFile: artifact.file } : {}),
  });
  resource.node.addDependency(props.after);
  if (ownPolicy) resource.node.addDependency(ownPolicy);
  return { resource, s3Uri: resource.getAttString('S3Uri') };
}
