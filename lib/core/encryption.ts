import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Properties of a {@link SageMakerKey}.
 */
export interface SageMakerKeyProps {
  /**
   * What the key protects, shown in the KMS console.
   *
   * @default 'SageMaker data at rest (sagemaker-secure-constructs)'
   */
  readonly description?: string;

  /**
   * An alias for the key, without the `alias/` prefix.
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * Let CloudWatch Logs in this account and region encrypt log groups with the key.
   *
   * The grant is limited by the `kms:EncryptionContext:aws:logs:arn` condition to log groups of
   * this account and region.
   *
   * @default true
   */
  readonly allowCloudWatchLogs?: boolean;

  /**
   * What happens to the key when it leaves the stack. Data encrypted with a deleted key is lost,
   * so the key is kept by default.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Days KMS waits before deleting the key once it is scheduled for deletion (7 to 30).
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

/**
 * A customer-managed KMS key with yearly rotation and a key policy for the services SageMaker
 * workloads use.
 *
 * SageMaker itself reaches the key through the execution roles that are granted it (they call
 * `kms:CreateGrant` for volumes); CloudWatch Logs reaches it through its service principal, bound
 * to this account's log groups by an encryption-context condition. Grants can be created only for
 * AWS resources or by AWS services (AWS Control Tower CT.KMS.PR.3).
 */
export class SageMakerKey extends Construct {
  /** The key. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SageMakerKeyProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: props.description ?? 'SageMaker data at rest (sagemaker-secure-constructs)',
      alias: props.alias,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: props.pendingWindow ?? Duration.days(30),
    });
    this.denyGrantsOutsideAwsServices();
    if (props.allowCloudWatchLogs ?? true) {
      this.allowCloudWatchLogs();
    }
  }

  /**
   * A grant outlives the policy that allowed its creation, so anyone who may call
   * `kms:CreateGrant` could hand the key's use to any principal. Services that encrypt for a
   * caller (SageMaker volumes, Lambda environments, EBS) create their grants "for an AWS
   * resource" or as a service principal; nothing else may (AWS Control Tower CT.KMS.PR.3).
   */
  private denyGrantsOutsideAwsServices(): void {
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyGrantsNotForAwsResourcesOrServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }));
  }

  /**
   * Lets CloudWatch Logs use the key for log groups of this account and region.
   */
  private allowCloudWatchLogs(): void {
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }));
  }
}
