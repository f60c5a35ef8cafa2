import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, Dependable } from 'constructs';

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
    // What depends on the role needs its permissions in place: depending on the managed policy
    // (which names the role) orders both. Depending on the role resource as well would repeat what
    // a GetAtt of its ARN already orders (cfn-lint W3005, on every function and model using it).
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const role = this;
    Dependable.implement(this, {
      get dependencyRoots() {
        return [role.permissions ?? role.node.defaultChild!];
      },
    });
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
