import { IResource, Resource, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../core/private/wildcard-acknowledgment';
import { IModelPackageGroup } from '../models/model-package';
import { APPROVED, modelPackageStateChange, REGISTERED } from './private/events';
import { lowerCase } from './private/names';

/**
 * A model registry (a SageMaker model package group), made here (`ModelRegistry`) or imported
 * (`ModelRegistry.fromModelPackageGroupName`).
 */
export interface IModelRegistry extends IResource, IModelPackageGroup {
  /** Lets the grantee register versions (CreateModelPackage in this group). */
  grantRegister(grantee: iam.IGrantable): iam.Grant;

  /** Lets the grantee approve or reject versions (UpdateModelPackage), and read them. */
  grantApprove(grantee: iam.IGrantable): iam.Grant;

  /** Lets the grantee read the group and its versions. */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /** An EventBridge rule on a version of this group being approved. */
  onVersionApproved(id: string, options?: events.OnEventOptions): events.Rule;

  /** An EventBridge rule on a version of this group being registered. */
  onVersionRegistered(id: string, options?: events.OnEventOptions): events.Rule;
}

/**
 * What every registry offers, made here or imported: grants on its versions and events.
 */
export abstract class ModelRegistryBase extends Resource implements IModelRegistry {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:DescribeModelPackageGroup'], resourceArns: [this.modelPackageGroupArn] });
    return this.grantOnVersions(grantee, ['sagemaker:CreateModelPackage', 'sagemaker:AddTags'],
      'Registers versions of this group, whose ARNs end in a version number SageMaker assigns.');
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    this.grantRead(grantee);
    return this.grantOnVersions(grantee, ['sagemaker:UpdateModelPackage'],
      'Approves or rejects versions of this group, whose ARNs end in a version number.');
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:DescribeModelPackageGroup'], resourceArns: [this.modelPackageGroupArn] });
    return this.grantOnVersions(grantee, ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
      'Reads versions of this group, whose ARNs end in a version number.');
  }

  public onVersionApproved(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.onStateChange(id, options, APPROVED);
  }

  public onVersionRegistered(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.onStateChange(id, options, REGISTERED);
  }

  /** The ARN pattern of this group's versions (`model-package/<group>/<version>`). */
  protected get versionsArn(): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${lowerCase(this.modelPackageGroupName)}/*` });
  }

  private grantOnVersions(grantee: iam.IGrantable, actions: string[], reason: string): iam.Grant {
    if (Construct.isConstruct(grantee.grantPrincipal)) acknowledgeWildcardResource(grantee.grantPrincipal, this.versionsArn, reason);
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.versionsArn] });
  }

  private onStateChange(id: string, options: events.OnEventOptions, detail: Record<string, string[]>): events.Rule {
    const rule = new events.Rule(this, id, { ruleName: options.ruleName, description: options.description });
    rule.addEventPattern(options.eventPattern);
    rule.addEventPattern(modelPackageStateChange(this.modelPackageGroupName, detail));
    if (options.target) rule.addTarget(options.target);
    return rule;
  }
}
