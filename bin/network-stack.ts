import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SageMakerNetwork, SecureBucket } from '../lib';

/**
 * The platform's shared layer: the isolated network every SageMaker workload runs in, and the
 * hardened bucket that holds datasets and model artifacts.
 */
export class NetworkStack extends Stack {
  public readonly network: SageMakerNetwork;
  public readonly data: SecureBucket;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new SageMakerNetwork(this, 'Network', {
      additionalEndpoints: ['states', 'events'],
    });
    this.data = new SecureBucket(this, 'Data', { encryptionKey: this.network.encryptionKey });
  }
}
