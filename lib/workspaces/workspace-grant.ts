import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerExecutionRole } from '../core/roles';
import { IFeatureGroup } from '../feature-store/feature-group-base';
import { IEndpoint } from '../inference/endpoint';
import { IModelRegistry } from '../registry/model-registry-base';

/**
 * What a workspace (a Studio user profile, Studio's shared spaces, a notebook instance) may
 * reach beyond the workspace itself. Each grant applies this library's own grant method for
 * that resource to the workspace's execution role, so a workspace can do exactly what a
 * production role granted the same way can, and nothing else.
 *
 * ```ts
 * domain.addUserProfile('alice', { grants: [
 *   WorkspaceGrant.readPrefix(data.bucket, 'churn/train/'),
 *   WorkspaceGrant.invokeEndpoint(endpoint),
 * ] });
 * ```
 */
export abstract class WorkspaceGrant {
  /** Invoke an endpoint (`endpoint.grantInvoke`): real-time, streaming and asynchronous. */
  public static invokeEndpoint(endpoint: IEndpoint): WorkspaceGrant {
    return new BoundGrant(`invoke endpoint ${endpoint.node.path}`, (role) => { endpoint.grantInvoke(role); });
  }

  /** Read a feature group's online store (`featureGroup.grantRead`): GetRecord, BatchGetRecord and its key. */
  public static readFeatureGroup(featureGroup: IFeatureGroup): WorkspaceGrant {
    return new BoundGrant(`read feature group ${featureGroup.node.path}`, (role) => { featureGroup.grantRead(role); });
  }

  /**
   * Read the objects under a prefix of a bucket, list that prefix, and decrypt with the
   * bucket's key (`SageMakerExecutionRole.grantRead`).
   *
   * @param prefix the key prefix, e.g. `churn/train/`; an empty prefix grants the whole bucket
   */
  public static readPrefix(bucket: s3.IBucket, prefix: string): WorkspaceGrant {
    return new BoundGrant(`read s3 prefix ${bucket.node.path}/${prefix}`, (role) => role.grantRead(bucket, prefix));
  }

  /** Read a model registry's group and versions (`registry.grantRead`). */
  public static readModelRegistry(registry: IModelRegistry): WorkspaceGrant {
    return new BoundGrant(`read model registry ${registry.node.path}`, (role) => { registry.grantRead(role); });
  }

  /** What the grant allows, in words (for reviews and error messages). */
  public abstract readonly description: string;

  /** Applies the grant to a workspace's execution role. */
  public abstract bind(role: SageMakerExecutionRole): void;
}

class BoundGrant extends WorkspaceGrant {
  constructor(public readonly description: string, private readonly apply: (role: SageMakerExecutionRole) => void) {
    super();
  }

  public bind(role: SageMakerExecutionRole): void {
    this.apply(role);
  }
}
