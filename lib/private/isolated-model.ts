import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { vpcConfigOf } from './vpc-config';
import { Algorithm } from '../core/algorithm';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { SageMakerExecutionRole } from '../core/roles';

/** What a model's role must reach: its image, its artifact and keys. */
export interface ModelRoleProps {
  readonly algorithm: Algorithm;
  /** Where the artifact lives, for the role's read grant. */
  readonly artifactsBucket: s3.IBucket;
  /** The artifact's key, or the prefix it lies under. */
  readonly artifactsPrefix: string;
  /** The key the artifact was written with, when not the bucket's. */
  readonly artifactEncryptionKey?: kms.IKey;
  /** The key the model's endpoint encrypts with (volumes, captures). */
  readonly encryptionKey: kms.IKey;
  /** The instance types the model serves on, when known: they pick a companion image's CPU or GPU variant. */
  readonly instanceTypes?: InstanceType[];
}

export interface IsolatedModelProps extends ModelRoleProps {
  /** The S3 URI of model.tar.gz. */
  readonly modelData: string;
  readonly network: SageMakerNetwork;
}

/** A SageMaker model and the role it runs as. */
export interface IsolatedModel {
  readonly model: sagemaker.CfnModel;
  readonly role: SageMakerExecutionRole;
}

/**
 * The execution role of a served model: reads only the artifact's prefix or key, pulls only its
 * image, writes its logs and metrics, and works in the VPC. Returns the image it may pull.
 */
export function createModelRole(scope: Construct, props: ModelRoleProps): { role: SageMakerExecutionRole; imageUri: string } {
  const role = new SageMakerExecutionRole(scope, 'ModelRole', { description: `Execution role of the SageMaker model of ${scope.node.path}` });
  const image = props.algorithm.bind(scope, role, { instanceTypes: props.instanceTypes });
  role.grantRead(props.artifactsBucket, props.artifactsPrefix);
  if (props.artifactEncryptionKey) role.grantDecrypt(props.artifactEncryptionKey);
  // Encrypt too: an endpoint serving the model writes its data captures with this role and key.
  role.grantEncryptDecrypt(props.encryptionKey);
  role.grantLogs('/aws/sagemaker/Endpoints');
  role.allowPutMetricData();
  role.allowVpcAccess();
  return { role, imageUri: image.imageUri };
}

/** A SageMaker model in the VPC with network isolation, run by the role, of one container. */
export function createModel(scope: Construct, id: string, role: SageMakerExecutionRole, network: SageMakerNetwork,
  container: sagemaker.CfnModel.ContainerDefinitionProperty): sagemaker.CfnModel {
  const model = new sagemaker.CfnModel(scope, id, {
    executionRoleArn: role.role.roleArn,
    primaryContainer: container,
    vpcConfig: vpcConfigOf(network),
    enableNetworkIsolation: true,
  });
  model.node.addDependency(role);
  return model;
}

/** A SageMaker model of one trained artifact, with its own role (see `createModelRole`). */
export function createIsolatedModel(scope: Construct, props: IsolatedModelProps): IsolatedModel {
  const { role, imageUri } = createModelRole(scope, props);
  return { model: createModel(scope, 'Model', role, props.network, { image: imageUri, modelDataUrl: props.modelData }), role };
}
