import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FeatureGroup, ManagedPolicyRole } from '../lib';

export interface ServingStackProps extends StackProps {
  readonly customers: FeatureGroup;
}

/**
 * Serving: the role of the scoring API, which reads customer features from the online store
 * before it calls the model's endpoint.
 */
export class ServingStack extends Stack {
  public readonly apiRole: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    this.apiRole = new ManagedPolicyRole(this, 'ScoringApiRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The scoring API: reads customer features and invokes the churn model',
    });
    props.customers.grantRead(this.apiRole);
  }
}
