import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at, isSet, renderedProperties } from '../private/properties';
import { dynamicKeysAsSet, parseDefinition } from '../private/job-settings';
import { SageMakerRule } from '../private/rule';

/**
 * A model package holds the model's description, metrics and card: SecurityConfig.KmsKeyId
 * encrypts them with a customer-managed key; metrics it points to are judged by their bucket.
 */
function ModelPackageKms(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType === 'AWS::SageMaker::ModelPackage') {
    return isSet(at(renderedProperties(node), 'SecurityConfig', 'KmsKeyId')) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  }
  if (node.cfnResourceType === 'AWS::StepFunctions::StateMachine') {
    // A state machine that registers versions (a retraining pipeline's createModelPackage task).
    const properties = renderedProperties(node);
    const requests = registrationTasks(parseDefinition(properties.Definition ?? properties.DefinitionString)?.States);
    if (requests.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
    return requests.every((request) => isSet(at(request, 'SecurityConfig', 'KmsKeyId'))) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  }
  return NagRuleCompliance.NOT_APPLICABLE;
}

const REGISTRATION_TASK = /:sagemaker:createModelPackage$/;

/** The parameters of every createModelPackage task, nested Parallel and Map states included. */
function registrationTasks(states: Record<string, any> | undefined): any[] {
  return Object.values(states ?? {}).flatMap((state: any) => [
    ...(typeof state?.Resource === 'string' && REGISTRATION_TASK.test(state.Resource) ? [dynamicKeysAsSet(state.Parameters ?? state.Arguments ?? {})] : []),
    ...(state?.Branches ?? []).flatMap((branch: any) => registrationTasks(branch.States)),
    ...registrationTasks(state?.Iterator?.States),
    ...registrationTasks(state?.ItemProcessor?.States),
  ]);
}

export const modelPackageKms: SageMakerRule = {
  check: ModelPackageKms,
  info: 'A SageMaker model package (a registered model version, or a state machine task that registers one) has no KMS key (SecurityConfig.KmsKeyId).',
  explanation: 'Without a customer-managed key, what the registry records about the model (its metrics, model card and description) is encrypted only with an AWS-owned key whose use cannot be audited or revoked.',
  level: NagMessageLevel.ERROR,
  controls: ['none (no AWS Config rule covers model packages)'],
};
