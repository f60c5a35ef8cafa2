import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SageMakerValidationError } from '../errors';
import { failFast, ValidationReport } from './validation-report';

/**
 * Gathers validation problems for one construct and reports them all at once: by default into
 * the app's ValidationReport, thrown once at synth with every failing construct of the app; with
 * the `sagemaker-secure-constructs:failFastValidation` context, thrown where the construct is made.
 *
 * Values that are unresolved tokens are never judged: they are only known at deploy time.
 */
export class ValidationProblems {
  private readonly problems: string[] = [];

  constructor(private readonly subject: string, private readonly scope?: IConstruct) {}

  /** A subject line naming the construct's type and path, e.g. `SageMakerNetwork at Stack/Network`. */
  public static of(kind: string, scope: IConstruct, id: string): ValidationProblems {
    const parent = scope.node.path;
    return new ValidationProblems(`${kind} at '${parent ? `${parent}/` : ''}${id}'`, scope);
  }

  /** Records a problem when `ok` is false and `value` is a concrete (not token) value. */
  public require(ok: boolean, prop: string, value: unknown, allowed: string): this {
    if (!ok && !isUnresolved(value)) {
      this.add(prop, value, allowed);
    }
    return this;
  }

  /** Records a problem unconditionally. */
  public add(prop: string, value: unknown, allowed: string): this {
    this.problems.push(`${prop}: got ${describe(value)}; allowed: ${allowed}`);
    return this;
  }

  public get count(): number {
    return this.problems.length;
  }

  /**
   * Reports the problems, if any: into the app's report, thrown at synth (the caller goes on
   * building from the props as given), or at once with fail-fast validation or without a scope.
   */
  public throwIfAny(): void {
    if (this.problems.length === 0) return;
    if (this.scope && !failFast(this.scope)) {
      ValidationReport.of(this.scope).record(this.subject, this.problems);
      return;
    }
    this.throwNow();
  }

  /**
   * Throws the problems, if any, at once: for problems after which the construct cannot be built
   * (a duplicate construct id, a shape aws-cdk-lib itself rejects). Without fail-fast validation,
   * the error is the app's report so far: these problems and those of every construct before.
   */
  public throwNow(): void {
    if (this.problems.length === 0) return;
    if (this.scope && !failFast(this.scope)) {
      const report = ValidationReport.of(this.scope);
      report.record(this.subject, this.problems);
      report.throwIfAny();
    }
    throw new SageMakerValidationError(this.subject, this.problems);
  }
}

/** True if the value (or any element of an array value) is a CDK token. */
export function isUnresolved(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some(isUnresolved);
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return Token.isUnresolved(value);
  }
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value.constructor?.name ?? 'an object';
  }
  return JSON.stringify(value);
}
