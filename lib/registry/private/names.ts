import { Token } from 'aws-cdk-lib';

/** SageMaker's ARNs carry names in lower case; a token is left as it is. */
export function lowerCase(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase();
}
