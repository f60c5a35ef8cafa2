import { CsvError, parseCsv } from '../../containers/runtime/csv';

const bytes = (text: string) => Buffer.from(text);

describe('numeric CSV parser', () => {
  test('parses signs, fractions, exponents, spaces and CRLF as Number() does, to float32', () => {
    // GIVEN numbers in every form the parser accepts, in rows of three
    const forms = ['0', '-1', '+2.5', '3.', '.25', '1e3', '-4.5E-2', ' 7 ', '123456789.123456789', '1e-30', '6.02e23', '-0.0001'];
    const cells = Array.from({ length: 300 }, (_, i) => forms[i % forms.length].replace('7', String(i)));
    const lines = Array.from({ length: 100 }, (_, r) => cells.slice(r * 3, r * 3 + 3).join(','));
    // WHEN
    const matrix = parseCsv(bytes(lines.join('\r\n') + '\n\n'), 3);
    // THEN
    expect([matrix.rows, matrix.columns]).toEqual([100, 3]);
    expect(Array.from(matrix.values)).toEqual(cells.map((cell) => Math.fround(Number(cell))));
  });

  test('a larger body than the first buffer keeps every value', () => {
    // GIVEN 5,000 values
    const values = Array.from({ length: 5000 }, (_, i) => Math.sin(i).toFixed(6));
    // WHEN
    const matrix = parseCsv(bytes(Array.from({ length: 100 }, (_, r) => values.slice(r * 50, r * 50 + 50).join(',')).join('\n')));
    // THEN
    expect(matrix.values.length).toBe(5000);
    expect(Array.from(matrix.values)).toEqual(values.map((v) => Math.fround(Number(v))));
  });

  test.each([
    ['1,2\n3', /payload line 2: 1 columns, expected 2/],
    ['1,x', /payload line 1, column 2: not a number/],
    ['1e', /not a number/],
    ['1,,2', /column 2: not a number/],
    ['1e999', /column 1: out of range/],
  ])('rejects %p naming the line and column', (text, message) => {
    expect(() => parseCsv(bytes(text))).toThrow(CsvError);
    expect(() => parseCsv(bytes(text))).toThrow(message);
  });
});
