import { Construct } from 'constructs';
import type { SageMakerExecutionRole } from '../../core/roles';

/** A group whose versions a consumer (an endpoint) serves, and the role its models run as. */
export interface ServedGroup {
  readonly modelPackageGroupName: string;
  readonly role: SageMakerExecutionRole;
}

const served = new WeakMap<Construct, ServedGroup[]>();

/**
 * Records that a consumer serves versions of a group (a registered version or the newest approved
 * one), so a retraining pipeline can check that it promotes to an endpoint of its own registry and
 * pass the endpoint's model role when it creates the promoted model.
 */
export function recordServedGroup(consumer: Construct, group: ServedGroup): void {
  served.set(consumer, [...(served.get(consumer) ?? []), group]);
}

/** The groups a consumer serves versions of. */
export function servedGroupsOf(consumer: Construct): ServedGroup[] {
  return served.get(consumer) ?? [];
}
