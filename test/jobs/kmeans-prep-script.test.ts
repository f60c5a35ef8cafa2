/**
 * The reference app's processing script (bin/processing/kmeans-prep/prep.cjs), run here on files,
 * as the processing job runs it on its mounted input.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', 'bin', 'processing', 'kmeans-prep', 'prep.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dropColumn, prepare } = require(SCRIPT) as {
  dropColumn(line: string, labelColumn: number): string[] | undefined;
  prepare(input: string, output: string, labelColumn?: number): Promise<number>;
};

function folders() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmeans-prep-'));
  const input = path.join(root, 'raw');
  fs.mkdirSync(path.join(input, 'part'), { recursive: true });
  return { root, input, output: path.join(root, 'train') };
}

describe('K-Means data preparation script', () => {
  test('drops the label column of every record of every CSV file, in file order, skipping empty lines', async () => {
    const { input, output } = folders();
    fs.writeFileSync(path.join(input, 'a.csv'), '7,0.1,0.2\r\n3,0.3,0.4\n\n');
    fs.writeFileSync(path.join(input, 'part', 'b.csv'), '1,0.5,0.6\n');
    fs.writeFileSync(path.join(input, 'notes.txt'), 'ignored');
    const records = await prepare(input, output);
    expect(records).toBe(3);
    expect(fs.readFileSync(path.join(output, 'train.csv'), 'utf8')).toBe('0.1,0.2\n0.3,0.4\n0.5,0.6\n');
  });

  test('another label column can be dropped; a record of another width is refused with where it is', async () => {
    expect(dropColumn('0.1,9,0.2', 1)).toEqual(['0.1', '0.2']);
    expect(dropColumn('  ', 0)).toBeUndefined();
    const { input, output } = folders();
    fs.writeFileSync(path.join(input, 'a.csv'), '7,0.1,0.2\n3,0.3\n');
    await expect(prepare(input, output)).rejects.toThrow(/a.csv:2: 2 fields, expected 3/);
  });

  test('run as the container runs it: exit 1 and the reason when there is no CSV input', () => {
    const { root, input, output } = folders();
    expect(() => execFileSync(process.execPath, [SCRIPT, '--input', input, '--output', output], { stdio: 'pipe' }))
      .toThrow(/no \.csv file under/);
    fs.writeFileSync(path.join(input, 'a.csv'), '1,2,3\n');
    const log = execFileSync(process.execPath, [SCRIPT, '--input', input, '--output', output], { encoding: 'utf8' });
    expect(JSON.parse(log)).toEqual({ level: 'info', what: 'prepared', records: 1, output });
    expect(fs.readFileSync(path.join(output, 'train.csv'), 'utf8')).toBe('2,3\n');
    fs.rmSync(root, { recursive: true, force: true });
  });
});
