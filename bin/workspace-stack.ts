import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IEndpoint, SageMakerNetwork, SecureBucket, SecureStudioDomain, StudioUserProfile, WorkspaceGrant } from '../lib';

export interface WorkspaceStackProps extends StackProps {
  readonly network: SageMakerNetwork;
  readonly data: SecureBucket;
  /** The endpoint the data scientist may call. */
  readonly endpoint: IEndpoint;
}

/**
 * The data scientists' workspace: a Studio domain in the platform's network (VpcOnly, KMS, idle
 * shutdown) with one user profile that can read the churn training data and invoke the churn
 * endpoint, and nothing else.
 */
export class WorkspaceStack extends Stack {
  public readonly studio: SecureStudioDomain;
  public readonly analyst: StudioUserProfile;

  constructor(scope: Construct, id: string, props: WorkspaceStackProps) {
    super(scope, id, props);
    this.studio = new SecureStudioDomain(this, 'Studio', { network: props.network });
    this.analyst = this.studio.addUserProfile('churn-analyst', {
      grants: [
        WorkspaceGrant.readPrefix(props.data.bucket, 'churn/train/'),
        WorkspaceGrant.invokeEndpoint(props.endpoint),
      ],
    });
  }
}
