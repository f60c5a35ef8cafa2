/**
 * How lib/ hangs together: its modules (the folders under lib/) import one another without a
 * cycle, no file takes part in a runtime import cycle, and handler code and construct code never
 * import each other (the handlers are bundled into Lambda on their own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const LIB = path.join(__dirname, '..', '..', 'lib');

interface Import { readonly from: string; readonly to: string; readonly typeOnly: boolean }

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The relative imports (and re-exports) of every file under lib/, resolved to files. */
function importsUnder(dir: string): Import[] {
  const found: Import[] = [];
  for (const file of sourceFiles(dir)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    for (const statement of source.statements) {
      const isImport = ts.isImportDeclaration(statement);
      if (!isImport && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
      const base = path.resolve(path.dirname(file), specifier.text);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate)) ?? base;
      const typeOnly = isImport ? statement.importClause?.isTypeOnly === true : statement.isTypeOnly;
      found.push({ from: file, to: target, typeOnly });
    }
  }
  return found;
}

/** A cycle in a directed graph, as the nodes along it, or undefined. */
function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...trail.slice(trail.indexOf(node)), node];
    state.set(node, 'visiting');
    trail.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

function graph(pairs: Array<[string, string]>): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [from, to] of pairs) {
    if (from === to) continue;
    edges.set(from, (edges.get(from) ?? new Set()).add(to));
  }
  return edges;
}

/** `core`, `private`, `inference`, ...: the first folder under lib/ (index.ts only re-exports). */
const moduleOf = (file: string) => path.relative(LIB, file).split(path.sep)[0];
const insideLib = (file: string) => !path.relative(LIB, file).startsWith('..');

describe('the module graph of lib/', () => {
  const imports = importsUnder(LIB).filter((i) => moduleOf(i.from) !== 'index.ts');

  test('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(100);
  });

  test('has no cycle between modules (type-only imports included)', () => {
    const edges = graph(imports.filter((i) => insideLib(i.to)).map((i) => [moduleOf(i.from), moduleOf(i.to)]));
    expect(edges.size).toBeGreaterThan(5);
    expect(findCycle(edges)).toBeUndefined();
  });

  test('has no runtime import cycle between files', () => {
    const edges = graph(imports.filter((i) => !i.typeOnly).map((i) => [path.relative(LIB, i.from), path.relative(LIB, i.to)]));
    expect(findCycle(edges)).toBeUndefined();
  });

  test('keeps handler code and construct code apart', () => {
    const crossing = imports.filter((i) => (moduleOf(i.from) === 'handlers') !== (moduleOf(i.to) === 'handlers') && insideLib(i.to));
    expect(crossing.map((i) => `${path.relative(LIB, i.from)} -> ${path.relative(LIB, i.to)}`)).toEqual([]);
  });
});
