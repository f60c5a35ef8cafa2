import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { InstanceType } from '../../core/instance-type';
import { ManagedPolicyRole } from '../../core/managed-policy-role';
import { acknowledge } from '../../core/private/nag-acknowledgments';
import { ValidationProblems } from '../../core/private/validation';
import { acknowledgeWildcardResource } from '../../core/private/wildcard-acknowledgment';
import { SageMakerExecutionRole } from '../../core/roles';
import { BatchTransformOptions } from '../batch-transform';

/** What a batch transform needs of the model it runs (an inference pipeline). */
export interface TransformedModel {
  readonly modelName: string;
  /** The model's role: transform jobs read and write S3 with it. */
  readonly role: SageMakerExecutionRole;
  readonly encryptionKey: kms.IKey;
  readonly node: Construct['node'];
}

const SPLIT_TYPES = ['None', 'Line', 'RecordIO', 'TFRecord'];

export interface BatchTransformJobProps extends BatchTransformOptions {
  readonly pipeline: TransformedModel;
}

/**
 * A Step Functions state machine that runs a Batch Transform of an S3 prefix through a model: KMS
 * on volumes, output and state, encrypted logs, X-Ray; optionally on an EventBridge Scheduler schedule.
 */
export class BatchTransformJob extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BatchTransformJobProps) {
    super(scope, id);
    validateTransform(scope, id, props);
    const { pipeline } = props;
    const stack = Stack.of(this);
    const key = pipeline.encryptionKey;
    // Transform jobs read and write S3 with the model's role.
    pipeline.role.grantRead(props.inputBucket, props.inputPrefix);
    pipeline.role.grantWrite(props.outputBucket, props.outputPrefix);

    const prefix = Names.uniqueResourceName(this, { maxLength: 26, separator: '-' }).toLowerCase();
    const transform = new sfn.CustomState(this, 'Transform', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTransformJob.sync`,
        Parameters: {
          'TransformJobName.$': `States.Format('${prefix}-{}', States.UUID())`,
          'ModelName': pipeline.modelName,
          'BatchStrategy': props.batchStrategy ?? 'MultiRecord',
          'MaxPayloadInMB': props.maxPayloadMb ?? 6,
          'MaxConcurrentTransforms': props.maxConcurrentTransforms ?? 1,
          'TransformInput': {
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: props.inputBucket.s3UrlForObject(props.inputPrefix) } },
            ContentType: props.contentType ?? 'text/csv',
            SplitType: props.splitType ?? 'Line',
          },
          'TransformOutput': {
            S3OutputPath: props.outputBucket.s3UrlForObject(props.outputPrefix),
            AssembleWith: props.assembleWith ?? 'Line',
            KmsKeyId: key.keyArn,
          },
          'TransformResources': {
            InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
            InstanceCount: props.instanceCount ?? 1,
            VolumeKmsKeyId: key.keyArn,
          },
        },
      },
    });

    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Runs batch transforms of ${pipeline.node.path}`,
    });
    const jobs = stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: `${prefix}-*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:AddTags'],
      resources: [jobs],
    }));
    // The .sync integration watches the job through a rule Step Functions manages.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTransformJobsRule' })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey', 'kms:CreateGrant'], resources: [key.keyArn] }));
    acknowledgeWildcardResource(role, jobs, 'Each run names its transform job with a fresh UUID under this pipeline\'s prefix.');
    acknowledge(role, [['AwsSolutions-IAM5[Resource::*]', 'Tracing is on: X-Ray accepts trace segments and telemetry on no resource narrower than "*".']]);

    const logGroup = new logs.LogGroup(this, 'Logs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(transform),
      role,
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(key),
    });

    if (props.schedule) {
      const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Starts the batch transforms of ${pipeline.node.path} on schedule`,
      });
      this.stateMachine.grantStartExecution(schedulerRole);
      new scheduler.CfnSchedule(this, 'Schedule', {
        scheduleExpression: props.schedule,
        flexibleTimeWindow: { mode: 'OFF' },
        kmsKeyArn: key.keyArn,
        target: { arn: this.stateMachine.stateMachineArn, roleArn: schedulerRole.roleArn },
      });
      schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }));
    }
  }
}

function validateTransform(scope: Construct, id: string, props: BatchTransformOptions): void {
  const problems = ValidationProblems.of('InferencePipeline.addBatchTransform()', scope, id);
  const split = props.splitType ?? 'Line';
  const strategy = props.batchStrategy ?? 'MultiRecord';
  const payload = props.maxPayloadMb ?? 6;
  const concurrency = props.maxConcurrentTransforms ?? 1;
  const contentType = props.contentType ?? 'text/csv';
  problems.require(SPLIT_TYPES.includes(split), 'splitType', split, SPLIT_TYPES.join(', '));
  problems.require(['None', 'Line'].includes(props.assembleWith ?? 'Line'), 'assembleWith', props.assembleWith, 'None or Line');
  problems.require(['MultiRecord', 'SingleRecord'].includes(strategy), 'batchStrategy', strategy, 'MultiRecord or SingleRecord');
  problems.require(!(strategy === 'MultiRecord' && split === 'None'), 'batchStrategy', strategy, 'SingleRecord when splitType is None (records cannot be batched unsplit)');
  problems.require(split !== 'RecordIO' || contentType === 'application/x-recordio-protobuf', 'contentType', contentType, 'application/x-recordio-protobuf with splitType RecordIO');
  problems.require(split !== 'Line' || contentType !== 'application/x-recordio-protobuf', 'splitType', split, 'RecordIO for application/x-recordio-protobuf input');
  problems.require(Number.isInteger(payload) && payload >= 0 && payload <= 100, 'maxPayloadMb', payload, 'a whole number from 0 to 100');
  problems.require(Number.isInteger(concurrency) && concurrency >= 1, 'maxConcurrentTransforms', concurrency, 'a whole number of at least 1');
  problems.require(payload * concurrency <= 100, 'maxPayloadMb × maxConcurrentTransforms', `${payload} × ${concurrency} = ${payload * concurrency} MB`, 'at most 100 MB');
  problems.require(props.inputPrefix === '' || props.inputPrefix.endsWith('/'), 'inputPrefix', props.inputPrefix, 'a key prefix ending in "/"');
  problems.require(props.outputPrefix.endsWith('/'), 'outputPrefix', props.outputPrefix, 'a key prefix ending in "/"');
  problems.throwIfAny();
}
