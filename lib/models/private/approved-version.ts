import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SageMakerNetwork } from '../../core/network';
import { acknowledge } from '../../core/private/nag-acknowledgments';
import { APPROVED_MODEL_PACKAGE_RESOURCE_TYPE } from '../../core/private/resource-types';
import { configurationHash } from '../../private/deploy-time-job';
import { jobHandler } from '../../private/job-handler';

export interface ApprovedVersionProps {
  readonly modelPackageGroupName: string;
  /** Changes with the consumer's configuration (an endpoint's, a pipeline's). */
  readonly revision: string;
  /** What else the model that names the version is made of (image, role, network). */
  readonly modelConfiguration: unknown;
  readonly encryptionKey: kms.IKey;
  readonly network: SageMakerNetwork;
}

/**
 * The ARN of the group's newest approved version, read at deploy time by the stack's job handler.
 * The resource reads again whenever its properties change: the consumer's revision and the
 * model's configuration, that is before every deploy that would replace the model or update the
 * endpoint (see the README's "Promotion never fights CloudFormation").
 */
export function approvedVersionArn(scope: Construct, id: string, props: ApprovedVersionProps): string {
  const handler = jobHandler(scope, props.encryptionKey, props.network);
  // ListModelPackages has no resource-level permissions; it reads names and statuses only.
  handler.allow(['sagemaker:ListModelPackages'], '*');
  acknowledge(handler.role, [['AwsSolutions-IAM5[Resource::*]',
    'Lambda manages the network interfaces of a function in a VPC, and sagemaker:ListModelPackages (read-only) supports no resource-level permissions; EC2 actions are limited to the region.']]);
  return handler.createResource(scope, id, APPROVED_MODEL_PACKAGE_RESOURCE_TYPE, {
    ModelPackageGroupName: props.modelPackageGroupName,
    Revision: props.revision,
    ModelConfiguration: configurationHash(scope, props.modelConfiguration),
  }).getAttString('ModelPackageArn');
}
