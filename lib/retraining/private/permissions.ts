import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from '../../core/managed-policy-role';
import { DeployTimeFunction } from '../../core/private/deploy-time-function';
import { acknowledge } from '../../core/private/nag-acknowledgments';
import { acknowledgeWildcardResource } from '../../core/private/wildcard-acknowledgment';
import type { MonitoredEndpoint } from '../../inference/monitored-endpoint';
import type { IModelRegistry } from '../../registry/model-registry-base';

export interface RetrainingPermissions {
  readonly kind: 'training' | 'tuning';
  /** Every job the pipeline starts is named `<prefix>-<8 hex>`. */
  readonly namePrefix: string;
  readonly executionRole: iam.IRole;
  readonly encryptionKey: kms.IKey;
  readonly registry: IModelRegistry;
  readonly stateMachineName: string;
  readonly promotion?: {
    readonly endpoint: MonitoredEndpoint;
    readonly handler: DeployTimeFunction;
    /** The roles the endpoint's registry models run as (the promoted model keeps its variant's). */
    readonly servedRoles: iam.IRole[];
    readonly namePrefix: string;
  };
}

/**
 * Exactly the state machine's steps: its own jobs (by name prefix) and the rules Step Functions
 * watches them with, passing only the execution role, the key for the jobs' volumes, registering
 * in its registry, reading the version in production, counting its own running executions, and
 * invoking the promotion function. The promotion function gets exactly what a promotion does to
 * the one endpoint.
 */
export function grantRetrainingSteps(scope: Construct, role: ManagedPolicyRole, p: RetrainingPermissions): void {
  const stack = Stack.of(scope);
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName });
  const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
  const pattern = (resource: string, reason: string) => {
    acknowledgeWildcardResource(role, resource, reason);
    return resource;
  };

  const trainingJobs = pattern(arn('training-job', `${p.namePrefix}-*`), 'Each run names its job with a fresh suffix under the pipeline\'s prefix.');
  if (p.kind === 'training') {
    allow(['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags', 'sagemaker:ListTags'], [trainingJobs]);
    allow(['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })]);
  } else {
    const tuningJobs = pattern(arn('hyper-parameter-tuning-job', `${p.namePrefix}-*`), 'Each run names its tuning job with a fresh suffix under the pipeline\'s prefix.');
    allow(['sagemaker:CreateHyperParameterTuningJob', 'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:AddTags', 'sagemaker:ListTags'], [tuningJobs]);
    // The best job is one of the tuning job's training jobs, which SageMaker names after it.
    allow(['sagemaker:DescribeTrainingJob'], [trainingJobs]);
    allow(['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTuningJobsRule' })]);
  }
  allow(['iam:PassRole'], [p.executionRole.roleArn], { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
  // SageMaker checks that the caller may use the key the job encrypts its volumes with.
  allow(['kms:DescribeKey'], [p.encryptionKey.keyArn]);
  allow(['kms:CreateGrant'], [p.encryptionKey.keyArn], { Bool: { 'kms:GrantIsForAWSResource': 'true' } });

  const group = Token.isUnresolved(p.registry.modelPackageGroupName) ? p.registry.modelPackageGroupName : p.registry.modelPackageGroupName.toLowerCase();
  const versions = pattern(arn('model-package', `${group}/*`), 'Registers and reads versions of its registry, whose ARNs end in a version number SageMaker assigns.');
  allow(['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'], [versions]);
  allow(['sagemaker:DescribeModelPackageGroup'], [p.registry.modelPackageGroupArn]);
  // Counting its own running executions: named by the state machine's name, not its ARN attribute
  // (which its own policy cannot reference).
  allow(['states:ListExecutions'], [stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: p.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })]);
  allow(['sagemaker:ListModelPackages'], ['*']);
  acknowledge(role, [['AwsSolutions-IAM5[Resource::*]',
    'sagemaker:ListModelPackages (read-only: the newest approved version) supports no resource-level permissions; with tracing on, X-Ray accepts trace segments and telemetry on no narrower resource than "*".']]);

  if (p.promotion) {
    const { endpoint, handler } = p.promotion;
    allow(['lambda:InvokeFunction'], [handler.function.functionArn]);
    allow(['sagemaker:DescribeEndpoint'], [endpoint.endpointArn]);
    const fn = handler;
    const configs = arn('endpoint-config', '*');
    const models = arn('model', '*');
    const newConfigs = arn('endpoint-config', `${p.promotion.namePrefix}-*`);
    const newModels = arn('model', `${p.promotion.namePrefix}-*`);
    fn.allow(['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpoint'], endpoint.endpointArn);
    // The endpoint's current configuration and models, made by CloudFormation or by an earlier
    // promotion: their names are known only at run time.
    fn.allow(['sagemaker:DescribeEndpointConfig'], configs);
    fn.allow(['sagemaker:DescribeModel'], models);
    fn.allow(['sagemaker:CreateEndpointConfig', 'sagemaker:UpdateEndpoint'], newConfigs);
    fn.allow(['sagemaker:CreateModel'], newModels);
    fn.allow(['sagemaker:DescribeModelPackage'], versions);
    for (const served of p.promotion.servedRoles) {
      fn.allow(['iam:PassRole'], served.roleArn, { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    }
    fn.allow(['kms:DescribeKey'], endpoint.encryptionKey.keyArn);
    fn.allow(['kms:CreateGrant'], endpoint.encryptionKey.keyArn, { Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    acknowledgeWildcardResource(fn.role, configs, 'A promotion reads the endpoint\'s current configuration, whose name CloudFormation or an earlier promotion chose; reads only.');
    acknowledgeWildcardResource(fn.role, models, 'A promotion reads the models of the endpoint\'s variants, whose names CloudFormation or an earlier promotion chose; reads only.');
    acknowledgeWildcardResource(fn.role, newConfigs, 'A promotion names its new endpoint configuration under the pipeline\'s prefix.');
    acknowledgeWildcardResource(fn.role, newModels, 'A promotion names the new version\'s models under the pipeline\'s prefix.');
    acknowledgeWildcardResource(fn.role, versions, 'A promotion creates models from versions of the registry, whose ARNs end in a version number.');
  }
}
