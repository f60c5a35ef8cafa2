import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { SageMakerExecutionRole } from '../core/roles';
import { ValidationProblems } from '../core/private/validation';
import { grantStudioUse } from './private/studio-permissions';
import { STUDIO_NAME_ALLOWED, STUDIO_NAME_PATTERN } from './private/workspace-checks';
import type { SecureStudioDomain } from './studio-domain';
import { WorkspaceGrant } from './workspace-grant';

/**
 * Options of a user profile added with `SecureStudioDomain.addUserProfile()`.
 */
export interface StudioUserProfileOptions {
  /**
   * What the profile's apps may reach beyond Studio itself, e.g.
   * `WorkspaceGrant.readPrefix(bucket, 'churn/train/')`, `WorkspaceGrant.invokeEndpoint(endpoint)`.
   *
   * @default - nothing: the profile can use Studio (its spaces and apps) only
   */
  readonly grants?: WorkspaceGrant[];

  /**
   * The IAM Identity Center user name the profile belongs to; required, and only allowed, when
   * the domain signs in with `StudioAuthMode.IAM_IDENTITY_CENTER`.
   *
   * @default - none (IAM authentication)
   */
  readonly singleSignOnUserName?: string;
}

/**
 * Properties of a {@link StudioUserProfile}.
 */
export interface StudioUserProfileProps extends StudioUserProfileOptions {
  /** The domain the profile belongs to. */
  readonly domain: SecureStudioDomain;

  /** The profile's name (letters, digits and hyphens, at most 63 characters). */
  readonly userProfileName: string;
}

/**
 * A Studio user profile (`AWS::SageMaker::UserProfile`) with its own execution role, which can
 * use Studio in its domain and reach exactly what its grants allow.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-userprofile.html
 */
export class StudioUserProfile extends Construct implements iam.IGrantable {
  /** The profile's name. */
  public readonly userProfileName: string;

  /** The profile's ARN. */
  public readonly userProfileArn: string;

  /** The execution role the profile's apps run as. */
  public readonly role: iam.IRole;

  /** The execution role, with this library's scoped `grant*` methods. */
  public readonly executionRole: SageMakerExecutionRole;

  /** Grants to the profile land in its execution role's managed policy. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: StudioUserProfileProps) {
    super(scope, id);
    const problems = ValidationProblems.of('StudioUserProfile', scope, id);
    problems.require(STUDIO_NAME_PATTERN.test(props.userProfileName), 'userProfileName', props.userProfileName, STUDIO_NAME_ALLOWED);
    const sso = (props.domain.authMode as string) === 'SSO';
    if (sso) {
      problems.require(props.singleSignOnUserName !== undefined, 'singleSignOnUserName', props.singleSignOnUserName,
        'the IAM Identity Center user name (the domain signs in with IAM Identity Center)');
    } else if (props.singleSignOnUserName !== undefined) {
      problems.add('singleSignOnUserName', props.singleSignOnUserName, 'nothing: the domain signs in with IAM');
    }
    problems.throwIfAny();

    this.userProfileName = props.userProfileName;
    this.executionRole = new SageMakerExecutionRole(this, 'ExecutionRole', {
      description: `Execution role of the Studio user profile ${props.userProfileName} (${props.domain.node.path})`,
    });
    this.role = this.executionRole.role;
    this.grantPrincipal = this.executionRole.grantPrincipal;

    const profile = new sagemaker.CfnUserProfile(this, 'Resource', {
      domainId: props.domain.domainId,
      userProfileName: props.userProfileName,
      singleSignOnUserIdentifier: sso ? 'UserName' : undefined,
      singleSignOnUserValue: sso ? props.singleSignOnUserName : undefined,
      userSettings: {
        executionRole: this.role.roleArn,
        securityGroups: [props.domain.securityGroup.securityGroupId],
      },
    });
    this.userProfileArn = profile.attrUserProfileArn;

    grantStudioUse(this.executionRole, { domainId: props.domain.domainId, domainArn: props.domain.domainArn, userProfileName: props.userProfileName });
    for (const grant of props.grants ?? []) this.addGrant(grant);
  }

  /** Lets the profile's apps reach one more thing. */
  public addGrant(grant: WorkspaceGrant): void {
    grant.bind(this.executionRole);
  }

  /**
   * Lets a principal open Studio as this profile (`sagemaker:CreatePresignedDomainUrl` on it),
   * with IAM authentication.
   */
  public grantOpen(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:CreatePresignedDomainUrl'], resourceArns: [this.userProfileArn] });
  }
}
