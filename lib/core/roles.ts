import { Aws, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, Dependable } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledge } from './private/nag-acknowledgments';
import { acknowledgeWildcardResource } from './private/wildcard-acknowledgment';

/**
 * Properties of a {@link SageMakerExecutionRole}.
 */
export interface SageMakerExecutionRoleProps {
  /**
   * What the role is for, shown in the IAM console.
   *
   * @default 'SageMaker execution role (sagemaker-secure-constructs)'
   */
  readonly description?: string;

  /**
   * Which SageMaker resources may assume the role, as an ARN pattern for the `aws:SourceArn`
   * condition, e.g. `arn:aws:sagemaker:eu-west-1:111122223333:training-job/*`.
   *
   * @default - any SageMaker resource of this account and region
   */
  readonly sourceArnPattern?: string;
}

/**
 * An execution role for one SageMaker job, model or monitor, granted nothing until asked: each
 * `grant*` / `allow*` method adds exactly one scoped permission to the role's customer-managed
 * policy. SageMaker may assume it only on behalf of this account (`aws:SourceAccount`) and region
 * (`aws:SourceArn`); `AmazonSageMakerFullAccess` is never attached.
 */
export class SageMakerExecutionRole extends Construct implements iam.IGrantable {
  /** The IAM role. */
  public readonly role: iam.IRole;

  /** Grants made with CDK's own `grant*` methods land in the role's managed policy too. */
  public readonly grantPrincipal: iam.IPrincipal;

  private readonly managedRole: ManagedPolicyRole;
  private readonly granted = new Set<string>();

