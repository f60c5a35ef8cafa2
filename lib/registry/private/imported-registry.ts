import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ModelRegistryBase } from '../model-registry-base';
import { lowerCase } from './names';

/** A model package group of another app, by name. */
export class ImportedModelRegistry extends ModelRegistryBase {
  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;

  constructor(scope: Construct, id: string, modelPackageGroupName: string) {
    super(scope, id);
    this.modelPackageGroupName = modelPackageGroupName;
    this.modelPackageGroupArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: lowerCase(modelPackageGroupName) });
  }
}
