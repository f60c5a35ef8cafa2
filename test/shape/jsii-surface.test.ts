/**
 * The public (jsii) surface, read from the `.jsii` assembly that `npm run build` writes: what
 * Python, Java, .NET and Go users see. It must carry no L1 `Cfn*` type and no `any` (neither
 * crosses languages as a stable, documented shape), and each file defines at most one construct.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const ASSEMBLY = path.join(ROOT, '.jsii');

/** The newest modification time of the TypeScript the assembly is compiled from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

interface TypeReference { primitive?: string; fqn?: string; collection?: { elementtype: TypeReference }; union?: { types: TypeReference[] } }
interface Parameter { name: string; type: TypeReference }
interface Callable { name?: string; parameters?: Parameter[]; returns?: { type: TypeReference } }
interface JsiiType {
  kind: string;
  fqn: string;
  base?: string;
  locationInModule?: { filename: string };
  properties?: Array<{ name: string; type: TypeReference }>;
  methods?: Callable[];
  initializer?: Callable;
}

function loadAssembly(): Record<string, JsiiType> {
  if (!fs.existsSync(ASSEMBLY) || fs.statSync(ASSEMBLY).mtimeMs < newestSource(path.join(ROOT, 'lib'))) {
    execFileSync(process.execPath, [require.resolve('jsii/bin/jsii'), '--silence-warnings=reserved-word'], { cwd: ROOT, stdio: 'pipe' });
  }
  return JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8')).types;
}

/** Every type a member mentions, flattened, with where it is mentioned. */
function mentions(types: Record<string, JsiiType>): Array<{ where: string; type: TypeReference }> {
  const found: Array<{ where: string; type: TypeReference }> = [];
  const visit = (where: string, type?: TypeReference) => {
    if (!type) return;
    found.push({ where, type });
    visit(where, type.collection?.elementtype);
    type.union?.types.forEach((member) => visit(where, member));
  };
  for (const [fqn, type] of Object.entries(types)) {
    type.properties?.forEach((p) => visit(`${fqn}.${p.name}`, p.type));
    for (const method of [...(type.methods ?? []), ...(type.initializer ? [{ ...type.initializer, name: '<init>' }] : [])]) {
      visit(`${fqn}.${method.name}()`, method.returns?.type);
      method.parameters?.forEach((p) => visit(`${fqn}.${method.name}(${p.name})`, p.type));
    }
  }
  return found;
}

/**
 * cdk-nag's `NagPack.checkResource(node: CfnResource)` is the contract a rule pack implements:
 * `CfnResource` is the generic base of every L1, not an L1 resource type.
 */
const INHERITED_CONTRACTS = new Set(['sagemaker-secure-constructs.SageMakerChecks.checkResource(node)']);

describe('the jsii surface', () => {
  const types = loadAssembly();

  test('has no L1 (Cfn*) type', () => {
    const l1 = mentions(types).filter(({ where, type }) => /\.Cfn[A-Z]/.test(type.fqn ?? '') && !INHERITED_CONTRACTS.has(where));
    expect(l1.map(({ where, type }) => `${where}: ${type.fqn}`)).toEqual([]);
  });

  test('has no any', () => {
    const untyped = mentions(types).filter(({ type }) => type.primitive === 'any');
    expect(untyped.map(({ where }) => where)).toEqual([]);
  });

  test('defines at most one construct per file', () => {
    const isConstruct = (fqn?: string): boolean => fqn === 'constructs.Construct' || fqn === 'aws-cdk-lib.Resource'
      || (fqn !== undefined && types[fqn] !== undefined && isConstruct(types[fqn].base));
    const byFile = new Map<string, string[]>();
    for (const type of Object.values(types)) {
      if (type.kind !== 'class' || !isConstruct(type.base) || !type.locationInModule) continue;
      byFile.set(type.locationInModule.filename, [...(byFile.get(type.locationInModule.filename) ?? []), type.fqn]);
    }
    expect(byFile.size).toBeGreaterThan(5);
    expect([...byFile.entries()].filter(([, constructs]) => constructs.length > 1)).toEqual([]);
  });

  test('offers an interface and an importer for what other apps reference', () => {
    const staticMethods = (fqn: string) => (types[`sagemaker-secure-constructs.${fqn}`].methods ?? []).map((m) => m.name);
    expect(Object.keys(types)).toEqual(expect.arrayContaining(
      ['IModelSource', 'IServableModel', 'IEndpoint', 'IFeatureGroup'].map((name) => `sagemaker-secure-constructs.${name}`)));
    expect(staticMethods('MonitoredEndpoint')).toEqual(expect.arrayContaining(['fromEndpointName', 'fromEndpointAttributes']));
    expect(staticMethods('FeatureGroup')).toEqual(expect.arrayContaining(['fromFeatureGroupName', 'fromFeatureGroupAttributes']));
    expect(staticMethods('ServableModel')).toContain('fromModelName');
    expect(staticMethods('ModelSource')).toContain('fromS3');
  });
});
