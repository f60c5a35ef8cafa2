import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose permissions (its own and every `grant*` made to it) land in one
 * customer-managed policy instead of an inline default policy.
 *
 * HIPAA, NIST 800-53 and PCI DSS packs reject inline policies (IAMNoInlinePolicy): a managed
 * policy is versioned and can be reviewed and reused on its own. Use it for the roles of your
 * own that you grant this library's resources to (`featureGroup.grantRead(role)`).
 */
export class ManagedPolicyRole extends iam.Role {
  private permissions?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    // Created on first use: an empty managed policy fails synth.
    this.permissions ??= new iam.ManagedPolicy(this, 'Permissions', {
      description: `Permissions of ${this.node.path}`,
      roles: [this],
    });
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this.permissions };
  }
}
