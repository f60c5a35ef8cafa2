import { CfnMapping, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SageMakerValidationError } from '../errors';

/**
 * The account of an AWS-owned image registry in the stack's region, through a mapping shared by
 * everything in the stack, so environment-agnostic stacks pick the region's account at deploy.
 * A stack in a region the table does not know is rejected at synth.
 *
 * @param what the image, for the error message
 */
export function regionalRegistryAccount(scope: IConstruct, mappingId: string, accounts: Readonly<Record<string, string>>, what: string): string {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region) && !(stack.region in accounts)) {
    throw new SageMakerValidationError(`${what} in ${stack.stackName}`, [
      `region: got ${JSON.stringify(stack.region)}; allowed: ${Object.keys(accounts).join(', ')}`,
    ]);
  }
  let mapping = stack.node.tryFindChild(mappingId) as CfnMapping | undefined;
  if (!mapping) {
    const table: Record<string, Record<string, string>> = {};
    for (const [region, account] of Object.entries(accounts)) table[region] = { account };
    mapping = new CfnMapping(stack, mappingId, { mapping: table, lazy: true });
  }
  return mapping.findInMap(stack.region, 'account');
}
