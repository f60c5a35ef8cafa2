import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerExecutionRole } from '../../core/roles';
import { acknowledge } from '../../core/private/nag-acknowledgments';
import { acknowledgeWildcardResource } from '../../core/private/wildcard-acknowledgment';

/** What a Studio execution role needs to use Studio itself, in one domain. */
export interface StudioScope {
  readonly domainId: string;
  readonly domainArn: string;
  /** The user profile the role belongs to; absent for the shared spaces' role. */
  readonly userProfileName?: string;
}

/**
 * The permissions Studio's own UI and the idle-shutdown script need from an execution role, and
 * no more: describe the domain (and the role's own profile), describe this domain's spaces and
 * run, describe and delete apps in them (idle shutdown deletes the app it runs in), list spaces
 * and apps (no resource-level permissions), and write the apps' logs.
 */
export function grantStudioUse(role: SageMakerExecutionRole, scope: StudioScope): void {
  const stack = Stack.of(role);
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName });
  const principal = role.grantPrincipal;
  principal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeDomain'], resources: [scope.domainArn] }));
  if (scope.userProfileName) {
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeUserProfile'],
      resources: [arn('user-profile', `${scope.domainId}/${scope.userProfileName}`)],
    }));
  }
  const spaces = arn('space', `${scope.domainId}/*`);
  const apps = arn('app', `${scope.domainId}/*`);
  principal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeSpace'], resources: [spaces] }));
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:CreateApp', 'sagemaker:DescribeApp', 'sagemaker:DeleteApp'],
    resources: [apps],
  }));
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:ListSpaces', 'sagemaker:ListApps'],
    resources: ['*'],
  }));
  role.grantLogs('/aws/sagemaker/studio');
  acknowledgeWildcardResource(role, spaces,
    'Studio names its spaces in the domain at run time (users create their own private spaces); the grant is limited to this domain\'s spaces and only describes them.');
  acknowledgeWildcardResource(role, apps,
    'Studio names an app per space at run time (and idle shutdown deletes the app it runs in); the grant is limited to this domain\'s apps.');
  acknowledge(role, [['AwsSolutions-IAM5[Resource::*]',
    'sagemaker:ListSpaces and sagemaker:ListApps support no resource-level permissions; Studio\'s UI lists the spaces and apps of its domain with them (read-only).']]);
}
