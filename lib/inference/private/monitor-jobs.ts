import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { InstanceType } from '../../core/instance-type';
import { SageMakerNetwork } from '../../core/network';
import { regionalRegistryAccount } from '../../core/private/regional-registry';
import { ValidationProblems } from '../../core/private/validation';
import { SageMakerExecutionRole } from '../../core/roles';
import { vpcConfigOf } from '../../private/vpc-config';

/**
 * Registries of the Model Monitor analyzer image (data and model quality), by region.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html
 */
export const ANALYZER_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-north-1': '895015795356',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
};

/** Where the analyzer reads and writes inside its container. */
export const MONITOR_INPUT = '/opt/ml/processing/input';
export const MONITOR_OUTPUT = '/opt/ml/processing/output';

/** The region's Model Monitor analyzer image (an unknown region is a synth error), pullable by the role. */
export function analyzerImage(scope: Construct, role: SageMakerExecutionRole): string {
  const stack = Stack.of(scope);
  const account = regionalRegistryAccount(scope, 'SageMakerModelMonitorAnalyzerRegistries', ANALYZER_REGISTRY_ACCOUNTS, 'Model Monitor');
  role.grantPullFrom(`arn:${stack.partition}:ecr:${stack.region}:${account}:repository/sagemaker-model-monitor-analyzer`, 'The region\'s Model Monitor analyzer image.');
  return Fn.join('', [account, '.dkr.ecr.', stack.region, '.', stack.urlSuffix, '/sagemaker-model-monitor-analyzer']);
}

/** A monitor's role and the image it runs. */
export interface MonitorRole {
  readonly role: SageMakerExecutionRole;
  readonly image: string;
}

/**
 * A monitor's role: it pulls the analyzer image, gets the S3 grants `grantS3` gives it (its
 * inputs and its own output prefix), then its key, logs, metrics and the VPC.
 */
export function monitorRole(scope: Construct, description: string, encryptionKey: kms.IKey, grantS3: (role: SageMakerExecutionRole) => void): MonitorRole {
  const role = new SageMakerExecutionRole(scope, 'Role', { description });
  const image = analyzerImage(scope, role);
  grantS3(role);
  role.grantEncryptDecrypt(encryptionKey);
  role.grantLogs('/aws/sagemaker/ProcessingJobs');
  role.allowPutMetricData();
  role.allowVpcAccess();
  return { role, image };
}

/** One monitoring (or baselining) job's instance, network and runtime settings. */
export interface MonitorJobSettings {
  readonly cluster: { instanceCount: number; instanceType: string; volumeSizeInGb: number; volumeKmsKeyId: string };
  readonly networkConfig: { enableNetworkIsolation: boolean; enableInterContainerTrafficEncryption: boolean; vpcConfig: { securityGroupIds: string[]; subnets: string[] } };
  readonly stoppingCondition: { maxRuntimeInSeconds: number };
}

/** One instance with a KMS-encrypted volume, network isolation and inter-container encryption in the VPC, an hour at most. */
export function monitorJobSettings(network: SageMakerNetwork, encryptionKey: kms.IKey, instanceType?: InstanceType): MonitorJobSettings {
  return {
    cluster: { instanceCount: 1, instanceType: (instanceType ?? InstanceType.ML_M5_XLARGE).toString(), volumeSizeInGb: 20, volumeKmsKeyId: encryptionKey.keyArn },
    networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true, vpcConfig: vpcConfigOf(network) },
    stoppingCondition: { maxRuntimeInSeconds: Duration.hours(1).toSeconds() },
  };
}

/** An S3 prefix as a monitor input or output URI. */
export function prefixUri(bucket: s3.IBucket, prefix: string): string {
  return bucket.s3UrlForObject(prefix);
}

/**
 * SageMaker's monitoring schedules run at most hourly: `cron(0 * ? * * *)` (hourly),
 * `cron(0 H ? * * *)` (daily), `cron(0 H/N ? * * *)` or `cron(0 H1,H2 ? * * *)`; the minute is 0.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-schedule-expression.html
 */
export function checkScheduleExpression(problems: ValidationProblems, prop: string, expression: string | undefined): void {
  if (expression === undefined) return;
  problems.require(/^cron\(0 (\*|[0-9]{1,2}(\/[0-9]{1,2})?|[0-9]{1,2}(,[0-9]{1,2})+) \? \* \* \*\)$/.test(expression), prop, expression,
    'a SageMaker schedule at most hourly: cron(0 * ? * * *), cron(0 H ? * * *), cron(0 H/N ? * * *) or cron(0 H1,H2 ? * * *)');
}
