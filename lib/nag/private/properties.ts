import { CfnResource, Stack } from 'aws-cdk-lib';

/**
 * The resource's CloudFormation properties as they will be deployed, escape-hatch overrides
 * included, with references left as intrinsic objects.
 *
 * Rules judge the rendered template rather than the L1's typed props because a protection turned
 * off by `addPropertyOverride` is still turned off.
 */
export function renderedProperties(node: CfnResource): Record<string, any> {
  const rendered = Stack.of(node).resolve((node as any)._toCloudFormation()) as { Resources?: Record<string, { Properties?: Record<string, any> }> };
  const resources = rendered.Resources ?? {};
  const only = Object.values(resources)[0];
  return only?.Properties ?? {};
}

/** True only for a literal `true` (or the string CloudFormation passes to custom resources). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** True for any non-empty value: a literal, or a reference to a key or resource. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Reads a nested property by path, tolerating missing levels. */
export function at(value: any, ...path: string[]): any {
  let current = value;
  for (const key of path) {
    if (current === undefined || current === null || typeof current !== 'object') return undefined;
    current = current[key];
  }
  return current;
}
