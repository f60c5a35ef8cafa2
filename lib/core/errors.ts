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

  constructor(subject: string, problems: string[], options: { readonly message?: string; readonly withStack?: boolean } = {}) {
    super(options.message ?? `${subject} has invalid props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SageMakerValidationError';
    // Not enumerable: Node.js prints an uncaught error's enumerable properties after its stack,
    // which showed every problem a second time.
    this.problems = problems;
    Object.defineProperty(this, 'problems', { enumerable: false });
    if (options.withStack === false) {
      // The message says what is wrong and where (construct paths); the library's own frames
      // would only bury it.
      Object.defineProperty(this, 'stack', { value: `${this.name}: ${this.message}`, enumerable: false, writable: true, configurable: true });
    }
  }
}
