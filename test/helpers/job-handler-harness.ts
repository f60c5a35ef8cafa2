import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { retryPolicy } from '../../lib/handlers/shared/retry';
import { CfnResponseServer } from './cfn-response-server';

/** A training job name as the constructs make them: path prefix and configuration hash. */
export const JOB_NAME = 'platform-kmeans-1a2b3c4d-0123456789ab';

/**
 * The job handler's test set-up, registered in the calling suite: SageMaker mocked at the SDK
 * boundary, CloudFormation's response URL on loopback, retries without waiting, logs quiet.
 */
export function jobHandlerHarness() {
  const sagemaker = mockClient(SageMakerClient);
  const cloudFormation = new CfnResponseServer();
  beforeAll(async () => {
    retryPolicy.baseDelayMs = 1;
    await cloudFormation.start();
  });
  afterAll(() => cloudFormation.stop());
  beforeEach(() => {
    sagemaker.reset();
    cloudFormation.responses.length = 0;
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  return { sagemaker, cloudFormation };
}
