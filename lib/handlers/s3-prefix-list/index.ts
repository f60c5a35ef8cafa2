import { DescribeManagedPrefixListsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CustomResourceResult, DeadlineContext, handleCustomResource } from '../shared/cfn-response';

// Bounded waits: a hanging call fails (and the SDK's own retries apply) well before the function's timeout.
const ec2 = new EC2Client({ requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });

/**
 * Custom resource `Custom::S3PrefixList`: finds the ID of the region's AWS-managed S3 prefix list
 * (`com.amazonaws.<region>.s3`), which differs by region and cannot be looked up at synth in an
 * environment-agnostic stack. Delete has nothing to clean up.
 */
export async function handler(event: CloudFormationCustomResourceEvent, context?: DeadlineContext): Promise<void> {
  await handleCustomResource(event, lookUp, { context });
}

export async function lookUp(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
  const name = `com.amazonaws.${process.env.AWS_REGION}.s3`;
  if (event.RequestType === 'Delete') {
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const response = await ec2.send(new DescribeManagedPrefixListsCommand({
    Filters: [{ Name: 'prefix-list-name', Values: [name] }],
  }));
  const prefixListId = response.PrefixLists?.[0]?.PrefixListId;
  if (!prefixListId) {
    throw new Error(`No AWS-managed prefix list named ${name} was found; pass s3PrefixListId to SageMakerNetwork`);
  }
  return { physicalResourceId: prefixListId, data: { PrefixListId: prefixListId } };
}
