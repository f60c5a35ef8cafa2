import * as crypto from 'node:crypto';
import { Names, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * `<base><suffix>` within `maxLength` characters, still unique when cut: a base too long keeps its
 * head and gets a hash of the whole base (a plain cut would drop what tells two long names apart,
 * such as the hash at the end of a generated endpoint name). A base known only at deploy time (a
 * token) cannot be cut or changed at synth, so the name is derived from the construct's path.
 */
export function boundedName(scope: IConstruct, base: string, suffix: string, maxLength: number): string {
  if (Token.isUnresolved(base)) {
    return `${Names.uniqueResourceName(scope, { maxLength: maxLength - suffix.length, separator: '-' })}${suffix}`;
  }
  if (base.length + suffix.length <= maxLength) return `${base}${suffix}`;
  const hash = crypto.createHash('sha256').update(base).digest('hex').slice(0, 8);
  const head = base.slice(0, maxLength - suffix.length - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}${suffix}`;
}
