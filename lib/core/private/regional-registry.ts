import { CfnMapping, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationProblems } from './validation';

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
    // Into the app's report, thrown at synth before any template is written; until then the
    // construct is built on a placeholder account (the mapping has no entry to look up).
    new ValidationProblems(scope === stack ? `${what} in ${stack.stackName}` : `${what} in ${stack.stackName} (for '${scope.node.path}')`, scope)
      .add('region', stack.region, Object.keys(accounts).join(', ')).throwIfAny();
    return '000000000000';
  }
  let mapping = stack.node.tryFindChild(mappingId) as CfnMapping | undefined;
  if (!mapping) {
    const table: Record<string, Record<string, string>> = {};
    for (const [region, account] of Object.entries(accounts)) table[region] = { account };
    mapping = new CfnMapping(stack, mappingId, { mapping: table, lazy: true });
  }
  return mapping.findInMap(stack.region, 'account');
}

/**
 * Registries of SageMaker Clarify's processing (analyzer) image, `sagemaker-clarify-processing:1.0`,
 * by region: bias and explainability monitors and their baselines.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-container.html
 */
export const CLARIFY_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '811711786498',
  'ap-east-1': '098760798382',
  'ap-northeast-1': '377024640650',
  'ap-northeast-2': '263625296855',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '452307495513',
  'ap-southeast-1': '834264404009',
  'ap-southeast-2': '007051062584',
  'ca-central-1': '675030665977',
  'cn-north-1': '122526803553',
  'cn-northwest-1': '122578899357',
  'eu-central-1': '017069133835',
  'eu-north-1': '763603941244',
  'eu-south-1': '638885417683',
  'eu-west-1': '131013547314',
  'eu-west-2': '440796970383',
  'eu-west-3': '341593696636',
  'me-south-1': '835444307964',
  'sa-east-1': '520018980103',
  'us-east-1': '205585389593',
  'us-east-2': '211330385671',
  'us-west-1': '740489534195',
  'us-west-2': '306415355426',
};
