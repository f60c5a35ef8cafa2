import { Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { FeatureGroupAttributes, FeatureGroupBase } from '../feature-group-base';

/** A feature group of another app. */
export class ImportedFeatureGroup extends FeatureGroupBase {
  public readonly featureGroupName: string;
  public readonly featureGroupArn: string;
  protected readonly storeKey?: kms.IKey;

  constructor(scope: Construct, id: string, attrs: FeatureGroupAttributes) {
    super(scope, id);
    this.featureGroupName = attrs.featureGroupName;
    this.storeKey = attrs.encryptionKey;
    this.featureGroupArn = featureGroupArn(this, attrs.featureGroupName);
  }
}

/** A feature group's ARN, which carries its name in lower case. */
export function featureGroupArn(scope: Construct, name: string): string {
  const resourceName = Token.isUnresolved(name) ? name : name.toLowerCase();
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'feature-group', resourceName });
}
