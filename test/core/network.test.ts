import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DEFAULT_ENDPOINT_SERVICES, SageMakerNetwork } from '../../lib/core/network';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

describe('SageMakerNetwork', () => {
  test('default network is an isolated VPC in two AZs with no route to the internet', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    // The only routes are the S3 gateway endpoint's; no route points at 0.0.0.0/0.
    template.resourceCountIs('AWS::EC2::Route', 0);
    // One security group rule names 0.0.0.0/0: the prefix-list lookup's HTTPS egress, which
    // cannot name the S3 prefix list it is finding (and has nowhere but S3 to go).
    const openRules = JSON.stringify(template.toJSON()).match(/"CidrIp":"0\.0\.0\.0\/0"/g) ?? [];
    expect(openRules).toHaveLength(1);
    const lookupGroup = Object.values(template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: '0.0.0.0/0' })]) },
    }));
    expect(lookupGroup).toHaveLength(1);
    expect(lookupGroup[0].Properties.GroupDescription).toMatch(/S3PrefixList/);
    expect(lookupGroup[0].Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
  });

  test('every function runs in the isolated subnets, after the EC2 and S3 endpoints it calls', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const network = new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    const subnets = stack.resolve(network.vpc.isolatedSubnets.map((s) => s.subnetId));
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(2); // the prefix-list lookup and the default-SG restriction
    const ec2Endpoint = Object.keys(template.findResources('AWS::EC2::VPCEndpoint', {
      Properties: { ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.ec2']] } },
    }));
    const s3Endpoint = Object.keys(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }));
    expect(ec2Endpoint).toHaveLength(1);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.VpcConfig).toEqual({ SubnetIds: subnets, SecurityGroupIds: [expect.anything()] });
      expect(fn.DependsOn).toEqual(expect.arrayContaining([...ec2Endpoint, ...s3Endpoint]));
    }
  });

  test('the default security group is closed by the library\'s own in-VPC function, not CDK\'s', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const network = new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    const restrictions = template.findResources('Custom::VpcRestrictDefaultSG');
    expect(Object.values(restrictions)).toEqual([expect.objectContaining({
      Properties: expect.objectContaining({
        DefaultSecurityGroupId: stack.resolve((network.vpc as ec2.Vpc).vpcDefaultSecurityGroup),
        Account: { Ref: 'AWS::AccountId' },
        ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^SageMakerDeployTimeRestrictDefaultSgFunction/), 'Arn'] },
      }),
    })]);
    // CDK's provider is a raw AWS::Lambda::Function with no VpcConfig.
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { VpcConfig: Match.absent() } }))).toEqual([]);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['ec2:AuthorizeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress'],
          Resource: { 'Fn::Join': ['', Match.arrayWith([':security-group/', { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkVpc'), 'DefaultSecurityGroup'] }])] },
        })]),
      },
    });
  });

  test('a VPC of your own keeps its default security group, and gets no EC2 endpoint when the prefix list is given', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Own', { natGateways: 0, restrictDefaultSecurityGroup: false, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    // WHEN
    new SageMakerNetwork(stack, 'Network', { vpc, s3PrefixListId: 'pl-63a5400a' });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', DEFAULT_ENDPOINT_SERVICES.length + 1);
  });

  test('every default interface endpoint has private DNS and the endpoint security group', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const network = new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    // The defaults, the S3 gateway, and ec2 for the deploy-time functions.
    template.resourceCountIs('AWS::EC2::VPCEndpoint', DEFAULT_ENDPOINT_SERVICES.length + 2);
    for (const service of DEFAULT_ENDPOINT_SERVICES) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SecurityGroupIds: [stack.resolve(network.endpointSecurityGroup.securityGroupId)],
      });
    }
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      VpcEndpointType: 'Gateway',
    });
  });

  test('flow logs of all traffic go to a log group encrypted with the network key', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const network = new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: stack.resolve(network.encryptionKey.keyArn),
      RetentionInDays: 365,
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('workloads reach only each other, the endpoints and the S3 prefix list', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const network = new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    const workloadSg = stack.resolve(network.securityGroup.securityGroupId);
    const endpointSg = stack.resolve(network.endpointSecurityGroup.securityGroupId);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: workloadSg, SourceSecurityGroupId: workloadSg, IpProtocol: '-1',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: workloadSg, DestinationSecurityGroupId: endpointSg, FromPort: 443, ToPort: 443,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: endpointSg, SourceSecurityGroupId: workloadSg, FromPort: 443, ToPort: 443,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: workloadSg,
      DestinationPrefixListId: { 'Fn::GetAtt': [Match.stringLikeRegexp('S3PrefixList'), 'PrefixListId'] },
      FromPort: 443,
      ToPort: 443,
    });
    // Exactly these three egress rules: itself, the endpoints, S3.
    expect(Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: workloadSg } }))).toHaveLength(3);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('SageMaker workloads'),
      SecurityGroupEgress: Match.absent(),
    });
  });

  test('a given S3 prefix list ID skips the deploy-time lookup', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerNetwork(stack, 'Network', { s3PrefixListId: 'pl-63a5400a' });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::S3PrefixList', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1); // only the default security group's restriction
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: 'pl-63a5400a', FromPort: 443 });
  });

  test('the S3 prefix list lookup function is least-privilege, encrypted and bounded', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerNetwork(stack, 'Network');
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('S3 prefix list'),
      ReservedConcurrentExecutions: 5,
      DeadLetterConfig: Match.objectLike({ TargetArn: Match.anyValue() }),
      KmsKeyArn: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ec2:DescribeManagedPrefixLists', Resource: '*' })]) },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('a VPC of your own is used as is, with endpoints added to it', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Own', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    // WHEN
    const network = new SageMakerNetwork(stack, 'Network', { vpc, additionalEndpoints: ['states'] });
    // THEN
    expect(network.vpc).toBe(vpc);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.states']] },
      VpcId: stack.resolve(vpc.vpcId),
    });
  });

  test('addInterfaceEndpoint adds a known service once', () => {
    // GIVEN
    const stack = newStack();
    const network = new SageMakerNetwork(stack, 'Network');
    // WHEN
    const first = network.addInterfaceEndpoint('glue');
    const second = network.addInterfaceEndpoint('glue');
    // THEN
    expect(second).toBe(first);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', DEFAULT_ENDPOINT_SERVICES.length + 3);
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerNetwork(stack, 'Network');
    // THEN
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  describe('rejects bad input at synth', () => {
    test('maxAzs below 2, a bad CIDR and an unknown endpoint service, all in one error', () => {
      // GIVEN
      const stack = newStack();
      // WHEN / THEN
      let message = '';
      try {
        new SageMakerNetwork(stack, 'Network', { maxAzs: 1, cidr: '10.0.0.0/8', additionalEndpoints: ['sagemaker.bogus'] });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/SageMakerNetwork at 'TestStack\/Network'/);
      expect(message).toMatch(/maxAzs: got 1; allowed: an integer of at least 2/);
      expect(message).toMatch(/cidr: got "10.0.0.0\/8"; allowed: an IPv4 CIDR block from \/16 to \/24/);
      expect(message).toMatch(/additionalEndpoints: got "sagemaker.bogus"; allowed: one of .*sagemaker.api/);
    });

    test('maxAzs together with a VPC of your own', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Own');
      expect(() => new SageMakerNetwork(stack, 'Network', { vpc, maxAzs: 3 })).toThrow(/maxAzs: got 3; allowed: only without vpc/);
    });

    test('an unknown service passed to addInterfaceEndpoint', () => {
      const stack = newStack();
      const network = new SageMakerNetwork(stack, 'Network');
      expect(() => network.addInterfaceEndpoint('s3-typo')).toThrow(/service: got "s3-typo"; allowed: one of/);
    });
  });
});
