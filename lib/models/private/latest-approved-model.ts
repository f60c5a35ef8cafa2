import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SageMakerNetwork } from '../../core/network';
import { acknowledge } from '../../core/private/nag-acknowledgments';
import { APPROVED_MODEL_PACKAGE_RESOURCE_TYPE } from '../../core/private/resource-types';
import { configurationHash } from '../../private/deploy-time-job';
import { createModel, createModelRole } from '../../private/isolated-model';
import { jobHandler } from '../../private/job-handler';
import type { IModelPackageGroup, LatestApprovedOptions } from '../model-package';
import type { IServableModel, ServingBindOptions, ServingModelConfig } from '../servable-model';
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

  constructor(private readonly group: IModelPackageGroup, private readonly options: LatestApprovedOptions) {}

  public bindForServing(scope: Construct, bindOptions: ServingBindOptions = {}): ServingModelConfig {
    const known = this.served.get(scope);
    if (known) return known;
    const host = new Construct(scope, 'LatestApproved');
    const network = this.options.network ?? bindOptions.network ?? new SageMakerNetwork(host, 'Network');
    const encryptionKey: kms.IKey = this.options.artifactEncryptionKey ?? this.options.artifactBucket.encryptionKey ?? network.encryptionKey;
    const { role, imageUri } = createModelRole(host, {
      algorithm: this.options.algorithm,
      artifactsBucket: this.options.artifactBucket,
      artifactsPrefix: this.options.artifactKeyPrefix,
      artifactEncryptionKey: this.options.artifactEncryptionKey,
      encryptionKey,
    });

    const handler = jobHandler(host, encryptionKey, network);
    // ListModelPackages has no resource-level permissions; it reads names and statuses only.
    handler.allow(['sagemaker:ListModelPackages'], '*');
    acknowledge(handler.role, [['AwsSolutions-IAM5[Resource::*]',
      'Lambda manages the network interfaces of a function in a VPC, and sagemaker:ListModelPackages (read-only) supports no resource-level permissions; EC2 actions are limited to the region.']]);
    const modelConfiguration = { image: imageUri, role: role.role.roleArn, network: [network.securityGroup.securityGroupId, network.subnets] };
    const approved = handler.createResource(host, 'Version', APPROVED_MODEL_PACKAGE_RESOURCE_TYPE, {
      ModelPackageGroupName: this.group.modelPackageGroupName,
      // Read again whenever the endpoint or this model would change (see the class comment).
      Revision: bindOptions.revision ?? '',
      ModelConfiguration: configurationHash(host, modelConfiguration),
    });
    const packageArn = approved.getAttString('ModelPackageArn');
    grantDescribeVersions(role, this.group.modelPackageGroupName);
    const model = createModel(host, 'Model', role, network, { modelPackageName: packageArn });
    const config = { modelName: model.attrModelName, role, network, encryptionKey };
    this.served.set(scope, config);
    recordServedGroup(scope, { modelPackageGroupName: this.group.modelPackageGroupName, role });
    return config;
  }
}
