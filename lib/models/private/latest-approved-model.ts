import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Algorithm } from '../../core/algorithm';
import { SageMakerNetwork } from '../../core/network';
import { createModel, createModelRole } from '../../private/isolated-model';
import type { IModelPackageGroup, LatestApprovedOptions } from '../model-package';
import type { IServableModel, ServingBindOptions, ServingModelConfig } from '../servable-model';
import { approvedVersionArn } from './approved-version';
import { grantDescribeVersions } from './package-grants';
import { recordServedGroup } from './served-groups';

/**
 * The newest approved version of a group, as a model: its container names the package ARN that a
 * deploy-time resource reads from the registry.
 *
 * That resource reads again whenever the consumer's configuration (its `revision`) or the model's
 * own does, that is before every deploy that would update the endpoint; a deploy that changes
 * nothing updates nothing. So a version promoted outside a deploy (approved, and put on the
 * endpoint by a promotion) is never replaced by an older one: the next deploy that touches the
 * endpoint reads the approval again and serves the same version or a newer one.
 */
export class LatestApprovedModel implements IServableModel {
  private readonly served = new Map<Construct, ServingModelConfig>();

  /** The algorithm whose image serves every version (what monitors read the responses of). */
  public readonly algorithm: Algorithm;

  constructor(private readonly group: IModelPackageGroup, private readonly options: LatestApprovedOptions) {
    this.algorithm = options.algorithm;
  }

  public bindForServing(scope: Construct, bindOptions: ServingBindOptions = {}): ServingModelConfig {
    const known = this.served.get(scope);
    if (known) return known;
    const host = new Construct(scope, 'LatestApproved');
    const network = this.options.network ?? bindOptions.network ?? new SageMakerNetwork(host, 'Network');
    const encryptionKey: kms.IKey = this.options.artifactEncryptionKey ?? this.options.artifactBucket.encryptionKey ?? network.encryptionKey;
    const { role, imageUri } = createModelRole(host, {
      instanceTypes: bindOptions.instanceTypes,
      algorithm: this.options.algorithm,
      artifactsBucket: this.options.artifactBucket,
      artifactsPrefix: this.options.artifactKeyPrefix,
      artifactEncryptionKey: this.options.artifactEncryptionKey,
      encryptionKey,
    });

    const packageArn = approvedVersionArn(host, 'Version', {
      modelPackageGroupName: this.group.modelPackageGroupName,
      revision: bindOptions.revision ?? '',
      modelConfiguration: { image: imageUri, role: role.role.roleArn, network: [network.securityGroup.securityGroupId, network.subnets] },
      encryptionKey,
      network,
    });
    grantDescribeVersions(role, this.group.modelPackageGroupName);
    const model = createModel(host, 'Model', role, network, { modelPackageName: packageArn });
    const config = { modelName: model.attrModelName, role, network, encryptionKey };
    this.served.set(scope, config);
    recordServedGroup(scope, { modelPackageGroupName: this.group.modelPackageGroupName, role });
    return config;
  }
}
