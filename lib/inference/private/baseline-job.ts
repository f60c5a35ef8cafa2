import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { MonitorJobSettings } from './monitor-jobs';
import { SageMakerNetwork } from '../../core/network';
import { SageMakerExecutionRole } from '../../core/roles';
import { DeployTimeJob } from '../../private/deploy-time-job';
import { jobNamePrefix, PROCESSING_JOB } from '../../private/job-kinds';

/** One S3 prefix the baselining job reads into its container. */
export interface BaselineInput {
  readonly name: string;
  readonly s3Uri: string;
  readonly localPath: string;
}

export interface BaselineJobProps {
  /** The analyzer (Model Monitor's or Clarify's) image. */
  readonly image: string;
  readonly role: SageMakerExecutionRole;
  readonly environment?: { [name: string]: string };
  readonly inputs: BaselineInput[];
  /** Where the analyzer writes its statistics and constraints (or analysis). */
  readonly output: { readonly name: string; readonly s3Uri: string; readonly localPath: string };
  /** The monitor's own cluster, network and runtime settings. */
  readonly settings: MonitorJobSettings;
  readonly network: SageMakerNetwork;
  readonly encryptionKey: kms.IKey;
  /** Extra time the deploy waits beyond the job's runtime (a shadow endpoint's start). @default 1 hour */
  readonly extraWait?: Duration;
}

/**
 * A monitor's baseline, computed during the deploy by the library's one deploy-time job machinery
 * (a CreateProcessingJob request, the same kind `SecureProcessingJob` runs): the deploy waits for
 * the job, fails with its reason if it fails, and whatever reads the baseline (the job definition
 * and its schedule) depends on `completion`. A changed request is a new job under a new name; an
 * unchanged redeploy starts nothing.
 */
export function baselineJob(scope: Construct, props: BaselineJobProps): DeployTimeJob {
  const { cluster, networkConfig, stoppingCondition } = props.settings;
  const job = new DeployTimeJob(scope, 'Baseline', {
    kind: PROCESSING_JOB,
    namePrefix: jobNamePrefix(scope, PROCESSING_JOB),
    request: {
      AppSpecification: { ImageUri: props.image },
      RoleArn: props.role.role.roleArn,
      ...(props.environment ? { Environment: props.environment } : {}),
      ProcessingInputs: props.inputs.map((input) => ({
        InputName: input.name,
        S3Input: { S3Uri: input.s3Uri, LocalPath: input.localPath, S3DataType: 'S3Prefix', S3InputMode: 'File' },
      })),
      ProcessingOutputConfig: {
        KmsKeyId: props.encryptionKey.keyArn,
        Outputs: [{ OutputName: props.output.name, S3Output: { S3Uri: props.output.s3Uri, LocalPath: props.output.localPath, S3UploadMode: 'EndOfJob' } }],
      },
      ProcessingResources: {
        ClusterConfig: { InstanceCount: cluster.instanceCount, InstanceType: cluster.instanceType, VolumeSizeInGB: cluster.volumeSizeInGb, VolumeKmsKeyId: cluster.volumeKmsKeyId },
      },
      NetworkConfig: {
        EnableNetworkIsolation: networkConfig.enableNetworkIsolation,
        EnableInterContainerTrafficEncryption: networkConfig.enableInterContainerTrafficEncryption,
        VpcConfig: { SecurityGroupIds: networkConfig.vpcConfig.securityGroupIds, Subnets: networkConfig.vpcConfig.subnets },
      },
      StoppingCondition: { MaxRuntimeInSeconds: stoppingCondition.maxRuntimeInSeconds },
    },
    executionRole: props.role.role,
    network: props.network,
    encryptionKey: props.encryptionKey,
    // Room for the job to be queued (and, for Clarify's SHAP, the shadow endpoint to start).
    waitTimeout: Duration.seconds(stoppingCondition.maxRuntimeInSeconds).plus(props.extraWait ?? Duration.hours(1)),
  });
  // The role may do everything before the job starts.
  job.node.addDependency(props.role);
  return job;
}
