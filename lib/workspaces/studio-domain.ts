import { Duration, Names, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { SageMakerNetwork } from '../core/network';
import { SageMakerExecutionRole } from '../core/roles';
import { ValidationProblems } from '../core/private/validation';
import { idleShutdownScript, lifecycleContent, MAX_LIFECYCLE_CONTENT_LENGTH } from './private/lifecycle-script';
import { grantStudioUse } from './private/studio-permissions';
import { checkInternetOptOut, idleMinutesOf, STUDIO_NAME_ALLOWED, STUDIO_NAME_PATTERN } from './private/workspace-checks';
import { StudioSpace, StudioSpaceOptions } from './studio-space';
import { StudioUserProfile, StudioUserProfileOptions } from './studio-user-profile';
import { WorkspaceGrant } from './workspace-grant';

/**
 * How users sign in to a Studio domain.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-domain.html#cfn-sagemaker-domain-authmode
 */
export enum StudioAuthMode {
  /** IAM: a principal allowed `sagemaker:CreatePresignedDomainUrl` on a profile opens Studio as that profile. */
  IAM = 'IAM',
  /** IAM Identity Center (single sign-on): each profile names its Identity Center user. */
  IAM_IDENTITY_CENTER = 'SSO',
}

/**
 * Properties of a {@link SecureStudioDomain}.
 */
export interface SecureStudioDomainProps {
  /**
   * The network the domain's apps run in (`VpcOnly`), in its subnets (at least two AZs). The
   * interface endpoints Studio needs are added to it.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The domain's name.
   *
   * @default - derived from the construct's path
   */
  readonly domainName?: string;

  /**
   * How users sign in.
   *
   * @default StudioAuthMode.IAM
   */
  readonly authMode?: StudioAuthMode;

  /**
   * The key that encrypts the domain's home EFS volume and its spaces' EBS volumes.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long a JupyterLab app may be idle (no busy kernel, no kernel or terminal activity) before
   * the idle-shutdown lifecycle configuration deletes it (its space's storage stays); from 5
   * minutes to 24 hours, whole minutes. Code Editor apps use SageMaker's own idle shutdown, whose
   * shortest timeout is 60 minutes.
   *
   * @default Duration.minutes(60)
   */
  readonly idleTimeout?: Duration;

  /**
   * Let the apps reach the internet directly (`AppNetworkAccessType: PublicInternetOnly`) instead
   * of only through the VPC. Requires `allowInternetAccess: true` as well.
   *
   * @default false
   */
  readonly directInternetAccess?: boolean;

  /**
   * The explicit opt-out that `directInternetAccess: true` needs.
   *
   * @default false
   */
  readonly allowInternetAccess?: boolean;

  /**
   * What apps in the domain's shared spaces may reach beyond Studio itself: they run as one
   * role of the domain's (`sharedSpaceRole`).
   *
   * @default - nothing: shared spaces can use Studio only
   */
  readonly sharedSpaceGrants?: WorkspaceGrant[];
}

/**
 * A SageMaker Studio domain (`AWS::SageMaker::Domain`) for data scientists, locked down:
 * apps only in the VPC (`VpcOnly`) in the network's isolated subnets with their own security
 * group, a customer-managed key on the home EFS volume and the spaces' volumes, IAM
 * authentication (or IAM Identity Center), Docker access off, notebook output sharing off,
 * an idle-shutdown lifecycle configuration on every JupyterLab app, and no wide default role:
 * the domain's default execution role has no permissions at all, every user profile gets its
 * own least-privilege role (`addUserProfile(name, { grants })`), and shared spaces one of their
 * own (`sharedSpaceGrants`).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-domain.html
 */
export class SecureStudioDomain extends Construct {
  /** The domain's ID, e.g. `d-abc123`. */
  public readonly domainId: string;

  /** The domain's ARN. */
  public readonly domainArn: string;

  /** The domain's name. */
  public readonly domainName: string;

  /** How users sign in. */
  public readonly authMode: StudioAuthMode;

  /** The network the apps run in. */
  public readonly network: SageMakerNetwork;

  /** The key on the home EFS volume and the spaces' volumes. */
  public readonly encryptionKey: kms.IKey;

  /** The security group of the domain's apps and home EFS volume. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The ARN of the JupyterLab idle-shutdown lifecycle configuration. */
  public readonly idleShutdownLifecycleConfigArn: string;

  /** The idle timeout, in minutes. */
  public readonly idleTimeoutMinutes: number;

  /** The role apps in shared spaces run as. */
  public readonly sharedSpaceRole: iam.IRole;

  private readonly profiles = new Set<string>();
  private readonly spaces = new Set<string>();

  constructor(scope: Construct, id: string, props: SecureStudioDomainProps = {}) {
    super(scope, id);
    const problems = ValidationProblems.of('SecureStudioDomain', scope, id);
    this.idleTimeoutMinutes = idleMinutesOf(problems, props.idleTimeout);
    checkInternetOptOut(problems, props.directInternetAccess, props.allowInternetAccess);
    if (props.domainName !== undefined) {
      problems.require(STUDIO_NAME_PATTERN.test(props.domainName), 'domainName', props.domainName, STUDIO_NAME_ALLOWED);
    }
    this.network = props.network ?? new SageMakerNetwork(this, 'Network');
    const subnets = this.network.vpc.selectSubnets(this.network.subnets);
    const zones = subnets.subnets.map((subnet) => subnet.availabilityZone);
    const spread = zones.some((zone) => Token.isUnresolved(zone)) ? subnets.subnetIds.length : new Set(zones).size;
    problems.require(spread >= 2, 'network', `${subnets.subnetIds.length} subnet(s) in ${new Set(zones).size} AZ(s)`,
      'a network whose subnets span at least two Availability Zones');
    problems.throwIfAny();

    this.authMode = props.authMode ?? StudioAuthMode.IAM;
    this.encryptionKey = props.encryptionKey ?? this.network.encryptionKey;
    this.domainName = props.domainName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });

    // What Studio's apps call from inside the VPC (DESIGN.md section 5), beyond S3's gateway.
    for (const service of STUDIO_ENDPOINT_SERVICES) {
      this.network.addInterfaceEndpoint(service);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.network.vpc,
      description: 'SageMaker Studio apps and home EFS volume: NFS and app traffic among themselves, HTTPS to the VPC endpoints and S3',
      allowAllOutbound: false,
    });
    this.securityGroup.connections.allowInternally(ec2.Port.tcp(2049), 'NFS between Studio apps and the home EFS volume');
    this.securityGroup.connections.allowInternally(ec2.Port.tcpRange(8192, 65535), 'Traffic between a Studio space\'s apps');
    this.network.allowEndpointAccess(this.securityGroup);

    const lifecycle = new sagemaker.CfnStudioLifecycleConfig(this, 'IdleShutdown', {
      studioLifecycleConfigAppType: 'JupyterLab',
      studioLifecycleConfigName: '',
      studioLifecycleConfigContent: '',
    });
    const content = lifecycleContent(idleShutdownScript('studio', this.idleTimeoutMinutes));
    if (content.length > MAX_LIFECYCLE_CONTENT_LENGTH) throw new Error(`the idle-shutdown script is ${content.length} base64 characters; SageMaker allows ${MAX_LIFECYCLE_CONTENT_LENGTH}`);
    lifecycle.studioLifecycleConfigContent = content;
    lifecycle.studioLifecycleConfigName = Names.uniqueResourceName(lifecycle, { maxLength: 63, separator: '-' });
    this.idleShutdownLifecycleConfigArn = lifecycle.attrStudioLifecycleConfigArn;

    // Profiles without a role of their own would run as this one: it has no permissions at all.
    const defaultRole = new SageMakerExecutionRole(this, 'DefaultRole', {
      description: `Default execution role of the Studio domain ${this.node.path}: no permissions (every user profile has its own role)`,
    });
    const spaceRole = new SageMakerExecutionRole(this, 'SharedSpaceRole', {
      description: `Execution role of the shared spaces of the Studio domain ${this.node.path}`,
    });
    this.sharedSpaceRole = spaceRole.role;

    const jupyterLab = {
      defaultResourceSpec: { lifecycleConfigArn: this.idleShutdownLifecycleConfigArn },
      lifecycleConfigArns: [this.idleShutdownLifecycleConfigArn],
    };
    const domain = new sagemaker.CfnDomain(this, 'Resource', {
      domainName: this.domainName,
      authMode: this.authMode,
      vpcId: this.network.vpc.vpcId,
      subnetIds: subnets.subnetIds,
      appNetworkAccessType: props.directInternetAccess ? 'PublicInternetOnly' : 'VpcOnly',
      kmsKeyId: this.encryptionKey.keyArn,
      domainSettings: {
        securityGroupIds: [this.securityGroup.securityGroupId],
        dockerSettings: { enableDockerAccess: 'DISABLED' },
      },
      defaultUserSettings: {
        executionRole: defaultRole.role.roleArn,
        securityGroups: [this.securityGroup.securityGroupId],
        studioWebPortal: 'ENABLED',
        defaultLandingUri: 'studio::',
        sharingSettings: { notebookOutputOption: 'Disabled' },
        jupyterLabAppSettings: jupyterLab,
        codeEditorAppSettings: {
          appLifecycleManagement: {
            idleSettings: { lifecycleManagement: 'ENABLED', idleTimeoutInMinutes: Math.max(60, this.idleTimeoutMinutes) },
          },
        },
      },
      defaultSpaceSettings: {
        executionRole: spaceRole.role.roleArn,
        securityGroups: [this.securityGroup.securityGroupId],
        jupyterLabAppSettings: jupyterLab,
      },
    });
    this.domainId = domain.attrDomainId;
    this.domainArn = domain.attrDomainArn;

    grantStudioUse(spaceRole, { domainId: this.domainId, domainArn: this.domainArn });
    for (const grant of props.sharedSpaceGrants ?? []) grant.bind(spaceRole);
  }

  /**
   * Adds a user profile with its own execution role: it can use Studio in this domain (its
   * spaces and apps) and reach exactly what `grants` allow.
   *
   * @param userProfileName the profile's name (SageMaker's pattern: letters, digits and hyphens, at most 63)
   */
  public addUserProfile(userProfileName: string, options: StudioUserProfileOptions = {}): StudioUserProfile {
    if (!Token.isUnresolved(userProfileName) && this.profiles.has(userProfileName)) {
      ValidationProblems.of('SecureStudioDomain.addUserProfile()', this, '')
        .add('userProfileName', userProfileName, 'a name not already used in this domain').throwNow();
    }
    this.profiles.add(userProfileName);
    return new StudioUserProfile(this, `UserProfile-${userProfileName}`, { ...options, domain: this, userProfileName });
  }

  /**
   * Adds a space (shared by default) owned by one of the domain's user profiles; its volume is
   * encrypted with the domain's key, and its JupyterLab apps shut down when idle.
   *
   * @param spaceName the space's name (SageMaker's pattern: letters, digits and hyphens, at most 63)
   */
  public addSpace(spaceName: string, options: StudioSpaceOptions): StudioSpace {
    if (!Token.isUnresolved(spaceName) && this.spaces.has(spaceName)) {
      ValidationProblems.of('SecureStudioDomain.addSpace()', this, '')
        .add('spaceName', spaceName, 'a name not already used in this domain').throwNow();
    }
    this.spaces.add(spaceName);
    return new StudioSpace(this, `Space-${spaceName}`, { ...options, domain: this, spaceName });
  }
}

/** Interface endpoints Studio's apps call in VpcOnly mode (the network's defaults, and Experiments' metrics). */
const STUDIO_ENDPOINT_SERVICES = [
  'sagemaker.api', 'sagemaker.runtime', 'sts', 'logs', 'monitoring', 'ecr.api', 'ecr.dkr', 'kms', 'sagemaker.metrics',
];

