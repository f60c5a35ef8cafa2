import { Duration, Token } from 'aws-cdk-lib';
import { ValidationProblems } from '../../core/private/validation';

/** SageMaker's pattern for domain, user-profile, space, notebook and lifecycle-config names. */
export const STUDIO_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const STUDIO_NAME_ALLOWED = 'letters, digits and hyphens, starting and ending with a letter or digit, at most 63 characters';

export const IDLE_TIMEOUT_ALLOWED = 'whole minutes from 5 minutes to 24 hours';
const DEFAULT_IDLE_MINUTES = 60;

/** The idle timeout in minutes (60 by default), recording a problem when it is out of range. */
export function idleMinutesOf(problems: ValidationProblems, idleTimeout: Duration | undefined): number {
  if (idleTimeout === undefined) return DEFAULT_IDLE_MINUTES;
  if (Token.isUnresolved(idleTimeout.toSeconds())) {
    problems.add('idleTimeout', idleTimeout.toString(), `${IDLE_TIMEOUT_ALLOWED} (known at synth: the script carries it)`);
    return DEFAULT_IDLE_MINUTES;
  }
  const minutes = idleTimeout.toMinutes({ integral: false });
  problems.require(Number.isInteger(minutes) && minutes >= 5 && minutes <= 24 * 60, 'idleTimeout', `${minutes} minutes`, IDLE_TIMEOUT_ALLOWED);
  return minutes;
}

/** Direct internet access only with the explicit opt-out. */
export function checkInternetOptOut(problems: ValidationProblems, directInternetAccess?: boolean, allowInternetAccess?: boolean): void {
  problems.require(!directInternetAccess || allowInternetAccess === true, 'directInternetAccess', directInternetAccess,
    'false, or true together with allowInternetAccess: true (the explicit opt-out of the VPC-only default)');
}
