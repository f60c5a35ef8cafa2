/**
 * Numeric CSV (`text/csv`) into a Float32Array of rows, parsed straight from the bytes: number
 * parsing is the hot path of every training and inference request, so no string is made per
 * value (hand-written because `Number(string)` on split lines allocates per value).
 */
export interface Matrix {
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

const POW10 = Array.from({ length: 40 }, (_, i) => 10 ** i);

/** Parses numeric CSV; every row must have the same number of columns (`expectedColumns` if given). */
export function parseCsv(bytes: Uint8Array, expectedColumns?: number, source = 'payload'): Matrix {
  let out = new Float32Array(1024);
  let count = 0, rows = 0, columns = -1, column = 0, line = 1;
  let i = 0;
  const n = bytes.length;
  const push = (value: number) => {
    if (count === out.length) {
      const grown = new Float32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[count++] = value;
  };
  const endRow = () => {
    if (column === 0) return; // blank line
    if (columns === -1) columns = column;
    if (column !== columns || (expectedColumns !== undefined && column !== expectedColumns)) {
      throw new CsvError(`${source} line ${line}: ${column} columns, expected ${expectedColumns ?? columns}`);
    }
    rows++;
    column = 0;
  };
  while (i < n) {
    let c = bytes[i];
    if (c === 10 || c === 13) { // \n or \r
      endRow();
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
    push(value);
    column++;
    if (c === 44) i++; // ,
  }
  endRow();
  return { values: out.subarray(0, count), rows, columns: Math.max(columns, 0) };
}
