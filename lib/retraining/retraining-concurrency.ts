/**
 * What a retraining run does when another run of the same pipeline is still going.
 */
export enum RetrainingConcurrency {
  /** It ends at once, failed with `AlreadyRunning` (a schedule and a drift alarm cannot stack two trainings). */
  REFUSE = 'REFUSE',
  /** It waits (checking every 5 minutes) until the other run has ended, then trains. */
  WAIT = 'WAIT',
}
