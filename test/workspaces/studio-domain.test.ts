import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SageMakerNetwork } from '../../lib/core/network';
import { SecureBucket } from '../../lib/core/storage';
import { FeatureGroup } from '../../lib/feature-store/feature-group';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { StudioAuthMode, SecureStudioDomain } from '../../lib/workspaces/studio-domain';
import { StudioSpaceAppType } from '../../lib/workspaces/studio-space';
import { WorkspaceGrant } from '../../lib/workspaces/workspace-grant';
import { newApp } from '../helpers/app';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

/** The statements of the managed policy attached to a role. */
function statementsOf(stack: Stack, roleArnOrName: { roleName: string }): any[] {
  const template = Template.fromStack(stack);
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(roleArnOrName.roleName)]))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe('SecureStudioDomain defaults', () => {
  test('VpcOnly in the isolated subnets with its own security group, KMS, IAM, Docker and output sharing off, idle shutdown on JupyterLab', () => {
    // GIVEN
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    // WHEN
    const domain = new SecureStudioDomain(stack, 'Studio', { network });
    // THEN
    const template = Template.fromStack(stack);
    const lifecycleArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^StudioIdleShutdown'), 'StudioLifecycleConfigArn'] };
    template.hasResourceProperties('AWS::SageMaker::Domain', {
      AuthMode: 'IAM',
      AppNetworkAccessType: 'VpcOnly',
      VpcId: stack.resolve(network.vpc.vpcId),
      SubnetIds: stack.resolve(network.vpc.isolatedSubnets.map((s) => s.subnetId)),
      KmsKeyId: stack.resolve(network.encryptionKey.keyArn),
      DomainSettings: {
        SecurityGroupIds: [stack.resolve(domain.securityGroup.securityGroupId)],
        DockerSettings: { EnableDockerAccess: 'DISABLED' },
      },
      DefaultUserSettings: Match.objectLike({
        SecurityGroups: [stack.resolve(domain.securityGroup.securityGroupId)],
        SharingSettings: { NotebookOutputOption: 'Disabled' },
        JupyterLabAppSettings: { DefaultResourceSpec: { LifecycleConfigArn: lifecycleArn }, LifecycleConfigArns: [lifecycleArn] },
        CodeEditorAppSettings: { AppLifecycleManagement: { IdleSettings: { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 60 } } },
      }),
      DefaultSpaceSettings: Match.objectLike({
        ExecutionRole: stack.resolve(domain.sharedSpaceRole.roleArn),
        JupyterLabAppSettings: { DefaultResourceSpec: { LifecycleConfigArn: lifecycleArn }, LifecycleConfigArns: [lifecycleArn] },
      }),
    });
    template.hasResourceProperties('AWS::SageMaker::StudioLifecycleConfig', {
      StudioLifecycleConfigAppType: 'JupyterLab',
      StudioLifecycleConfigName: Match.stringLikeRegexp('^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$'),
    });
    // The security group: NFS and app ports among its members, HTTPS to the endpoints and S3; nothing from anywhere.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: stack.resolve(domain.securityGroup.securityGroupId), FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: stack.resolve(domain.securityGroup.securityGroupId) });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: stack.resolve(domain.securityGroup.securityGroupId), FromPort: 8192, ToPort: 65535 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: stack.resolve(domain.securityGroup.securityGroupId), FromPort: 443, DestinationSecurityGroupId: stack.resolve(network.endpointSecurityGroup.securityGroupId) });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: stack.resolve(domain.securityGroup.securityGroupId), FromPort: 443, DestinationPrefixListId: Match.anyValue() });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^SageMaker Studio'), SecurityGroupEgress: Match.absent(), SecurityGroupIngress: Match.absent() });
  });

  test('adds the interface endpoints Studio needs to the network', () => {
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    new SecureStudioDomain(stack, 'Studio', { network });
    const template = Template.fromStack(stack);
    for (const service of ['sagemaker.api', 'sagemaker.runtime', 'sts', 'logs', 'sagemaker.metrics']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
        PrivateDnsEnabled: true, VpcEndpointType: 'Interface',
      });
    }
  });

  test('no wide default role: the default execution role has no policy at all', () => {
    const stack = newStack();
    new SecureStudioDomain(stack, 'Studio');
    const template = Template.fromStack(stack);
    const domain = Object.values(template.findResources('AWS::SageMaker::Domain'))[0] as any;
    const defaultRoleId = domain.Properties.DefaultUserSettings.ExecutionRole['Fn::GetAtt'][0];
    const attached = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) => JSON.stringify(p.Properties.Roles).includes(defaultRoleId));
    expect(attached).toEqual([]);
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toEqual([]);
    expect(template.toJSON().Resources[defaultRoleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('passes the five packs and the Control Tower controls with a profile and a shared space', () => {
    // GIVEN
    const stack = newStack();
    const domain = new SecureStudioDomain(stack, 'Studio');
    // WHEN
    const alice = domain.addUserProfile('alice');
    domain.addSpace('team', { owner: alice });
    // THEN
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('SecureStudioDomain user profiles and spaces', () => {
  function platform() {
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    const data = new SecureBucket(stack, 'Data', { encryptionKey: network.encryptionKey });
    const endpoint = MonitoredEndpoint.fromEndpointName(stack, 'Scoring', 'churn-scoring');
    const group = FeatureGroup.fromFeatureGroupName(stack, 'Customers', 'customers');
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Churn', 'churn');
    const domain = new SecureStudioDomain(stack, 'Studio', { network });
    return { stack, network, data, endpoint, group, registry, domain };
  }

  test('a profile gets its own role: Studio in its domain, plus exactly its grants', () => {
    // GIVEN
    const { stack, data, endpoint, domain } = platform();
    // WHEN
    const alice = domain.addUserProfile('alice', { grants: [WorkspaceGrant.readPrefix(data.bucket, 'churn/train/'), WorkspaceGrant.invokeEndpoint(endpoint)] });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::UserProfile', {
      DomainId: stack.resolve(domain.domainId),
      UserProfileName: 'alice',
      UserSettings: { ExecutionRole: stack.resolve(alice.role.roleArn), SecurityGroups: [stack.resolve(domain.securityGroup.securityGroupId)] },
      SingleSignOnUserIdentifier: Match.absent(),
    });
    const statements = statementsOf(stack, alice.role);
    expect(actionsOf(statements)).toEqual([
      'kms:Decrypt', 'kms:DescribeKey',
      'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
      's3:GetObject', 's3:ListBucket',
      'sagemaker:CreateApp', 'sagemaker:DeleteApp', 'sagemaker:DescribeApp', 'sagemaker:DescribeDomain', 'sagemaker:DescribeSpace', 'sagemaker:DescribeUserProfile',
      'sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream',
      'sagemaker:ListApps', 'sagemaker:ListSpaces',
    ]);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:GetObject', Resource: stack.resolve(data.bucket.arnForObjects('churn/train/*')) }),
      expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['churn/train/*'] } } }),
      expect.objectContaining({ Action: ['sagemaker:CreateApp', 'sagemaker:DeleteApp', 'sagemaker:DescribeApp'], Resource: expect.anything() }),
    ]));
    const apps = statements.find((s) => JSON.stringify(s.Action).includes('CreateApp'));
    expect(JSON.stringify(apps.Resource)).toContain(':app/');
    expect(JSON.stringify(apps.Resource)).toContain('DomainId');
    // Only the List actions, which have no resource-level permissions, are on "*".
    expect(statements.filter((s) => s.Resource === '*').map((s) => s.Action)).toEqual([['sagemaker:ListApps', 'sagemaker:ListSpaces']]);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('every grant of the vocabulary applies the library\'s own grant method', () => {
    const { stack, group, registry, domain } = platform();
    const bob = domain.addUserProfile('bob', { grants: [WorkspaceGrant.readFeatureGroup(group), WorkspaceGrant.readModelRegistry(registry)] });
    const actions = actionsOf(statementsOf(stack, bob.role));
    expect(actions).toEqual(expect.arrayContaining(['sagemaker:GetRecord', 'sagemaker:BatchGetRecord', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages']));
    expect(actions).not.toContain('sagemaker:InvokeEndpoint');
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('grantOpen lets a principal open Studio as the profile, and nothing else', () => {
    const { stack, domain } = platform();
    const alice = domain.addUserProfile('alice');
    const admin = new ManagedPolicyRole(stack, 'Admin', { assumedBy: new (require('aws-cdk-lib/aws-iam').AccountRootPrincipal)() });
    alice.grantOpen(admin);
    expect(statementsOf(stack, admin)).toEqual([expect.objectContaining({ Action: 'sagemaker:CreatePresignedDomainUrl', Resource: stack.resolve(alice.userProfileArn) })]);
  });

  test('spaces: shared by default, owned by a profile that exists first; private and Code Editor on request', () => {
    const { stack, domain } = platform();
    const alice = domain.addUserProfile('alice');
    domain.addSpace('team', { owner: alice });
    domain.addSpace('alice-code', { owner: alice, shared: false, appType: StudioSpaceAppType.CODE_EDITOR, displayName: 'Alice (Code Editor)' });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::SageMaker::Space', {
      Properties: {
        DomainId: stack.resolve(domain.domainId), SpaceName: 'team',
        OwnershipSettings: { OwnerUserProfileName: 'alice' }, SpaceSharingSettings: { SharingType: 'Shared' }, SpaceSettings: { AppType: 'JupyterLab' },
      },
      DependsOn: [stack.resolve((alice.node.defaultChild as any).logicalId)],
    });
    template.hasResourceProperties('AWS::SageMaker::Space', {
      SpaceName: 'alice-code', SpaceDisplayName: 'Alice (Code Editor)', SpaceSharingSettings: { SharingType: 'Private' }, SpaceSettings: { AppType: 'CodeEditor' },
    });
  });

  test('shared spaces run as the domain\'s shared-space role, granted only sharedSpaceGrants', () => {
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    const data = new SecureBucket(stack, 'Data', { encryptionKey: network.encryptionKey });
    const domain = new SecureStudioDomain(stack, 'Studio', { network, sharedSpaceGrants: [WorkspaceGrant.readPrefix(data.bucket, 'shared/')] });
    const statements = statementsOf(stack, domain.sharedSpaceRole);
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['s3:GetObject', 'sagemaker:DeleteApp', 'sagemaker:DescribeDomain']));
    expect(actionsOf(statements)).not.toContain('sagemaker:DescribeUserProfile');
  });

  test('IAM Identity Center: each profile names its user', () => {
    const stack = newStack();
    const domain = new SecureStudioDomain(stack, 'Studio', { authMode: StudioAuthMode.IAM_IDENTITY_CENTER });
    domain.addUserProfile('alice', { singleSignOnUserName: 'alice@example.com' });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Domain', { AuthMode: 'SSO' });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::UserProfile', { SingleSignOnUserIdentifier: 'UserName', SingleSignOnUserValue: 'alice@example.com' });
  });

  test('idle time and the internet opt-out', () => {
    const stack = newStack();
    new SecureStudioDomain(stack, 'Studio', { idleTimeout: Duration.minutes(30), directInternetAccess: true, allowInternetAccess: true });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Domain', {
      AppNetworkAccessType: 'PublicInternetOnly',
      DefaultUserSettings: Match.objectLike({ CodeEditorAppSettings: { AppLifecycleManagement: { IdleSettings: { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 60 } } } }),
    });
    const content = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::StudioLifecycleConfig'))[0] as any;
    expect(Buffer.from(content.Properties.StudioLifecycleConfigContent, 'base64').toString()).toContain('export IDLE_TIMEOUT_MINUTES=30\nexport WORKSPACE_KIND=studio\n');
  });
});

describe('SecureStudioDomain bad input', () => {
  test('every problem at once, naming prop, value and what is allowed', () => {
    const stack = newStack();
    expect(() => new SecureStudioDomain(stack, 'Studio', {
      domainName: '-bad_name', idleTimeout: Duration.minutes(4), directInternetAccess: true,
    })).toThrow(/idleTimeout: got "4 minutes"; allowed: whole minutes from 5 minutes to 24 hours[\s\S]*directInternetAccess: got true; allowed: false, or true together with allowInternetAccess: true[\s\S]*domainName: got "-bad_name"; allowed: letters, digits and hyphens/);
    expect(() => new SecureStudioDomain(newStack(), 'Studio', { idleTimeout: Duration.hours(25) })).toThrow(/idleTimeout: got "1500 minutes"/);
    expect(() => new SecureStudioDomain(newStack(), 'Studio', { idleTimeout: Duration.seconds(390) })).toThrow(/idleTimeout: got "6.5 minutes"/);
  });

  test('a network whose subnets are in one Availability Zone', () => {
    const stack = new Stack(newApp(), 'Pinned', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const network = new SageMakerNetwork(stack, 'Network', { vpc, s3PrefixListId: 'pl-123' });
    expect(() => new SecureStudioDomain(stack, 'Studio', { network })).toThrow(/network: got "1 subnet\(s\) in 1 AZ\(s\)"; allowed: a network whose subnets span at least two Availability Zones/);
  });

  test('user-profile and space names outside SageMaker\'s pattern, repeated names, and SSO mismatches', () => {
    const domain = new SecureStudioDomain(newStack(), 'Studio');
    expect(() => domain.addUserProfile('alice_smith')).toThrow(/userProfileName: got "alice_smith"; allowed: letters, digits and hyphens/);
    expect(() => domain.addUserProfile('a'.repeat(64))).toThrow(/userProfileName: got "a{64}"/);
    const alice = domain.addUserProfile('alice');
    expect(() => domain.addUserProfile('alice')).toThrow(/userProfileName: got "alice"; allowed: a name not already used in this domain/);
    expect(() => domain.addSpace('team space', { owner: alice })).toThrow(/spaceName: got "team space"/);
    expect(() => domain.addUserProfile('bob', { singleSignOnUserName: 'bob' })).toThrow(/singleSignOnUserName: got "bob"; allowed: nothing: the domain signs in with IAM/);
    const sso = new SecureStudioDomain(newStack(), 'Studio', { authMode: StudioAuthMode.IAM_IDENTITY_CENTER });
    expect(() => sso.addUserProfile('carol')).toThrow(/singleSignOnUserName: got nothing; allowed: the IAM Identity Center user name/);
  });
});
