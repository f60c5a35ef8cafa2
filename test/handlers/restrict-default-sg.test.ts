import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, EC2Client,
  RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lib/handlers/restrict-default-sg';
import { retryPolicy } from '../../lib/handlers/shared/retry';
import { CfnResponseServer } from '../helpers/cfn-response-server';

const ec2 = mockClient(EC2Client);
const cloudFormation = new CfnResponseServer();
const props = { DefaultSecurityGroupId: 'sg-default', Account: '111122223333' };
const selfIngress = [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-default', UserId: '111122223333' }] }];
const allEgress = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

beforeAll(async () => {
  retryPolicy.baseDelayMs = 1;
  await cloudFormation.start();
});
afterAll(() => cloudFormation.stop());
afterEach(() => jest.restoreAllMocks());
beforeEach(() => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  ec2.reset();
  cloudFormation.responses.length = 0;
});

function notFound(): Error {
  return Object.assign(new Error('The specified rule does not exist'), { name: 'InvalidPermission.NotFound' });
}

describe('restrict-default-sg handler', () => {
  test('Create revokes the default group\'s two rules and reports the group as the physical ID', async () => {
    // GIVEN
    ec2.onAnyCommand().resolves({});
    // WHEN
    await handler(cloudFormation.event('Create', props, undefined, 'Custom::VpcRestrictDefaultSG'));
    // THEN
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)[0].args[0].input).toEqual({ GroupId: 'sg-default', IpPermissions: allEgress });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0].args[0].input).toEqual({ GroupId: 'sg-default', IpPermissions: selfIngress });
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'sg-default' })]);
  });

  test('rules already gone are what Create wants', async () => {
    ec2.on(RevokeSecurityGroupEgressCommand).rejects(notFound());
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(notFound());
    await handler(cloudFormation.event('Create', props));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('Delete puts the default rules back, leaving the VPC as EC2 made it', async () => {
    ec2.onAnyCommand().resolves({});
    await handler(cloudFormation.event('Delete', props, 'sg-default'));
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0].args[0].input).toEqual({ GroupId: 'sg-default', IpPermissions: selfIngress });
    expect(ec2.commandCalls(AuthorizeSecurityGroupEgressCommand)[0].args[0].input).toEqual({ GroupId: 'sg-default', IpPermissions: allEgress });
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'sg-default' });
  });

  test('Delete of a group already gone (the VPC deleted first) succeeds', async () => {
    ec2.onAnyCommand().rejects(Object.assign(new Error('gone'), { name: 'InvalidGroup.NotFound' }));
    await handler(cloudFormation.event('Delete', props, 'sg-default'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('Update to another group restores the old one and restricts the new one', async () => {
    // GIVEN
    ec2.onAnyCommand().resolves({});
    const event = cloudFormation.event('Update', { ...props, DefaultSecurityGroupId: 'sg-new' }, 'sg-default');
    if (event.RequestType === 'Update') (event as { OldResourceProperties: Record<string, unknown> }).OldResourceProperties = { ...props };
    // WHEN
    await handler(event);
    // THEN
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0].args[0].input.GroupId).toBe('sg-default');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0].args[0].input.GroupId).toBe('sg-new');
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'sg-new' });
  });

  test('throttling is retried; another error fails the resource with its reason', async () => {
    ec2.on(RevokeSecurityGroupEgressCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }))
      .resolves({});
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(Object.assign(new Error('not yours'), { name: 'UnauthorizedOperation' }));
    await handler(cloudFormation.event('Create', props));
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(2);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('not yours') });
  });

  test('missing properties fail the resource, naming them', async () => {
    await handler(cloudFormation.event('Create', {}));
    expect(ec2.calls()).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('DefaultSecurityGroupId and Account are required') });
  });
});
