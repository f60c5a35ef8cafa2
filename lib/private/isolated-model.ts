import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { vpcConfigOf } from './vpc-config';
import { Algorithm } from '../core/algorithm';
import { SageMakerNetwork } from '../core/network';
import { SageMakerExecutionRole } from '../core/roles';

export interface IsolatedModelProps {
  readonly algorithm: Algorithm;
  /** The S3 URI of model.tar.gz. */
  readonly modelData: string;
  /** Where the artifact lives, for the role's read grant. */
  readonly artifactsBucket: s3.IBucket;
  readonly artifactsPrefix: string;
  readonly network: SageMakerNetwork;
  readonly encryptionKey: kms.IKey;
}

/** A SageMaker model and the role it runs as. */
export interface IsolatedModel {
  readonly model: sagemaker.CfnModel;
  readonly role: SageMakerExecutionRole;
}

/**
 * A SageMaker model of one trained artifact, in the VPC with network isolation, run by a role
 * that reads only the artifacts' prefix and key, pulls only its image and writes its logs.
 */
export function createIsolatedModel(scope: Construct, props: IsolatedModelProps): IsolatedModel {
  const role = new SageMakerExecutionRole(scope, 'ModelRole', { description: `Execution role of the SageMaker model of ${scope.node.path}` });
  const image = props.algorithm.bind(scope, role);
  role.grantRead(props.artifactsBucket, props.artifactsPrefix);
  // Encrypt too: an endpoint serving the model writes its data captures with this role and key.
  role.grantEncryptDecrypt(props.encryptionKey);
  role.grantLogs('/aws/sagemaker/Endpoints');
  role.allowPutMetricData();
  role.allowVpcAccess();
  const model = new sagemaker.CfnModel(scope, 'Model', {
    executionRoleArn: role.role.roleArn,
    primaryContainer: { image: image.imageUri, modelDataUrl: props.modelData },
    vpcConfig: vpcConfigOf(props.network),
    enableNetworkIsolation: true,
  });
  model.node.addDependency(role);
  return { model, role };
}
