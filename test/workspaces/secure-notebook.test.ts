import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InstanceType } from '../../lib/core/instance-type';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SageMakerNetwork } from '../../lib/core/network';
import { SecureBucket } from '../../lib/core/storage';
import { SecureNotebook } from '../../lib/workspaces/secure-notebook';
import { WorkspaceGrant } from '../../lib/workspaces/workspace-grant';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

function statementsOf(stack: Stack, role: iam.IRole): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(role.roleName)]))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('SecureNotebook defaults', () => {
  test('in the VPC, no direct internet, no root, KMS, current platform, IMDSv2, idle-shutdown lifecycle configuration', () => {
    // GIVEN
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    // WHEN
    const notebook = new SecureNotebook(stack, 'Scratch', { network });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::SageMaker::NotebookInstance', {
      Properties: {
        NotebookInstanceName: notebook.notebookInstanceName,
        InstanceType: 'ml.t3.medium',
        RoleArn: stack.resolve(notebook.role.roleArn),
        SubnetId: stack.resolve(network.vpc.isolatedSubnets[0].subnetId),
        SecurityGroupIds: [stack.resolve(notebook.securityGroup.securityGroupId)],
        DirectInternetAccess: 'Disabled',
        RootAccess: 'Disabled',
        KmsKeyId: stack.resolve(network.encryptionKey.keyArn),
        PlatformIdentifier: 'notebook-al2023-v1',
        VolumeSizeInGB: 5,
        InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
        LifecycleConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScratchIdleShutdown'), 'NotebookInstanceLifecycleConfigName'] },
      },
      // Its permissions exist before it starts (the lifecycle script uses them).
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ScratchExecutionRole')]),
    });
    expect(notebook.notebookInstanceName).toMatch(/^[a-z0-9](-*[a-z0-9]){0,62}$/);
    const lifecycle = Object.values(template.findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'))[0] as any;
    const script = Buffer.from(lifecycle.Properties.OnStart[0].Content, 'base64').toString();
    expect(script).toContain('export IDLE_TIMEOUT_MINUTES=60\nexport WORKSPACE_KIND=notebook\n');
    expect(lifecycle.Properties.OnCreate).toBeUndefined();
    // Its security group: HTTPS to the endpoints and S3, no ingress.
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: stack.resolve(notebook.securityGroup.securityGroupId), FromPort: 443, DestinationSecurityGroupId: stack.resolve(network.endpointSecurityGroup.securityGroupId) });
    expect(Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(stack.resolve(notebook.securityGroup.securityGroupId)))).toEqual([]);
  });

  test('its role: the VPC, its key, its logs, stopping itself, and its grants', () => {
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    const data = new SecureBucket(stack, 'Data', { encryptionKey: network.encryptionKey });
    const notebook = new SecureNotebook(stack, 'Scratch', { network, grants: [WorkspaceGrant.readPrefix(data.bucket, 'churn/train/')] });
    const statements = statementsOf(stack, notebook.role);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sagemaker:DescribeNotebookInstance', 'sagemaker:StopNotebookInstance'], Resource: stack.resolve(notebook.notebookInstanceArn) }),
      expect.objectContaining({ Action: 's3:GetObject', Resource: stack.resolve(data.bucket.arnForObjects('churn/train/*')) }),
      expect.objectContaining({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
    ]));
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:DescribeNotebookInstance', 'sagemaker:StopNotebookInstance']);
    expect(JSON.stringify(stack.resolve(notebook.notebookInstanceArn))).toContain(`:notebook-instance/${notebook.notebookInstanceName}`);
  });

  test('passes the five packs and the Control Tower controls; cdk-nag\'s SM1-SM3 without acknowledgment', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SecureNotebook(stack, 'Scratch');
    // THEN
    expect(unacknowledgedFindings(stack)).toEqual([]);
    const notebookFindings = new AwsSolutionsChecks().validateScope(stack.node.findChild('Scratch')).violations;
    expect(notebookFindings).toEqual([]);
    // The notebook resource carries no acknowledgment of its own.
    expect(stack.node.findChild('Scratch').node.findChild('Resource').node.metadata.filter((m) => m.type.includes('acknowledg'))).toEqual([]);
    expect(stack.node.findChild('Scratch').node.metadata).toEqual([]);
  });

  test('grantOpen: the presigned URL only from the allowed source ranges', () => {
    const stack = newStack();
    const notebook = new SecureNotebook(stack, 'Scratch', { allowedSourceIps: ['203.0.113.0/24', '198.51.100.7/32'] });
    const analyst = new ManagedPolicyRole(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    notebook.grantOpen(analyst);
    expect(statementsOf(stack, analyst)).toEqual([{
      Action: 'sagemaker:CreatePresignedNotebookInstanceUrl', Effect: 'Allow', Resource: stack.resolve(notebook.notebookInstanceArn),
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7/32'] } },
    }]);
  });

  test('instance type, volume, idle time, and the explicit internet opt-out', () => {
    const stack = newStack();
    new SecureNotebook(stack, 'Gpu', {
      instanceType: InstanceType.ML_G5_XLARGE, volumeSize: Size.gibibytes(50), idleTimeout: Duration.hours(2),
      directInternetAccess: true, allowInternetAccess: true, notebookInstanceName: 'gpu-scratch',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      NotebookInstanceName: 'gpu-scratch', InstanceType: 'ml.g5.xlarge', VolumeSizeInGB: 50, DirectInternetAccess: 'Enabled', RootAccess: 'Disabled',
    });
    const lifecycle = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'))[0] as any;
    expect(Buffer.from(lifecycle.Properties.OnStart[0].Content, 'base64').toString()).toContain('export IDLE_TIMEOUT_MINUTES=120\n');
  });
});

describe('SecureNotebook bad input', () => {
  test('every problem at once, naming prop, value and what is allowed', () => {
    expect(() => new SecureNotebook(newStack(), 'Scratch', {
      instanceType: InstanceType.of('ml.inf2x.xlarge'),
      idleTimeout: Duration.hours(25),
      allowedSourceIps: ['203.0.113.0/24', 'office', '10.0.0.300/8'],
      directInternetAccess: true,
      volumeSize: Size.gibibytes(2),
      platformIdentifier: 'notebook-al1-v1',
    })).toThrow(new RegExp([
      'idleTimeout: got "1500 minutes"; allowed: whole minutes from 5 minutes to 24 hours',
      'directInternetAccess: got true; allowed: false, or true together with allowInternetAccess: true',
      'instanceType: got "ml.inf2x.xlarge"; allowed: a notebook instance type, ml.<family>.<size> with family one of t2, t3',
      'platformIdentifier: got "notebook-al1-v1"; allowed: a supported platform: notebook-al2023-v1',
      'volumeSize: got "2 GiB"; allowed: whole GiB from 5 to 16384',
      'allowedSourceIps: got "office"; allowed: IPv4 CIDR ranges',
      'allowedSourceIps: got "10.0.0.300/8"',
    ].map((line) => line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')));
    expect(() => new SecureNotebook(newStack(), 'Scratch', { idleTimeout: Duration.minutes(4) })).toThrow(/idleTimeout: got "4 minutes"/);
    expect(() => new SecureNotebook(newStack(), 'Scratch', { notebookInstanceName: 'my_notebook' })).toThrow(/notebookInstanceName: got "my_notebook"/);
  });
});