  constructor(scope: Construct, id: string, props: SageMakerExecutionRoleProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.managedRole = new ManagedPolicyRole(this, 'Role', {
      description: props.description ?? 'SageMaker execution role (sagemaker-secure-constructs)',
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': props.sourceArnPattern ?? `arn:${stack.partition}:sagemaker:${stack.region}:${stack.account}:*` },
        },
      }),
    });
    this.role = this.managedRole;
    this.grantPrincipal = this.managedRole;
    // Depending on this construct means depending on the role's permissions (see ManagedPolicyRole).
    const managedRole = this.managedRole;
    Dependable.implement(this, {
      get dependencyRoots() {
        return Dependable.of(managedRole).dependencyRoots;
      },
    });
  }

  /**
   * Lets the role read objects under a prefix of a bucket (and list that prefix).
   *
   * @param prefix the key prefix, e.g. `datasets/train/`
   * @default prefix - the whole bucket
   */
  public grantRead(bucket: s3.IBucket, prefix: string = ''): void {
    this.once(`read:${bucket.node.path}:${prefix}`, () => {
      this.addStatement(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }));
      this.allowList(bucket, prefix);
      this.acknowledgePrefix(bucket, prefix, 'reads');
      if (bucket.encryptionKey) this.grantDecrypt(bucket.encryptionKey);
    });
  }

  /**
   * Lets the role write (and overwrite, and read back) objects under a prefix of a bucket,
   * e.g. for model artifacts, checkpoints or monitoring reports.
   *
   * @default prefix - the whole bucket
   */
  public grantWrite(bucket: s3.IBucket, prefix: string = ''): void {
    this.once(`write:${bucket.node.path}:${prefix}`, () => {
      this.addStatement(new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }));
      this.allowList(bucket, prefix);
      this.acknowledgePrefix(bucket, prefix, 'writes');
      if (bucket.encryptionKey) this.grantEncryptDecrypt(bucket.encryptionKey);
    });
  }

  /** Lets the role decrypt with a key (reading encrypted inputs and model artifacts). */
  public grantDecrypt(key: kms.IKey): void {
    this.once(`decrypt:${key.node.path}`, () => {
      this.addStatement(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [key.keyArn] }));
    });
  }

  /**
   * Lets the role encrypt and decrypt with a key, and create grants on it for the AWS services
   * it works through (SageMaker encrypts ML storage volumes through a grant).
   */
  public grantEncryptDecrypt(key: kms.IKey): void {
    this.once(`encrypt:${key.node.path}`, () => {
      this.grantDecrypt(key);
      this.addStatement(new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        resources: [key.keyArn],
      }));
      this.addStatement(new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }));
    });
  }

  /** Lets the role pull an image from a repository (and log in to ECR). */
  public grantPull(repository: ecr.IRepository): void {
    this.once(`pull:${repository.node.path}`, () => {
      this.addStatement(new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [repository.repositoryArn],
      }));
      this.allowEcrLogin();
    });
  }

  /**
   * Lets the role pull images from repositories it cannot name at synth (CDK's asset repository,
   * AWS's own algorithm registries), limited to the given repository ARN pattern.
   */
  public grantPullFrom(repositoryArnPattern: string, reason: string): void {
    this.once(`pull:${repositoryArnPattern}`, () => {
      this.addStatement(new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [repositoryArnPattern],
      }));
      this.acknowledgeResource(repositoryArnPattern, reason);
      this.allowEcrLogin();
    });
  }

  /**
   * Lets SageMaker write the job's or endpoint's logs to log groups under a name prefix, e.g.
   * `/aws/sagemaker/TrainingJobs`.
   */
  public grantLogs(logGroupNamePrefix: string): void {
    this.once(`logs:${logGroupNamePrefix}`, () => {
      const pattern = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroupNamePrefix}*`;
      this.addStatement(new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [pattern],
      }));
      this.acknowledgeResource(pattern,
        `SageMaker names a log stream per job or instance under ${logGroupNamePrefix}; the grant is limited to that log group prefix.`);
    });
  }

  /** Lets SageMaker publish the job's metrics to CloudWatch, in the `/aws/sagemaker/*` namespaces only. */
  public allowPutMetricData(): void {
    this.once('metrics', () => {
      this.addStatement(new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }));
      this.acknowledgeWildcard('Resource::*', WILDCARD_RESOURCE_REASON);
    });
  }

  /**
   * Lets SageMaker attach the job's or model's network interfaces to the VPC. EC2 offers no
   * resource-level permissions for these at creation, so the grant is scoped by condition to
   * this account and region.
   */
  public allowVpcAccess(): void {
    this.once('vpc', () => {
      this.addStatement(new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': Aws.REGION } },
      }));
      this.acknowledgeWildcard('Resource::*', WILDCARD_RESOURCE_REASON);
    });
  }

  private allowEcrLogin(): void {
    this.once('ecr-login', () => {
      this.addStatement(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
      this.acknowledgeWildcard('Resource::*', WILDCARD_RESOURCE_REASON);
    });
  }

  /** Listing the bucket, limited to the prefix (once per bucket and prefix). */
  private allowList(bucket: s3.IBucket, prefix: string): void {
    this.once(`list:${bucket.node.path}:${prefix}`, () => this.addStatement(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`] } } : undefined,
    })));
  }

  private addStatement(statement: iam.PolicyStatement): void {
    this.managedRole.addToPrincipalPolicy(statement);
  }

  private acknowledgePrefix(bucket: s3.IBucket, prefix: string, verb: string): void {
    this.acknowledgeResource(bucket.arnForObjects(`${prefix}*`),
      `The role ${verb} objects under ${prefix ? `the prefix ${prefix} of ` : ''}one bucket; S3 object ARNs can only be granted by pattern.`);
  }

  /** Acknowledges the wildcard finding for a resource ARN pattern granted on purpose. */
  private acknowledgeResource(resourceArn: string, reason: string): void {
    acknowledgeWildcardResource(this.managedRole, resourceArn, reason);
  }

  private acknowledgeWildcard(finding: string, reason: string): void {
    this.once(`acknowledge:${finding}`, () => acknowledge(this.managedRole, [[`AwsSolutions-IAM5[${finding}]`, reason]]));
  }

  private once(key: string, grant: () => void): void {
    if (this.granted.has(key)) return;
    this.granted.add(key);
    grant();
  }
}

const WILDCARD_RESOURCE_REASON = 'Only actions that support no resource-level permissions are granted on "*": ENI management for VPC jobs (scoped to the region), ecr:GetAuthorizationToken, and cloudwatch:PutMetricData (scoped to the /aws/sagemaker/* namespaces).';
