/**
 * Renders a template value as a reviewer reads it: references as `LogicalId` or
 * `LogicalId.Attribute`, joins spelled out, imports as `import:Name`; and with anything that
 * changes without the architecture changing (asset hashes, configuration hashes) replaced by
 * `<hash>`, so a report only differs when the architecture does.
 */
export function show(value: unknown): string {
  return normalize(render(value));
}

function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(render).join(', ');
  const object = value as Record<string, any>;
  if ('Ref' in object) return String(object.Ref).startsWith('AWS::') ? `\${${object.Ref}}` : object.Ref;
  if ('Fn::GetAtt' in object) return (object['Fn::GetAtt'] as string[]).join('.');
  if ('Fn::Join' in object) return (object['Fn::Join'][1] as unknown[]).map(render).join(object['Fn::Join'][0]);
  if ('Fn::ImportValue' in object) return `import:${render(object['Fn::ImportValue'])}`;
  if ('Fn::Sub' in object) return render(Array.isArray(object['Fn::Sub']) ? object['Fn::Sub'][0] : object['Fn::Sub']);
  if ('Fn::FindInMap' in object) return `map:${(object['Fn::FindInMap'] as unknown[]).map(render).join('/')}`;
  if ('Fn::Select' in object) return `${render(object['Fn::Select'][1])}[${render(object['Fn::Select'][0])}]`;
  return JSON.stringify(object);
}

/**
 * Hex runs of 12 or more characters with a letter in them, or of 32 or more, are hashes (assets,
 * job configurations, exports); 12-digit account IDs stay.
 */
function normalize(text: string): string {
  return text.replace(/[0-9a-fA-F]{12,}/g, (run) => (run.length >= 32 || /[a-fA-F]/.test(run) ? '<hash>' : run));
}

/** The logical IDs a value refers to (Ref and GetAtt), in the same template. */
export function referencedIds(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedIds(item, found));
  } else if (value && typeof value === 'object') {
    const object = value as Record<string, any>;
    if (typeof object.Ref === 'string' && !object.Ref.startsWith('AWS::')) found.add(object.Ref);
    if (Array.isArray(object['Fn::GetAtt'])) found.add(object['Fn::GetAtt'][0]);
    Object.values(object).forEach((inner) => referencedIds(inner, found));
  }
  return found;
}

/** Whether a value is set to something (a literal or a reference). */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
}

/** Values as a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
