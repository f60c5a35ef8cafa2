#!/usr/bin/env node
/**
 * The reference app: a SageMaker platform as a platform team would deploy it, checked by all five
 * rule packs and AWS Control Tower's proactive controls on every synth (a finding fails the synth). Environment-agnostic: no lookups, no
 * credentials, so it synthesizes anywhere.
 */
import { App, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { SageMakerChecks } from '../lib';
import { ResolvedImportsPlugin } from '../lib/review/private/resolved-imports';
import { buildPlatform } from './platform';

const app = new App();
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new HIPAASecurityChecks(app),
  new NIST80053R5Checks(app),
  new PCIDSS321Checks(app),
  new SageMakerChecks(app),
  // AWS Control Tower's proactive controls; values imported from another stack are resolved.
  new ResolvedImportsPlugin(new CfnGuardValidator()),
);
buildPlatform(app);
app.synth();
