import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SageMakerKey } from '../../lib/core/encryption';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

describe('SageMakerKey', () => {
  test('is a customer-managed key with rotation, kept when it leaves the stack', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerKey(stack, 'Key', { alias: 'sagemaker/platform' });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/sagemaker/platform' });
  });

  test('lets CloudWatch Logs use it only for this account and region\'s log groups', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerKey(stack, 'Key');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Action: Match.arrayWith(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
              },
            },
          },
        })]),
      },
    });
  });

  test('lets only AWS services, or grants for AWS resources, create grants (Control Tower CT.KMS.PR.3)', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerKey(stack, 'Key', { allowCloudWatchLogs: false });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'DenyGrantsNotForAwsResourcesOrServices',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }]),
      },
    });
  });

  test('the CloudWatch Logs statement can be left out, and the removal policy chosen', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new SageMakerKey(stack, 'Key', { allowCloudWatchLogs: false, removalPolicy: RemovalPolicy.DESTROY });
    // THEN
    const template = Template.fromStack(stack);
    expect(JSON.stringify(template.toJSON())).not.toContain('kms:EncryptionContext:aws:logs:arn');
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const stack = newStack();
    new SageMakerKey(stack, 'Key');
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});
