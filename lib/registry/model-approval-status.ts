/**
 * Whether a model version may be deployed.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-approve.html
 */
export enum ModelApprovalStatus {
  /** Waiting for a person (or a rule) to approve it: not served by `ServableModel.fromLatestApproved`. */
  PENDING_MANUAL_APPROVAL = 'PendingManualApproval',
  /** May be deployed. */
  APPROVED = 'Approved',
  /** Must not be deployed. */
  REJECTED = 'Rejected',
}
