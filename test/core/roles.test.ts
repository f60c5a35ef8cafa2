import { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SageMakerExecutionRole } from '../../lib/core/roles';
import { SecureBucket } from '../../lib/core/storage';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function statements(stack: any): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

describe('SageMakerExecutionRole', () => {
  test('only SageMaker, on behalf of this account and region, may assume it', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerExecutionRole(stack, 'Role');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] } },
          },
        }],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('grants nothing until asked, and never an AWS-managed or inline policy', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerExecutionRole(stack, 'Role');
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonSageMakerFullAccess');
  });

  test('bucket grants are scoped to the prefix, with the bucket key', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const role = new SageMakerExecutionRole(stack, 'Role');
    // WHEN
    role.grantRead(data.bucket, 'train/');
    role.grantWrite(data.bucket, 'models/');
    // THEN
    const bucketArn = stack.resolve(data.bucket.bucketArn);
    const keyArn = stack.resolve(data.encryptionKey.keyArn);
    expect(statements(stack)).toEqual(expect.arrayContaining([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/train/*']] } },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['train/*'] } } },
      expect.objectContaining({ Action: expect.arrayContaining(['s3:PutObject']), Resource: { 'Fn::Join': ['', [bucketArn, '/models/*']] } }),
      // Read (train/) and write (models/) on the one key, merged by cdk.json's @aws-cdk/aws-iam:minimizePolicies.
      { Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'], Effect: 'Allow', Resource: keyArn },
      { Action: 'kms:CreateGrant', Effect: 'Allow', Resource: keyArn, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ]));
    expect(JSON.stringify(statements(stack))).not.toMatch(/"s3:\*"|"kms:\*"/);
  });

  test('the same grant twice adds one statement', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Plain');
    const role = new SageMakerExecutionRole(stack, 'Role');
    role.grantRead(bucket, 'a/');
    role.grantRead(bucket, 'a/');
    expect(statements(stack).filter((s) => s.Action === 's3:GetObject')).toHaveLength(1);
  });

  test('image pulls, logs, metrics and VPC access are scoped as tightly as the APIs allow', () => {
    // GIVEN
    const stack = newStack();
    const repository = new ecr.Repository(stack, 'Repo');
    const role = new SageMakerExecutionRole(stack, 'Role');
    // WHEN
    role.grantPull(repository);
    role.grantLogs('/aws/sagemaker/TrainingJobs');
    role.allowPutMetricData();
    role.allowVpcAccess();
    // THEN
    const all = statements(stack);
    expect(all).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: expect.arrayContaining(['ecr:BatchGetImage']), Resource: stack.resolve(repository.repositoryArn) }),
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
      expect.objectContaining({ Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } } }),
      expect.objectContaining({ Action: expect.arrayContaining(['ec2:CreateNetworkInterface']), Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } } }),
      expect.objectContaining({ Action: expect.arrayContaining(['logs:PutLogEvents']) }),
    ]));
    const logs = all.find((s) => Array.isArray(s.Action) && s.Action.includes('logs:PutLogEvents'));
    expect(JSON.stringify(logs.Resource)).toContain(':log-group:/aws/sagemaker/TrainingJobs*');
  });

  test('a fully granted role has no unacknowledged findings, each wildcard acknowledged with a reason', () => {
    // GIVEN
    const stack = newStack();
    const data = new SecureBucket(stack, 'Data');
    const role = new SageMakerExecutionRole(stack, 'Role');
    // WHEN
    role.grantRead(data.bucket, 'train/');
    role.grantWrite(data.bucket, 'models/');
    // A repository of the platform team's (the Control Tower ECR controls are about creating one).
    role.grantPull(ecr.Repository.fromRepositoryName(stack, 'Repo', 'algorithms/kmeans'));
    role.grantLogs('/aws/sagemaker/TrainingJobs');
    role.allowPutMetricData();
    role.allowVpcAccess();
    // THEN
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('depending on a role', () => {
  test('orders after its managed policy only, not the role resource a GetAtt already orders (cfn-lint W3005)', () => {
    // GIVEN
    const stack = newStack();
    const role = new SageMakerExecutionRole(stack, 'Exec');
    role.grantEncryptDecrypt(new kms.Key(stack, 'K', { enableKeyRotation: true }));
    const managed = new ManagedPolicyRole(stack, 'Plain', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    managed.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] }));
    // WHEN
    const a = new CfnResource(stack, 'UsesExec', { type: 'Custom::A', properties: { Role: role.role.roleArn } });
    a.node.addDependency(role);
    const b = new CfnResource(stack, 'UsesPlain', { type: 'Custom::B', properties: { Role: managed.roleArn } });
    b.node.addDependency(managed);
    // THEN
    const template = Template.fromStack(stack);
    const [execPolicy] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: stack.resolve((role.role.node.defaultChild as CfnResource).logicalId) }] } }));
    const [plainPolicy] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: stack.resolve((managed.node.defaultChild as CfnResource).logicalId) }] } }));
    expect(template.toJSON().Resources.UsesExec.DependsOn).toEqual([execPolicy]);
    expect(template.toJSON().Resources.UsesPlain.DependsOn).toEqual([plainPolicy]);
  });
});
