/**
 * Apps for tests, made as `cdk synth` makes the reference app's: with cdk.json's context (the
 * feature flags aws-cdk-lib recommends for the version pinned), so what tests assert is what the
 * app synthesizes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, AppProps } from 'aws-cdk-lib';
import { FAIL_FAST_CONTEXT } from '../../lib/core/private/validation-report';

/** cdk.json's `context`: the recommended feature flags and the project's own settings. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

export interface TestAppOptions extends AppProps {
  /**
   * Whether a construct with invalid props throws where it is made (so `expect(() => new X(...)).toThrow()`
   * works) rather than in the app's one report at synth.
   * @default true
   */
  readonly failFastValidation?: boolean;
}

/** An App with cdk.json's context, and fail-fast validation unless asked otherwise. */
export function newApp(options: TestAppOptions = {}): App {
  const { failFastValidation = true, context, ...props } = options;
  return new App({ ...props, context: { ...CDK_JSON_CONTEXT, [FAIL_FAST_CONTEXT]: failFastValidation, ...context } });
}
