import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * A loopback HTTP server standing in for CloudFormation's pre-signed response URL, so handler
 * tests exercise the real response upload and read what CloudFormation would receive.
 */
export class CfnResponseServer {
  public readonly responses: any[] = [];
  private server?: http.Server;

  public async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.responses.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  public get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/response`;
  }

  /** A custom resource event of the given type that answers to this server. */
  public event(
    requestType: 'Create' | 'Update' | 'Delete',
    properties: Record<string, unknown> = {},
    physicalResourceId = 'existing',
    resourceType = 'Custom::Test',
  ): CloudFormationCustomResourceEvent {
    const base = {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:handler',
      ResponseURL: this.url,
      StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/s/1',
      RequestId: `request-${this.responses.length}`,
      LogicalResourceId: 'Resource',
      ResourceType: resourceType,
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:handler', ...properties },
    };
    if (requestType === 'Create') return { ...base, RequestType: 'Create' };
    if (requestType === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: physicalResourceId, OldResourceProperties: base.ResourceProperties };
    return { ...base, RequestType: 'Delete', PhysicalResourceId: physicalResourceId };
  }
}
