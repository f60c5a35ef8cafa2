import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at, isSet, renderedProperties } from '../private/properties';
import { SageMakerRule } from '../private/rule';

function EndpointAutoRollback(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SageMaker::Endpoint') return NagRuleCompliance.NOT_APPLICABLE;
  const alarms = at(renderedProperties(node), 'DeploymentConfig', 'AutoRollbackConfiguration', 'Alarms');
  return isSet(alarms) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export const endpointAutoRollback: SageMakerRule = {
  check: EndpointAutoRollback,
  info: 'The SageMaker endpoint has no deployment config with auto-rollback alarms.',
  explanation: 'Without guardrails an update shifts all traffic to the new fleet at once and a bad model stays in service until someone notices; alarms let SageMaker roll back by itself.',
  level: NagMessageLevel.WARN,
  controls: ['SageMaker deployment guardrails (no managed Config rule)'],
};
