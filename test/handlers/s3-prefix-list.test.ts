import { DescribeManagedPrefixListsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lib/handlers/s3-prefix-list';
import { CfnResponseServer } from '../helpers/cfn-response-server';

const ec2 = mockClient(EC2Client);
const cloudFormation = new CfnResponseServer();

beforeAll(async () => {
  process.env.AWS_REGION = 'eu-west-1';
  await cloudFormation.start();
});
afterAll(() => cloudFormation.stop());
afterEach(() => jest.restoreAllMocks());
beforeEach(() => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  ec2.reset();
  cloudFormation.responses.length = 0;
});

describe('s3-prefix-list handler', () => {
  test('Create finds the region\'s S3 prefix list and reports its ID', async () => {
    // GIVEN
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [{ PrefixListId: 'pl-6da54004', PrefixListName: 'com.amazonaws.eu-west-1.s3' }] });
    // WHEN
    await handler(cloudFormation.event('Create'));
    // THEN
    expect(ec2.commandCalls(DescribeManagedPrefixListsCommand)[0].args[0].input).toEqual({
      Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.eu-west-1.s3'] }],
    });
    expect(cloudFormation.responses).toEqual([expect.objectContaining({
      Status: 'SUCCESS', PhysicalResourceId: 'pl-6da54004', Data: { PrefixListId: 'pl-6da54004' }, LogicalResourceId: 'Resource',
    })]);
  });

  test('Update looks it up again', async () => {
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [{ PrefixListId: 'pl-1' }] });
    await handler(cloudFormation.event('Update', {}, 'pl-0'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'pl-1' });
  });

  test('Delete calls nothing and keeps the physical ID', async () => {
    await handler(cloudFormation.event('Delete', {}, 'pl-6da54004'));
    expect(ec2.calls()).toHaveLength(0);
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'pl-6da54004' });
  });

  test('no prefix list of that name fails the resource with a reason that says what to do', async () => {
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
    await handler(cloudFormation.event('Create'));
    expect(cloudFormation.responses[0]).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/No AWS-managed prefix list named com.amazonaws.eu-west-1.s3.*pass s3PrefixListId/),
    });
    expect(console.error).toHaveBeenCalledWith(expect.stringContaining('"requestType":"Create"'));
  });

  test('an API error (throttling) fails the resource instead of leaving CloudFormation waiting', async () => {
    ec2.on(DescribeManagedPrefixListsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await handler(cloudFormation.event('Create'));
    expect(cloudFormation.responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'ThrottlingException: Rate exceeded' });
  });
});
