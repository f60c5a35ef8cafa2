import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lib/handlers/sagemaker-job';
import { jobHandlerHarness } from '../helpers/job-handler-harness';

const { cloudFormation } = jobHandlerHarness();
const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const props = { Bucket: 'captures', Key: 'model-bias/churn/analysis_config.json', KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k', Config: '{"label":"churned"}' };
const TYPE = 'Custom::SageMakerClarifyAnalysisConfig';

describe('sagemaker-job handler: a Clarify analysis configuration', () => {
  test('writes the JSON at its key with the KMS key and returns its URI', async () => {
    // GIVEN
    s3.on(PutObjectCommand).resolves({});
    // WHEN
    await handler(cloudFormation.event('Create', props, undefined, TYPE));
    // THEN
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
      Bucket: 'captures', Key: props.Key, Body: props.Config, ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: props.KmsKeyId,
    });
    const uri = `s3://captures/${props.Key}`;
    expect(cloudFormation.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: uri, Data: { S3Uri: uri } })]);
  });

  test('a delete leaves the object; a configuration that is not JSON fails without writing', async () => {
    await handler(cloudFormation.event('Delete', props, 's3://captures/x', TYPE));
    await handler(cloudFormation.event('Update', { ...props, Config: '{not json' }, 's3://captures/x', TYPE));
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(cloudFormation.responses.map((r: any) => r.Status)).toEqual(['SUCCESS', 'FAILED']);
  });
});
