import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The namespace of AWS Control Tower's proactive controls (the `@cdklabs/cdk-validator-cfnguard`
 * plugin): acknowledging `${CONTROL_TOWER}::<guard rule name>` on a construct suppresses that
 * control's finding on it and below, as CDK prints it ("Acknowledge with ...").
 */
export const CONTROL_TOWER = 'cdk-validator-cfnguard';

/**
 * Records that the given cdk-nag findings are acknowledged on a construct (and everything under it),
 * each with the reason a security reviewer reads.
 *
 * Written straight to the metadata key that cdk-nag v3 reads, because `Validations.acknowledge()`
 * mangles finding ids that contain `::` (such as `AwsSolutions-IAM5[Resource::*]`, cdk-nag issue 2351).
 */
export function acknowledge(scope: IConstruct, findings: ReadonlyArray<readonly [id: string, reason: string]>): void {
  if (findings.length === 0) return;
  const data: Record<string, string> = {};
  for (const [id, reason] of findings) {
    data[id] = reason;
  }
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, data);
}
