import { InstanceType } from '../core/instance-type';
import { ModelApprovalStatus } from '../registry/model-approval-status';

/**
 * How an `AutoMLModel`'s best candidate is registered in a model registry.
 */
export interface AutoMLRegistrationOptions {
  /**
   * The version's approval status.
   *
   * @default ModelApprovalStatus.PENDING_MANUAL_APPROVAL
   */
  readonly approval?: ModelApprovalStatus;

  /**
   * The version's description.
   *
   * @default - names the best candidate and the AutoML job
   */
  readonly description?: string;

  /**
   * The instance types the version is declared to serve (real time and batch) on.
   *
   * @default - ml.m5.large, ml.m5.xlarge, ml.c5.xlarge, ml.c5.2xlarge
   */
  readonly instanceTypes?: InstanceType[];
}
