import { Stack } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';
import { acknowledge } from './nag-acknowledgments';

const pending = new WeakMap<IConstruct, Array<{ resourceArn: string; reason: string }>>();

/**
 * Acknowledges AwsSolutions-IAM5 for a resource ARN pattern granted on purpose (objects under a
 * prefix, log streams of a log group), on a role or policy and everything under it.
 *
 * cdk-nag names the finding after the resource as the template renders it, which for a resource
 * in another stack is an import known only once references are resolved; so the id is computed
 * in the validation phase, before the rule packs run, and only for patterns that contain `*`.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  let grants = pending.get(scope);
  if (!grants) {
    grants = [];
    pending.set(scope, grants);
    const list = grants;
    scope.node.addValidation({
      validate: () => {
        const seen = new Set<string>();
        for (const grant of list.splice(0)) {
          const flattened = flattenCfnReference(Stack.of(scope).resolve(grant.resourceArn));
          if (flattened.includes('*') && !seen.has(flattened)) {
            seen.add(flattened);
            acknowledge(scope, [[`AwsSolutions-IAM5[Resource::${flattened}]`, grant.reason]]);
          }
        }
        return [];
      },
    });
  }
  grants.push({ resourceArn, reason });
}
