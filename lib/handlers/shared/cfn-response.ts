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

/** The part of Lambda's context the handlers use. */
export interface DeadlineContext {
  getRemainingTimeInMillis(): number;
}

export interface HandlingOptions {
  /**
   * Lambda's context: if the work is not done shortly before the function would time out, the
   * resource is reported FAILED then, instead of leaving CloudFormation waiting for an answer.
   * @default no deadline
   */
  readonly context?: DeadlineContext;
  /**
   * The physical ID to report when the work fails, e.g. the name of a job a failed Create may
   * have started, so the rollback's Delete can stop it.
   * @default the event's physical ID (the logical ID on Create)
   */
  readonly physicalResourceIdOnFailure?: string;
}

/** Time kept back from the function's timeout to upload the FAILED response. */
export const RESPONSE_MARGIN_MS = 10_000;

/** Runs `work` for the event and reports success or the error's message, exactly once; never throws. */
export async function handleCustomResource(
  event: CloudFormationCustomResourceEvent,
  work: (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceResult>,
  options: HandlingOptions = {},
): Promise<void> {
  let outcome: Parameters<typeof respond>[1];
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = options.context && new Promise<never>((_, reject) => {
      const budget = Math.max(0, options.context!.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
      timer = setTimeout(() => reject(new Error(`gave up after ${Math.round(budget / 1000)} s, before the function's own timeout`)), budget);
    });
    outcome = { status: 'SUCCESS', result: await (deadline ? Promise.race([work(event), deadline]) : work(event)) };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(JSON.stringify({ level: 'error', logicalResourceId: event.LogicalResourceId, requestType: event.RequestType, message }));
    outcome = { status: 'FAILED', reason: message, physicalResourceId: options.physicalResourceIdOnFailure };
  } finally {
    clearTimeout(timer);
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
