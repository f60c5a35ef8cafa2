import { inspect } from 'node:util';
import { Aspects, IAspect, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SageMakerValidationError } from '../errors';

/**
 * Context key: `true` makes a construct with invalid props throw where it is created (its stack
 * trace points at the line; what unit tests of one construct want). Unset or `false`, the
 * problems of every construct of the app are collected and thrown once, at synth, as one report.
 */
export const FAIL_FAST_CONTEXT = 'sagemaker-secure-constructs:failFastValidation';

/** Whether constructs under `scope` throw at once rather than report at synth. */
export function failFast(scope: IConstruct): boolean {
  const value = scope.node.tryGetContext(FAIL_FAST_CONTEXT);
  return value === true || value === 'true';
}

interface Entry {
  readonly subject: string;
  readonly problems: string[];
}

const REPORTS = new WeakMap<IConstruct, ValidationReport>();

/**
 * The invalid props of every construct of one app (one stage), thrown once at synth by an
 * aspect on the stage that runs before any other: one error lists each failing
 * construct (type and path) with each prop, the value given and what is allowed.
 */
export class ValidationReport {
  /**
   * The report of the stage `scope` is in (the App, or a nested Stage, which synthesizes on its
   * own), created (and its aspect added) on first use.
   */
  public static of(scope: IConstruct): ValidationReport {
    const root: IConstruct = Stage.isStage(scope) ? scope : Stage.of(scope) ?? scope.node.root;
    let report = REPORTS.get(root);
    if (!report) {
      report = new ValidationReport();
      REPORTS.set(root, report);
      const aspect: IAspect = { visit: (node) => { if (node === root) report!.throwIfAny(); } };
      // Before any other aspect: a construct built from invalid props must not reach them.
      Aspects.of(root).add(aspect, { priority: -1000 });
    }
    return report;
  }

  private readonly entries: Entry[] = [];

  private constructor() {}

  public record(subject: string, problems: string[]): void {
    this.entries.push({ subject, problems: [...problems] });
  }

  public get count(): number {
    return this.entries.length;
  }

  /** Throws one SageMakerValidationError (no stack trace) naming every construct recorded. */
  public throwIfAny(): void {
    if (this.entries.length === 0) return;
    const lines = this.entries.map((entry) => `${entry.subject} has invalid props:\n${entry.problems.map((p) => `  - ${p}`).join('\n')}`);
    const heading = this.entries.length === 1 ? '' : `${this.entries.length} constructs have invalid props:\n\n`;
    const error = new SageMakerValidationError(this.entries.length === 1 ? this.entries[0].subject : 'the app',
      this.entries.flatMap((entry) => entry.problems.map((p) => `${entry.subject}: ${p}`)),
      { message: `${heading}${lines.join('\n\n')}`, withStack: false });
    printOnceIfUncaught(error);
    throw error;
  }
}

let listening = false;

/**
 * An uncaught report (an app run by `cdk synth`) is printed as its message alone: Node.js would
 * print the throwing line of this file and the error in brackets around it. Any other uncaught
 * error is printed and ends the process as Node.js does. Installed once, and only where no one
 * else handles uncaught exceptions.
 */
function printOnceIfUncaught(report: SageMakerValidationError): void {
  if (listening || process.listenerCount('uncaughtException') > 0) return;
  listening = true;
  process.on('uncaughtException', (error) => {
    if (error === report || (error instanceof SageMakerValidationError && !error.stack?.includes('\n    at '))) {
      // Written synchronously (files and pipes; terminals on Linux) before the exit. Exiting here
      // also stops the App's own synth at exit (under the CLI) printing the report a second time.
      process.stderr.write(`\n${error.message}\n\n`);
      process.exit(1);
    }
    process.stderr.write(`${inspect(error)}\n`);
    process.exit(1);
  });
}
