/**
 * The built-in Linear Learner's learning-rate schedule (use_lr_scheduler): every
 * `lr_scheduler_step` mini-batch updates each model's learning rate is multiplied by
 * `lr_scheduler_factor`, and never goes below `lr_scheduler_minimum_lr` (nor rises to meet it when
 * a model starts below it) — MXNet's FactorScheduler, which the built-in documents.
 *
 * The kernels take one learning rate per model per call, so an epoch is run as chunks of rows that
 * end where the rate changes: the same updates as one call, whatever the chunking, because the
 * kernels continue the step count and the mini-batches from one call to the next.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
 */

export interface ScheduleOptions {
  /** Updates between decreases. */
  readonly step: number;
  readonly factor: number;
  readonly minimum: number;
}

/**
 * `auto` as this image defines it (the built-in's documentation gives no values): one decrease per
 * epoch of 1 %, down to 1e-5 — gentle enough never to stall training within the default 15 epochs.
 */
export function autoSchedule(batchesPerEpoch: number, given: { step: number | 'auto'; factor: number | 'auto'; minimum: number | 'auto' }): ScheduleOptions {
  return {
    step: given.step === 'auto' ? Math.max(1, batchesPerEpoch) : given.step,
    factor: given.factor === 'auto' ? 0.99 : given.factor,
    minimum: given.minimum === 'auto' ? 1e-5 : given.minimum,
  };
}

/** Each model's learning rate for the update after `updates` updates (counted from 0). */
export function scheduledRates(base: readonly number[], updates: number, options: ScheduleOptions | undefined): number[] {
  if (!options) return [...base];
  const decreases = Math.floor(updates / options.step);
  return base.map((rate) => (rate <= options.minimum ? rate : Math.max(options.minimum, rate * options.factor ** decreases)));
}

/** How many mini-batches, from `updates` done, keep the same rates (all of `remaining` without a schedule). */
export function batchesUntilChange(updates: number, remaining: number, options: ScheduleOptions | undefined): number {
  if (!options) return remaining;
  return Math.min(remaining, options.step - (updates % options.step));
}
