import * as events from 'aws-cdk-lib/aws-events';

/** The event SageMaker sends when a version of a group is registered or changes status. */
export function modelPackageStateChange(groupName: string, detail: Record<string, string[]>): events.EventPattern {
  return {
    source: ['aws.sagemaker'],
    detailType: ['SageMaker Model Package State Change'],
    detail: { ModelPackageGroupName: [groupName], ...detail },
  };
}

/** A version of the group approved. */
export const APPROVED = { ModelApprovalStatus: ['Approved'] };
/** A version of the group registered. */
export const REGISTERED = { ModelPackageStatus: ['Completed'] };
