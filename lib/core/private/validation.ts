import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SageMakerValidationError } from '../errors';

/**
 * Gathers validation problems for one construct and throws them all at once.
 *
 * Values that are unresolved tokens are never judged: they are only known at deploy time.
 */
export class ValidationProblems {
  private readonly problems: string[] = [];

  constructor(private readonly subject: string) {}

  /** A subject line naming the construct's type and path, e.g. `SageMakerNetwork at Stack/Network`. */
  public static of(kind: string, scope: IConstruct, id: string): ValidationProblems {
    const parent = scope.node.path;
    return new ValidationProblems(`${kind} at '${parent ? `${parent}/` : ''}${id}'`);
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

  public throwIfAny(): void {
    if (this.problems.length > 0) {
      throw new SageMakerValidationError(this.subject, this.problems);
    }
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
