import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { SageMakerNetwork } from '../../lib/core/network';
import { Feature } from '../../lib/feature-store/feature';
import { FeatureGroup, FeatureGroupProps, OfflineTableFormat, OnlineStorageType, ThroughputMode } from '../../lib/feature-store/feature-group';
import { FeatureStore } from '../../lib/feature-store/feature-store';
import { newStack, unacknowledgedFindings } from '../helpers/nag';

const CUSTOMERS: FeatureGroupProps = {
  recordIdentifier: Feature.string('customer_id'),
  eventTime: Feature.fractional('event_time'),
  features: [Feature.integral('age'), Feature.fractional('spend_30d')],
  online: { ttl: Duration.days(30) },
};

function storeWithGroup(overrides: Partial<FeatureGroupProps> = {}) {
  const stack = newStack();
  const network = new SageMakerNetwork(stack, 'Network');
  const store = new FeatureStore(stack, 'Features', { network });
  const group = store.addFeatureGroup('Customers', { ...CUSTOMERS, ...overrides });
  return { stack, network, store, group };
}

describe('FeatureStore and FeatureGroup defaults', () => {
  test('both stores are encrypted with the store\'s key; the offline store writes Iceberg tables to its own prefix', () => {
    // GIVEN / WHEN
    const { stack, store, group } = storeWithGroup();
    // THEN
    const key = stack.resolve(store.encryptionKey.keyArn);
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::FeatureGroup', {
      FeatureGroupName: group.featureGroupName,
      RecordIdentifierFeatureName: 'customer_id',
      EventTimeFeatureName: 'event_time',
      FeatureDefinitions: [
        { FeatureName: 'customer_id', FeatureType: 'String' },
        { FeatureName: 'event_time', FeatureType: 'Fractional' },
        { FeatureName: 'age', FeatureType: 'Integral' },
        { FeatureName: 'spend_30d', FeatureType: 'Fractional' },
      ],
      OnlineStoreConfig: { EnableOnlineStore: true, SecurityConfig: { KmsKeyId: key }, StorageType: 'Standard', TtlDuration: { Unit: 'Days', Value: 30 } },
      OfflineStoreConfig: {
        S3StorageConfig: { KmsKeyId: key, S3Uri: { 'Fn::Join': ['', ['s3://', stack.resolve(store.offlineBucket.bucketName), `/offline/${group.featureGroupName}/`]] } },
        DisableGlueTableCreation: false,
        DataCatalogConfig: { Catalog: 'AwsDataCatalog', Database: store.databaseName, TableName: group.tableName },
        TableFormat: 'Iceberg',
      },
      RoleArn: stack.resolve(store.offlineStoreRole.roleArn),
    });
  });

  test('the store shares the network\'s key, adds nothing twice, and creates its Glue database', () => {
    const { stack, network, store } = storeWithGroup();
    expect(store.encryptionKey).toBe(network.encryptionKey);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'teststack_features' }) });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.sagemaker.featurestore-runtime']] } });
  });

  test('the offline store role writes only the group\'s prefix, table and key', () => {
    const { stack, store, group } = storeWithGroup();
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(store.offlineStoreRole.roleName)]))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: expect.arrayContaining(['s3:PutObject']), Resource: { 'Fn::Join': ['', [stack.resolve(store.offlineBucket.bucketArn), `/offline/${group.featureGroupName}/*`]] } }),
      expect.objectContaining({ Action: expect.arrayContaining(['glue:CreateTable']), Resource: expect.arrayContaining([expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([`:table/${store.databaseName}/${group.tableName}`])] })]) }),
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] }),
    ]));
  });

  test('default configuration has no unacknowledged findings in the five packs', () => {
    const { stack } = storeWithGroup();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('FeatureGroup grants and metrics', () => {
  test('grantRead, grantWrite and grantQueryOffline give exactly those operations', () => {
    // GIVEN
    const { stack, store, group } = storeWithGroup();
    const reader = new ManagedPolicyRole(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const writer = new ManagedPolicyRole(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const analyst = new ManagedPolicyRole(stack, 'Analyst', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    group.grantRead(reader);
    group.grantWrite(writer);
    group.grantQueryOffline(analyst, 'analytics');
    // THEN
    const template = Template.fromStack(stack);
    const statementsOf = (role: iam.Role) => Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(role.roleName)]))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const groupArn = stack.resolve(group.featureGroupArn);
    expect(statementsOf(reader)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sagemaker:BatchGetRecord', 'sagemaker:GetRecord'], Resource: groupArn }),
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: stack.resolve(store.encryptionKey.keyArn) }),
    ]));
    expect(JSON.stringify(statementsOf(reader))).not.toContain('PutRecord');
    expect(statementsOf(writer)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sagemaker:DeleteRecord', 'sagemaker:PutRecord'], Resource: groupArn }),
    ]));
    expect(JSON.stringify(statementsOf(analyst))).toMatch(/athena:StartQueryExecution[\s\S]*workgroup\/analytics/);
    expect(statementsOf(analyst)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': [`offline/${group.featureGroupName}/*`] } } }),
    ]));
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('online store metrics are per feature group and operation', () => {
    const { stack, group } = storeWithGroup();
    const metric = group.metricConsumedReadUnits();
    expect(metric.namespace).toBe('AWS/SageMaker');
    expect(stack.resolve(metric.dimensions)).toEqual({ FeatureGroupName: group.featureGroupName, OperationName: 'GetRecord' });
    expect(group.metricOperationLatency({ operation: 'PutRecord' }).statistic).toBe('Average');
  });
});

