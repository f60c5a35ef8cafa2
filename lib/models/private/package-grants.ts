import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerExecutionRole } from '../../core/roles';
import { acknowledgeWildcardResource } from '../../core/private/wildcard-acknowledgment';

/**
 * Lets a model's role describe the versions of one group (SageMaker reads the package it serves
 * with the model's role); versions are named `<group>/<n>`, so only a pattern names them all.
 */
export function grantDescribeVersions(role: SageMakerExecutionRole, groupName: string): iam.Grant {
  const group = Token.isUnresolved(groupName) ? groupName : groupName.toLowerCase(); // ARNs carry names in lower case
  const versions = Stack.of(role).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${group}/*` });
  acknowledgeWildcardResource(role, versions,
    `Describes the versions of model package group ${groupName}, whose ARNs end in a version number.`);
  return iam.Grant.addToPrincipal({ grantee: role, actions: ['sagemaker:DescribeModelPackage'], resourceArns: [versions] });
}
