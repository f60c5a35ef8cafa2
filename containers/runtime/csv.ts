/**
 * Numeric CSV (`text/csv`) into a Float32Array of rows, parsed straight from the bytes: number
 * parsing is the hot path of every training and inference request, so no string is made per
 * value (hand-written because `Number(string)` on split lines allocates per value).
 */
export interface Matrix {
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
  /** The line number after the last line parsed (for the next piece of the same file). */
  readonly nextLine: number;
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

const POW10 = Array.from({ length: 40 }, (_, i) => 10 ** i);

/** The row's column count checked against the first row's (and the expected count); returns the row width. */
function checkRow(column: number, columns: number, expectedColumns: number | undefined, source: string, line: number): number {
  const width = columns === -1 ? column : columns;
  if (column !== width || (expectedColumns !== undefined && column !== expectedColumns)) {
    throw new CsvError(`${source} line ${line}: ${column} columns, expected ${expectedColumns ?? width}`);
  }
  return width;
}

/**
 * Parses numeric CSV; every row must have the same number of columns (`expectedColumns` if given).
 * `firstLine` numbers the lines in errors when `bytes` is a later piece of a file.
 */
export function parseCsv(bytes: Uint8Array, expectedColumns?: number, source = 'payload', firstLine = 1): Matrix {
  // Every value takes at least two bytes with its separator: sized once, never grown. The loop's
  // state lives in locals, not in closures, so V8 keeps it in registers (a closure-captured counter
  // made this parser several times slower).
  const out = new Float32Array((bytes.length >> 1) + 1);
  let count = 0, rows = 0, columns = -1, column = 0, line = firstLine;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    let c = bytes[i];
    if (c === 10 || c === 13) { // \n or \r
      if (column > 0) { // not a blank line
        columns = checkRow(column, columns, expectedColumns, source, line);
        rows++;
        column = 0;
      }
      if (c === 13 && bytes[i + 1] === 10) i++;
      i++;
      line++;
      continue;
    }
    // One field: optional spaces, sign, digits, fraction, exponent.
    while (c === 32 || c === 9) c = bytes[++i];
    let negative = false;
    if (c === 45 || c === 43) { negative = c === 45; c = bytes[++i]; }
    let mantissa = 0, digits = 0, exponent = 0, any = false;
    while (c >= 48 && c <= 57) { if (digits < 17) { mantissa = mantissa * 10 + (c - 48); digits++; } else exponent++; any = true; c = bytes[++i]; }
    if (c === 46) {
      c = bytes[++i];
      while (c >= 48 && c <= 57) { if (digits < 17) { mantissa = mantissa * 10 + (c - 48); digits++; exponent--; } any = true; c = bytes[++i]; }
    }
    if (any && (c === 101 || c === 69)) { // e / E
      c = bytes[++i];
      let expNegative = false, exp = 0, expAny = false;
      if (c === 45 || c === 43) { expNegative = c === 45; c = bytes[++i]; }
      while (c >= 48 && c <= 57) { exp = exp * 10 + (c - 48); expAny = true; c = bytes[++i]; }
      if (!expAny) any = false;
      exponent += expNegative ? -exp : exp;
    }
    while (c === 32 || c === 9) c = bytes[++i];
    if (!any || !(i >= n || c === 44 || c === 10 || c === 13)) {
      throw new CsvError(`${source} line ${line}, column ${column + 1}: not a number`);
    }
    const magnitude = exponent >= 0 ? mantissa * (POW10[exponent] ?? 10 ** exponent) : mantissa / (POW10[-exponent] ?? 10 ** -exponent);
    const value = negative ? -magnitude : magnitude;
    if (!Number.isFinite(value)) throw new CsvError(`${source} line ${line}, column ${column + 1}: out of range`);
    out[count++] = value;
    column++;
    if (c === 44) i++; // ,
  }
  if (column > 0) {
    columns = checkRow(column, columns, expectedColumns, source, line);
    rows++;
    line++;
  }
  return { values: out.subarray(0, count), rows, columns: Math.max(columns, 0), nextLine: line };
}
