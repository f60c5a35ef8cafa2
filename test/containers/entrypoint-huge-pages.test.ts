// Each image's entrypoint, run for real with a stand-in program beside it: `train` backs large
// allocations with transparent huge pages (glibc.malloc.hugetlb=1, keeping tunables already set),
// `serve` leaves glibc alone. Where the kernel allows huge pages (THP not "never"), a 64 MiB
// Float32Array of the training process lands on them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CONTAINERS = path.join(__dirname, '../../containers');
const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const hugePagesAllowed = fs.existsSync(THP) && !fs.readFileSync(THP, 'utf8').includes('[never]');

/** What the stand-in program saw: its GLIBC_TUNABLES and the KiB of its memory on huge pages after touching 64 MiB of rows. */
interface Seen {
  readonly tunables: string | null;
  readonly hugeKiB: number;
}

function run(algorithm: string, command: string, env: NodeJS.ProcessEnv = {}): Seen {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entrypoint-'));
  try {
    fs.copyFileSync(path.join(CONTAINERS, algorithm, 'entrypoint'), path.join(dir, 'entrypoint'));
    fs.chmodSync(path.join(dir, 'entrypoint'), 0o755);
    fs.writeFileSync(path.join(dir, 'main.js'), [
      'const rows = new Float32Array(16 * 1024 * 1024);',
      'for (let i = 0; i < rows.length; i += 1024) rows[i] = i;',
      "const huge = /AnonHugePages:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8'));",
      'console.log(JSON.stringify({ tunables: process.env.GLIBC_TUNABLES ?? null, hugeKiB: huge ? Number(huge[1]) : 0, sum: rows[1024] }));',
    ].join('\n'));
    const { GLIBC_TUNABLES: _unset, ...inherited } = process.env;
    const result = spawnSync(path.join(dir, 'entrypoint'), [command], { env: { ...inherited, ...env }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as Seen;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(['kmeans', 'linear-learner', 'preprocessing'])('the %s entrypoint', (algorithm) => {
  test('Given train, When it starts the program, Then glibc backs large allocations with huge pages', () => {
    // WHEN
    const seen = run(algorithm, 'train');

    // THEN
    expect(seen.tunables).toBe('glibc.malloc.hugetlb=1');
    if (hugePagesAllowed) expect(seen.hugeKiB).toBeGreaterThanOrEqual(32 * 1024);
  });

  test('Given tunables already set, When it trains, Then they are kept and huge pages added', () => {
    // WHEN
    const seen = run(algorithm, 'train', { GLIBC_TUNABLES: 'glibc.malloc.check=0' });

    // THEN
    expect(seen.tunables).toBe('glibc.malloc.check=0:glibc.malloc.hugetlb=1');
  });

  test('Given serve, When it starts the program, Then glibc keeps its defaults', () => {
    // WHEN
    const seen = run(algorithm, 'serve');

    // THEN
    expect(seen.tunables).toBeNull();
  });
});