describe('FeatureGroup props', () => {
  test('an online-only InMemory group with provisioned throughput and a name of your own', () => {
    const { stack } = storeWithGroup({
      featureGroupName: 'customers-v2',
      online: { storageType: OnlineStorageType.IN_MEMORY },
      disableOfflineStore: true,
      throughput: ThroughputMode.provisioned(10, 5),
      description: 'Customer features',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::FeatureGroup', {
      FeatureGroupName: 'customers-v2',
      Description: 'Customer features',
      OnlineStoreConfig: Match.objectLike({ StorageType: 'InMemory' }),
      OfflineStoreConfig: Match.absent(),
      RoleArn: Match.absent(),
      ThroughputConfig: { ThroughputMode: 'Provisioned', ProvisionedReadCapacityUnits: 10, ProvisionedWriteCapacityUnits: 5 },
    });
  });

  test('an offline-only group in Glue format without a Glue table', () => {
    const { stack, group } = storeWithGroup({ online: undefined, offline: { tableFormat: OfflineTableFormat.GLUE, disableGlueTableCreation: true, prefix: 'history/' } });
    expect(group.tableName).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::FeatureGroup', {
      OnlineStoreConfig: Match.absent(),
      OfflineStoreConfig: Match.objectLike({ TableFormat: 'Glue', DisableGlueTableCreation: true, DataCatalogConfig: Match.absent() }),
    });
  });

  test('the record identifier and event time are added once even when also listed', () => {
    const { stack } = storeWithGroup({ features: [Feature.string('customer_id'), Feature.integral('age')] });
    const [group] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::FeatureGroup')) as any[];
    expect(group.Properties.FeatureDefinitions.map((d: any) => d.FeatureName)).toEqual(['event_time', 'customer_id', 'age']);
  });
});

describe('FeatureGroup rejects bad input at synth', () => {
  const expectError = (overrides: Partial<FeatureGroupProps>, message: RegExp) => expect(() => storeWithGroup(overrides)).toThrow(message);

  test('bad, reserved and duplicate feature names', () => {
    expectError({ features: [Feature.string('bad name'), Feature.integral('is_deleted'), Feature.integral('age'), Feature.fractional('age')] },
      /features\[\].name: got "bad name"[\s\S]*features\[\].name: got "is_deleted"; allowed: a name other than the reserved[\s\S]*features\[\].name: got "age"; allowed: each feature name once/);
  });

  test('a Fractional record identifier and an Integral event time', () => {
    expectError({ recordIdentifier: Feature.fractional('score'), eventTime: Feature.integral('ts') },
      /recordIdentifier: got "Fractional score"; allowed: a String or Integral feature[\s\S]*eventTime: got "Integral ts"; allowed: a String \(ISO-8601\) or Fractional/);
  });

  test('more than 2,500 features', () => {
    expectError({ features: Array.from({ length: 2500 }, (_, i) => Feature.integral(`f${i}`)) }, /features: got "2502 features"; allowed: at most 2500/);
  });

  test('neither an online nor an offline store', () => {
    expectError({ online: undefined, disableOfflineStore: true }, /online: got "nothing with disableOfflineStore: true"; allowed: an online store, or an offline store/);
  });

  test('a TTL under a minute, and provisioned throughput without an online store', () => {
    expectError({ online: { ttl: Duration.seconds(30) } }, /online.ttl: got "30 seconds"; allowed: at least 1 minute/);
    expectError({ online: undefined, throughput: ThroughputMode.provisioned(1, 1) }, /throughput: got "Provisioned"; allowed: OnDemand without an online store/);
  });

  test('querying the offline store of a group that has none', () => {
    const { stack, group } = storeWithGroup({ disableOfflineStore: true });
    expect(() => group.grantQueryOffline(new ManagedPolicyRole(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() }))).toThrow(/has no offline store to query/);
  });
});

describe('FeatureGroup.fromFeatureGroupName', () => {
  test('a feature group of another app can be read, written and measured', () => {
    // GIVEN
    const stack = newStack();
    const reader = new ManagedPolicyRole(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const writer = new ManagedPolicyRole(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const key = new SageMakerNetwork(stack, 'Network').encryptionKey;
    // WHEN
    const byName = FeatureGroup.fromFeatureGroupName(stack, 'Customers', 'Customers-V2');
    const withKey = FeatureGroup.fromFeatureGroupAttributes(stack, 'Orders', { featureGroupName: 'orders', encryptionKey: key });
    byName.grantRead(reader);
    withKey.grantWrite(writer);
    // THEN
    const template = Template.fromStack(stack);
    const statementsOf = (role: iam.Role) => Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((policy: any) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([stack.resolve(role.roleName)]))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    const groupArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:feature-group/${name}`]] });
    expect(stack.resolve(byName.featureGroupArn)).toEqual(groupArn('customers-v2'));
    expect(statementsOf(reader)).toEqual([expect.objectContaining({ Action: ['sagemaker:BatchGetRecord', 'sagemaker:GetRecord'], Resource: groupArn('customers-v2') })]);
    expect(statementsOf(writer)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sagemaker:DeleteRecord', 'sagemaker:PutRecord'], Resource: groupArn('orders') }),
      expect.objectContaining({ Action: expect.arrayContaining(['kms:GenerateDataKey']), Resource: stack.resolve(key.keyArn) }),
    ]));
    expect(byName.metricConsumedWriteUnits().dimensions).toEqual({ FeatureGroupName: 'Customers-V2', OperationName: 'PutRecord' });
    expect(byName.metricOperationLatency({ operation: 'BatchGetRecord' }).dimensions).toEqual({ FeatureGroupName: 'Customers-V2', OperationName: 'BatchGetRecord' });
  });
});
