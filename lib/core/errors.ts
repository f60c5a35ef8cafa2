/**
 * Thrown at synth when a construct's props are invalid.
 *
 * The message lists every problem found, each naming the prop, the value given
 * and what is allowed, so a user fixes them all in one round.
 *
 * Not part of the jsii API (a subclass of `Error` cannot cross language boundaries); other
 * languages see the message of the exception their runtime raises.
 */
export class SageMakerValidationError extends Error {
  /** The individual problems, one line each. */
  public readonly problems: string[];

  constructor(subject: string, problems: string[]) {
    super(`${subject} has invalid props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SageMakerValidationError';
    this.problems = problems;
  }
}
