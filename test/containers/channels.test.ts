import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readChannel } from '../../containers/runtime/channels';
import { OptMl } from '../../containers/runtime/layout';
import { encodeRecords } from '../../containers/runtime/recordio';

/** A /opt/ml whose train channel holds `files` (name → bytes) of one content type. */
function channel(files: Record<string, string | Buffer>, contentType = 'text/csv'): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-channel-')));
  fs.mkdirSync(layout.channel('train'), { recursive: true });
  fs.mkdirSync(path.dirname(layout.inputDataConfigFile), { recursive: true });
  fs.writeFileSync(layout.inputDataConfigFile, JSON.stringify({ train: { ContentType: contentType } }));
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(layout.channel('train'), name), bytes);
  return layout;
}

const rows = (n: number, d: number, offset = 0) => Array.from({ length: n }, (_, r) => Array.from({ length: d }, (_, j) => Number(Math.sin((r + offset) * 3.1 + j).toFixed(5))));

describe('reading a channel a piece at a time', () => {
  test('CSV read in 64-byte pieces gives the rows, labels and order of a whole-file read, across files', () => {
    // GIVEN two files whose lines straddle many 64-byte pieces, one line longer than a piece
    const first = rows(50, 4), second = rows(30, 4, 50);
    second[7] = second[7].map((v) => v + 0.000123456789);
    const layout = channel({ 'a.csv': first.map((r) => r.join(',')).join('\n'), 'b.csv': second.map((r) => r.join(',')).join('\r\n') + '\r\n' });
    // WHEN
    const pieces = readChannel(layout, 'train', undefined, true, 64);
    const whole = readChannel(layout, 'train', undefined, true);
    // THEN
    expect(pieces.rows).toBe(80);
    expect(pieces.d).toBe(3);
    expect(Array.from(pieces.x)).toEqual(Array.from(whole.x));
    expect(Array.from(pieces.y!)).toEqual([...first, ...second].map((r) => Math.fround(r[0])));
  });

  test('a bad line in a later piece is reported with its line number in its file', () => {
    const lines = rows(40, 3).map((r) => r.join(','));
    lines[33] = '1,2';
    const layout = channel({ 'data.csv': lines.join('\n') });
    expect(() => readChannel(layout, 'train', 3, false, 64)).toThrow('data.csv line 34: 2 columns, expected 3');
  });

  test('RecordIO read in 64-byte pieces (frames never split) gives the same rows as a whole-file read', () => {
    const data = rows(60, 5);
    const layout = channel({ 'part-0.rec': encodeRecords(data.map((values) => ({ values }))) }, 'application/x-recordio-protobuf');
    const pieces = readChannel(layout, 'train', 5, false, 64);
    expect(pieces.rows).toBe(60);
    expect(Array.from(pieces.x)).toEqual(data.flat().map(Math.fround));
  });

  test('RecordIO with a bad header stops at it with the parser\'s reason', () => {
    const good = encodeRecords(rows(3, 5).map((values) => ({ values })));
    const layout = channel({ 'part-0.rec': Buffer.concat([good, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])]) }, 'application/x-recordio-protobuf');
    expect(() => readChannel(layout, 'train', 5, false, 64)).toThrow(/bad RecordIO magic 0x4030201/);
  });
});

describe('where a channel\'s rows are held', () => {
  const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
  const hugePagesAllowed = fs.existsSync(THP) && !fs.readFileSync(THP, 'utf8').includes('[never]');
  const hugeKiB = () => Number(/AnonHugePages:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))![1]);

  (hugePagesAllowed ? test : test.skip)('Given 8 MiB of rows in RecordIO, When the channel is read, Then its rows sit on huge pages (every epoch reads them all)', () => {
    // GIVEN 2,048 records of 1,024 features
    const d = 1024, n = 2048;
    const data = Array.from({ length: n }, (_, r) => Array.from({ length: d }, (__, j) => ((r * d + j) % 997) * 0.25));
    const layout = channel({ 'part-0': encodeRecords(data.map((values) => ({ values }))) }, 'application/x-recordio-protobuf');
    const before = hugeKiB();

    // WHEN
    const read = readChannel(layout, 'train', d);

    // THEN
    expect(read.rows).toBe(n);
    expect(read.x[n * d - 1]).toBe(data[n - 1][d - 1]);
    expect(hugeKiB() - before).toBeGreaterThanOrEqual(4 * 1024);
  });
});
