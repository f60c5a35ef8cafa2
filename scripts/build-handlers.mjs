// Bundles each Lambda handler under lib/handlers/<name>/index.ts into assets/handlers/<name>/index.js.
// Handlers are bundled (SDK clients included) so what runs in Lambda is exactly the version tested here.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const handlersDir = join(root, 'lib', 'handlers');
const names = readdirSync(handlersDir).filter((name) => existsSync(join(handlersDir, name, 'index.ts')));

await Promise.all(names.map((name) => build({
  entryPoints: [join(handlersDir, name, 'index.ts')],
  outfile: join(root, 'assets', 'handlers', name, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
})));
console.log(`bundled ${names.length} handler(s): ${names.join(', ')}`);
