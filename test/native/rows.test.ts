// allocateRows: the Float32Array a training channel's rows are gathered into. From 2 MiB up it is
// memory of its own advised as transparent huge pages (where the host's THP mode allows them),
// zero-filled like any Float32Array, and unmapped when the garbage collector frees the array.
import * as fs from 'node:fs';
import { allocateRows, nativeBinding } from '../../containers/native';
import { collectUntil } from '../helpers/gc';

const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const hugePagesAllowed = fs.existsSync(THP) && !fs.readFileSync(THP, 'utf8').includes('[never]');

/** KiB of this process: anonymous memory resident, and of it on huge pages. */
function memoryKiB(): { anonymous: number; huge: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8'), rollup = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
  return { anonymous: Number(/RssAnon:\s+(\d+) kB/.exec(status)![1]), huge: Number(/AnonHugePages:\s+(\d+) kB/.exec(rollup)![1]) };
}

const MIB = 1024;

describe('allocateRows', () => {
  test('Given 64 MiB of rows, When they are written, Then they read back, start at zero and sit on huge pages', () => {
    // GIVEN
    const before = memoryKiB();

    // WHEN
    const rows = allocateRows(16 * 1024 * 1024);
    const zeros = rows[12345] === 0 && rows[rows.length - 1] === 0;
    for (let i = 0; i < rows.length; i += 1024) rows[i] = i;

    // THEN
    expect(rows).toBeInstanceOf(Float32Array);
    expect(rows.length).toBe(16 * 1024 * 1024);
    expect(zeros).toBe(true);
    expect(rows[1024 * 1000]).toBe(1024 * 1000);
    expect(rows[1]).toBe(0);
    if (hugePagesAllowed) expect(memoryKiB().huge - before.huge).toBeGreaterThanOrEqual(32 * MIB);
    // and the addon says so of this array (what the training's placement line reports)
    if (hugePagesAllowed) expect(nativeBinding().hugePageBytes(rows)).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(nativeBinding().hugePageBytes(rows)).toBeLessThanOrEqual(rows.byteLength);
  });

  test('Given rows no longer referenced, When the garbage collector runs, Then their memory is returned', async () => {
    // GIVEN
    const before = memoryKiB().anonymous;
    let rows: Float32Array | undefined = allocateRows(16 * 1024 * 1024);
    rows.fill(1);
    expect(memoryKiB().anonymous - before).toBeGreaterThanOrEqual(48 * MIB);

    // WHEN
    rows = undefined;

    // THEN
    expect(await collectUntil(() => memoryKiB().anonymous - before < 16 * MIB)).toBe(true);
  });

  test('Given fewer rows than a huge page, When allocated, Then a plain zeroed Float32Array comes back', () => {
    // WHEN
    const rows = allocateRows(100);

    // THEN
    expect(rows).toBeInstanceOf(Float32Array);
    expect(Array.from(rows)).toEqual(new Array(100).fill(0));
    expect(allocateRows(0).length).toBe(0);
  });

  test.each([-1, 1.5, Number.NaN, 2 ** 32])('Given a length of %p, When allocated, Then the addon refuses it by name', (length) => {
    expect(() => nativeBinding().allocateRows(length)).toThrow('allocateRows(length): a whole number of floats from 0 to 4,294,967,295');
  });
});
