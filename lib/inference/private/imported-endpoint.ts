import { Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EndpointAttributes, EndpointBase } from '../endpoint';

/** An endpoint of another app, by name. */
export class ImportedEndpoint extends EndpointBase {
  public readonly endpointName: string;
  public readonly endpointArn: string;
  protected readonly defaultVariantName: string;

  constructor(scope: Construct, id: string, attrs: EndpointAttributes) {
    super(scope, id);
    this.endpointName = attrs.endpointName;
    this.defaultVariantName = attrs.defaultVariantName ?? 'AllTraffic';
    this.endpointArn = endpointArn(this, attrs.endpointName);
  }
}

/** An endpoint's ARN, which carries its name in lower case. */
export function endpointArn(scope: Construct, endpointName: string): string {
  const resourceName = Token.isUnresolved(endpointName) ? endpointName : endpointName.toLowerCase();
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName });
}
