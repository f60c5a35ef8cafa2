import * as http from 'node:http';
import * as https from 'node:https';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** What a handler reports back to CloudFormation. */
export interface CustomResourceResult {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

/**
 * Sends the custom resource's outcome to CloudFormation's pre-signed S3 URL.
 *
 * Handlers here are invoked directly by CloudFormation (no Provider framework: that would add a
 * second Lambda function per resource type), so they answer themselves, with Node's own https.
 */
export async function respond(
  event: CloudFormationCustomResourceEvent,
  outcome: { status: 'SUCCESS'; result: CustomResourceResult } | { status: 'FAILED'; reason: string; physicalResourceId?: string },
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.status === 'FAILED' ? outcome.reason.slice(0, 3000) : undefined,
    PhysicalResourceId: outcome.status === 'SUCCESS'
      ? outcome.result.physicalResourceId
      : outcome.physicalResourceId ?? ('PhysicalResourceId' in event ? event.PhysicalResourceId : event.LogicalResourceId),
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.status === 'SUCCESS' ? outcome.result.data : undefined,
  });
  await put(event.ResponseURL, body);
}

/** Runs `work` for the event and reports success or the error's message; never throws. */
export async function handleCustomResource(
  event: CloudFormationCustomResourceEvent,
  work: (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceResult>,
): Promise<void> {
  let outcome: Parameters<typeof respond>[1];
  try {
    outcome = { status: 'SUCCESS', result: await work(event) };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(JSON.stringify({ level: 'error', logicalResourceId: event.LogicalResourceId, requestType: event.RequestType, message }));
    outcome = { status: 'FAILED', reason: message };
  }
  await respond(event, outcome);
}

/** PUTs a body to a pre-signed S3 URL (custom resource responses, wait condition signals). */
export function put(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // CloudFormation always sends an https URL; plain http is accepted for tests on loopback.
    const transport = url.startsWith('http:') ? http : https;
    const request = transport.request(url, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode && response.statusCode < 300
        ? resolve()
        : reject(new Error(`CloudFormation response upload failed with HTTP ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}
