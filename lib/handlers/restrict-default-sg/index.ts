import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, EC2Client, IpPermission,
  RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CustomResourceResult, DeadlineContext, handleCustomResource } from '../shared/cfn-response';
import { withRetries } from '../shared/retry';

// Bounded waits, and one retry policy (withRetries) instead of the SDK's own.
const ec2 = new EC2Client({ maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });

/**
 * Custom resource `Custom::VpcRestrictDefaultSG` (CDK's type name, which cdk-nag recognises): removes the two rules every
 * VPC's default security group is created with (all traffic from itself; all traffic out), so a
 * resource that lands in it by mistake can reach nothing and be reached by nothing. Delete puts
 * them back, leaving the VPC as EC2 made it. It replaces CDK's `restrictDefaultSecurityGroup`
 * handler, whose Lambda function runs outside any VPC; this one runs in the VPC's isolated
 * subnets, through its EC2 interface endpoint.
 *
 * Properties: `DefaultSecurityGroupId`, `Account` (the VPC owner, for the self-reference).
 */
export async function handler(event: CloudFormationCustomResourceEvent, context?: DeadlineContext): Promise<void> {
  await handleCustomResource(event, restrict, { context });
}

export async function restrict(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  const groupId = String(event.ResourceProperties.DefaultSecurityGroupId ?? '');
  const account = String(event.ResourceProperties.Account ?? '');
  if (!groupId || !account) {
    throw new Error(`DefaultSecurityGroupId and Account are required; got ${JSON.stringify({ groupId, account })}`);
  }
  switch (event.RequestType) {
    case 'Create':
      await revokeDefaultRules(groupId, account);
      break;
    case 'Update': {
      const old = event.OldResourceProperties;
      if (old.DefaultSecurityGroupId !== groupId) {
        await authorizeDefaultRules(String(old.DefaultSecurityGroupId), String(old.Account ?? account));
      }
      await revokeDefaultRules(groupId, account);
      break;
    }
    case 'Delete':
      await authorizeDefaultRules(groupId, account);
      break;
  }
  return { physicalResourceId: groupId };
}

function selfIngress(groupId: string, account: string): IpPermission[] {
  return [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: groupId, UserId: account }] }];
}

function allEgress(): IpPermission[] {
  return [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
}

/** Revokes both default rules; a rule already gone is what we want. */
async function revokeDefaultRules(groupId: string, account: string): Promise<void> {
  await tolerating('InvalidPermission.NotFound', () => ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: allEgress() })));
  await tolerating('InvalidPermission.NotFound', () => ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: selfIngress(groupId, account) })));
}

/** Puts both default rules back; a rule already there is what we want, and a group gone needs nothing. */
async function authorizeDefaultRules(groupId: string, account: string): Promise<void> {
  await tolerating(['InvalidPermission.Duplicate', 'InvalidGroup.NotFound'], () => ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: selfIngress(groupId, account) })));
  await tolerating(['InvalidPermission.Duplicate', 'InvalidGroup.NotFound'], () => ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: allEgress() })));
}

async function tolerating(names: string | string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await withRetries(call);
  } catch (error) {
    if (!([] as string[]).concat(names).includes((error as { name?: string }).name ?? '')) throw error;
  }
}
