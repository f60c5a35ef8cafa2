/**
 * How a retrained version that passed its evaluation is approved.
 */
export enum ModelApproval {
  /** Registered pending: a person approves it (console, CLI, a reviewer role), which promotes it. */
  MANUAL = 'MANUAL',
  /** Registered approved when the evaluation passes, which promotes it at once. */
  AUTOMATIC = 'AUTOMATIC',
}
