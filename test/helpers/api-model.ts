import { SageMakerClient } from '@aws-sdk/client-sagemaker';

/**
 * The request body the SDK would send for a command: the SDK serializes from the SageMaker API
 * model, member by member, and drops every field the model does not define. A request whose body
 * equals its input (`expect(await sentBody(cmd)).toEqual(withoutUndefined(input))`) uses only
 * the API's own field names, at every depth.
 */
export async function sentBody(command: any): Promise<unknown> {
  const client = new SageMakerClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: { handle: async (request: { body: Uint8Array | string }) => { throw new CapturedRequest(request.body); } } as any,
  });
  try {
    await client.send(command);
  } catch (error) {
    if (error instanceof CapturedRequest) {
      const body = error.body;
      return JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    }
    throw error;
  }
  throw new Error('The request was not captured');
}

/** The value as JSON carries it: undefined members gone. */
export function withoutUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

class CapturedRequest extends Error {
  constructor(public readonly body: Uint8Array | string) {
    super('captured');
  }
}
