import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One acknowledged rule: its id, the reason given, and where. */
export interface Acknowledgment {
  readonly id: string;
  readonly reason: string;
  readonly path: string;
}

/** Every acknowledgment recorded anywhere under the scope, sorted by id then path. */
export function acknowledgmentsUnder(scope: IConstruct): Acknowledgment[] {
  const found: Acknowledgment[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ id: id.replace(/^annotation::/i, ''), reason, path: construct.node.path });
      }
    }
  }
  return found.sort((a, b) => `${a.id} ${a.path}`.localeCompare(`${b.id} ${b.path}`));
}
