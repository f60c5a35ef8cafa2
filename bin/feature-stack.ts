import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Feature, FeatureGroup, FeatureStore, SageMakerNetwork } from '../lib';

export interface FeatureStackProps extends StackProps {
  readonly network: SageMakerNetwork;
}

/**
 * The platform's feature store: customer features with an online store for serving (30-day TTL)
 * and an Iceberg offline store for training and analytics.
 */
export class FeatureStack extends Stack {
  public readonly store: FeatureStore;
  public readonly customers: FeatureGroup;

  constructor(scope: Construct, id: string, props: FeatureStackProps) {
    super(scope, id, props);
    this.store = new FeatureStore(this, 'Features', { network: props.network });
    this.customers = this.store.addFeatureGroup('Customers', {
      recordIdentifier: Feature.string('customer_id'),
      eventTime: Feature.fractional('event_time'),
      features: [Feature.integral('age'), Feature.fractional('spend_30d'), Feature.integral('orders_90d'), Feature.string('segment')],
      online: { ttl: Duration.days(30) },
      description: 'Customer features for churn scoring',
    });
  }
}
