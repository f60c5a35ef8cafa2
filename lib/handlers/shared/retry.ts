/**
 * Errors worth retrying: the API asked us to slow down or had a passing fault, or the call timed
 * out or lost its connection. Retrying a Create after a timeout is safe here: job names are
 * deterministic, so a job the lost call did create answers ResourceInUse, which the handler treats
 * as success.
 */
const RETRYABLE = new Set([
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded',
  'ServiceUnavailable', 'InternalFailure', 'InternalServerError',
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
]);
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN']);

export function isRetryable(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return RETRYABLE.has(name ?? '') || RETRYABLE_NETWORK_CODES.has(code ?? '');
}

/** Backoff settings; tests shorten the delay. */
export const retryPolicy = { attempts: 8, baseDelayMs: 400, maxDelayMs: 20_000 };

/**
 * Runs `call`, retrying throttling and transient faults with exponential backoff and full jitter.
 * The SDK clients here are built with `maxAttempts: 1` so this is the one retry policy in force.
 */
export async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= retryPolicy.attempts || !isRetryable(error)) throw error;
      const ceiling = Math.min(retryPolicy.maxDelayMs, retryPolicy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
