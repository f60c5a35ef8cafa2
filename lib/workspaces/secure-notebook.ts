import { Duration, Names, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { SageMakerNetwork } from '../core/network';
import { SageMakerExecutionRole } from '../core/roles';
import { ValidationProblems } from '../core/private/validation';
import { idleShutdownScript, lifecycleContent, MAX_LIFECYCLE_CONTENT_LENGTH } from './private/lifecycle-script';
import { checkInternetOptOut, idleMinutesOf, STUDIO_NAME_ALLOWED, STUDIO_NAME_PATTERN } from './private/workspace-checks';
import { WorkspaceGrant } from './workspace-grant';

/**
 * Properties of a {@link SecureNotebook}.
 */
export interface SecureNotebookProps {
  /**
   * The network the notebook instance runs in (its first subnet), reaching AWS only through the
   * network's endpoints.
   *
   * @default - a new SageMakerNetwork
   */
  readonly network?: SageMakerNetwork;

  /**
   * The notebook instance type (a notebook family, e.g. `ml.t3.medium`, `ml.m5.xlarge`, `ml.g5.xlarge`).
   *
   * @default InstanceType.ML_T3_MEDIUM
   */
  readonly instanceType?: InstanceType;

  /**
   * The notebook instance's name.
   *
   * @default - derived from the construct's path (lower case)
   */
  readonly notebookInstanceName?: string;

  /**
   * What the notebook may reach, e.g. `WorkspaceGrant.readPrefix(bucket, 'churn/train/')`.
   *
   * @default - nothing beyond its own logs, key and network
   */
  readonly grants?: WorkspaceGrant[];

  /**
   * The key that encrypts the notebook's ML storage volume.
   *
   * @default - the network's key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The size of the ML storage volume, whole GiB from 5 to 16384.
   *
   * @default Size.gibibytes(5)
   */
  readonly volumeSize?: Size;

  /**
   * How long the notebook may be idle (no busy kernel, no kernel or terminal activity) before
   * its lifecycle configuration stops it (the volume stays); from 5 minutes to 24 hours.
   *
   * @default Duration.minutes(60)
   */
  readonly idleTimeout?: Duration;

  /**
   * The IPv4 CIDR ranges `grantOpen` lets principals open the notebook from (an `aws:SourceIp`
   * condition on `sagemaker:CreatePresignedNotebookInstanceUrl`).
   *
   * @default - any address (IAM alone decides)
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-ip-filter.html
   */
  readonly allowedSourceIps?: string[];

  /**
   * The notebook platform (operating system and JupyterLab version).
   *
   * @default 'notebook-al2023-v1'
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2.html
   */
  readonly platformIdentifier?: string;

  /**
   * Give the notebook direct internet access through SageMaker's network, around the VPC.
   * Requires `allowInternetAccess: true` as well.
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
}

/**
 * A SageMaker notebook instance (`AWS::SageMaker::NotebookInstance`), locked down: in the
 * network's isolated subnet with its own security group (HTTPS to the VPC endpoints and S3
 * only), no direct internet access, root access off, a customer-managed key on its volume, the
 * current platform, IMDSv2 only, a lifecycle configuration that stops it when idle, and its own
 * least-privilege role that reaches exactly what its grants allow.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-notebookinstance.html
 */
export class SecureNotebook extends Construct implements iam.IGrantable {
  /** The notebook instance's name. */
  public readonly notebookInstanceName: string;

  /** The notebook instance's ARN. */
  public readonly notebookInstanceArn: string;

  /** The execution role the notebook runs as. */
  public readonly role: iam.IRole;

  /** The execution role, with this library's scoped `grant*` methods. */
  public readonly executionRole: SageMakerExecutionRole;

  /** Grants to the notebook land in its execution role's managed policy. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The notebook's security group. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The idle timeout, in minutes. */
  public readonly idleTimeoutMinutes: number;

  private readonly allowedSourceIps?: string[];

  constructor(scope: Construct, id: string, props: SecureNotebookProps = {}) {
    super(scope, id);
    const problems = ValidationProblems.of('SecureNotebook', scope, id);
    this.idleTimeoutMinutes = idleMinutesOf(problems, props.idleTimeout);
    checkInternetOptOut(problems, props.directInternetAccess, props.allowInternetAccess);
    const instanceType = props.instanceType ?? InstanceType.ML_T3_MEDIUM;
    const family = instanceType.family;
    problems.require(family === undefined || NOTEBOOK_FAMILIES.includes(family), 'instanceType', instanceType.toString(),
      `a notebook instance type, ml.<family>.<size> with family one of ${NOTEBOOK_FAMILIES.join(', ')}`);
    const platform = props.platformIdentifier ?? SUPPORTED_PLATFORMS[0];
    problems.require(SUPPORTED_PLATFORMS.includes(platform), 'platformIdentifier', platform, `a supported platform: ${SUPPORTED_PLATFORMS.join(', ')}`);
    const volumeGb = props.volumeSize?.toGibibytes({ rounding: SizeRoundingBehavior.NONE }) ?? 5;
    problems.require(Token.isUnresolved(volumeGb) || (Number.isInteger(volumeGb) && volumeGb >= 5 && volumeGb <= 16384), 'volumeSize', `${volumeGb} GiB`, 'whole GiB from 5 to 16384');
    for (const cidr of props.allowedSourceIps ?? []) {
      problems.require(isIpv4Cidr(cidr), 'allowedSourceIps', cidr, 'IPv4 CIDR ranges, e.g. 203.0.113.0/24');
    }
    if (props.notebookInstanceName !== undefined) {
      problems.require(STUDIO_NAME_PATTERN.test(props.notebookInstanceName), 'notebookInstanceName', props.notebookInstanceName, STUDIO_NAME_ALLOWED);
    }
    problems.throwIfAny();

    const network = props.network ?? new SageMakerNetwork(this, 'Network');
    const key = props.encryptionKey ?? network.encryptionKey;
    this.allowedSourceIps = props.allowedSourceIps;
    this.notebookInstanceName = props.notebookInstanceName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    this.notebookInstanceArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'notebook-instance', resourceName: this.notebookInstanceName.toLowerCase() });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: 'SageMaker notebook instance: HTTPS to the VPC endpoints and S3 only',
      allowAllOutbound: false,
    });
    network.allowEndpointAccess(this.securityGroup);

    this.executionRole = new SageMakerExecutionRole(this, 'ExecutionRole', {
      description: `Execution role of the notebook instance ${this.node.path}`,
    });
    this.role = this.executionRole.role;
    this.grantPrincipal = this.executionRole.grantPrincipal;
    this.executionRole.allowVpcAccess();
    this.executionRole.grantEncryptDecrypt(key);
    this.executionRole.grantLogs('/aws/sagemaker/NotebookInstances');
    // The idle-shutdown script stops the notebook it runs on, and nothing else.
    this.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:StopNotebookInstance'],
      resources: [this.notebookInstanceArn],
    }));

    const content = lifecycleContent(idleShutdownScript('notebook', this.idleTimeoutMinutes));
    if (content.length > MAX_LIFECYCLE_CONTENT_LENGTH) throw new Error(`the idle-shutdown script is ${content.length} base64 characters; SageMaker allows ${MAX_LIFECYCLE_CONTENT_LENGTH}`);
    const lifecycle = new sagemaker.CfnNotebookInstanceLifecycleConfig(this, 'IdleShutdown', {
      onStart: [{ content }],
    });
    lifecycle.notebookInstanceLifecycleConfigName = Names.uniqueResourceName(lifecycle, { maxLength: 63, separator: '-' });

    const subnets = network.vpc.selectSubnets(network.subnets);
    const notebook = new sagemaker.CfnNotebookInstance(this, 'Resource', {
      notebookInstanceName: this.notebookInstanceName,
      instanceType: instanceType.toString(),
      roleArn: this.role.roleArn,
      subnetId: subnets.subnetIds[0],
      securityGroupIds: [this.securityGroup.securityGroupId],
      directInternetAccess: props.directInternetAccess ? 'Enabled' : 'Disabled',
      rootAccess: 'Disabled',
      kmsKeyId: key.keyArn,
      platformIdentifier: platform,
      volumeSizeInGb: volumeGb,
      instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
      lifecycleConfigName: lifecycle.attrNotebookInstanceLifecycleConfigName,
    });
    // Its permissions first: the lifecycle script and the user's first cell use them.
    notebook.node.addDependency(this.executionRole);

    for (const grant of props.grants ?? []) this.addGrant(grant);
  }

  /** Lets the notebook reach one more thing. */
  public addGrant(grant: WorkspaceGrant): void {
    grant.bind(this.executionRole);
  }

  /**
   * Lets a principal open the notebook (`sagemaker:CreatePresignedNotebookInstanceUrl`), from
   * `allowedSourceIps` only when they are given.
   */
  public grantOpen(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'],
      resourceArns: [this.notebookInstanceArn],
      conditions: this.allowedSourceIps ? { IpAddress: { 'aws:SourceIp': this.allowedSourceIps } } : undefined,
    });
  }
}

/** Notebook instance families (SageMaker's CreateNotebookInstance InstanceType values). */
const NOTEBOOK_FAMILIES = ['t2', 't3', 'm4', 'm5', 'm5d', 'm6i', 'm6id', 'm7i', 'c4', 'c5', 'c5d', 'c6i', 'c6id', 'c7i', 'r5', 'r6i', 'r6id', 'r7i', 'x1', 'p2', 'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'g4dn', 'g5', 'g6', 'inf1', 'inf2', 'trn1'];

/** Notebook platforms SageMaker supports (Amazon Linux 2 platforms reached end of support on 30 June 2025). */
const SUPPORTED_PLATFORMS = ['notebook-al2023-v1'];

function isIpv4Cidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  return match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
}
