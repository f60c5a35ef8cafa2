/** The raw float files the Python peers write for our side of a benchmark. */
import * as fs from 'node:fs';
import { allocateRows } from '../containers/native';

// Copied out of the Buffer: a small file's Buffer is a slice of a shared pool.
function bytes(file: string): ArrayBuffer {
  const buffer = fs.readFileSync(file);
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/** The rows in memory allocated as training allocates a channel's (allocateRows: huge pages where the host allows). */
export function readRows(file: string): Float32Array {
  const values = new Float32Array(bytes(file));
  const rows = allocateRows(values.length);
  rows.set(values);
  return rows;
}

export const readFloat32 = (file: string) => new Float32Array(bytes(file));
export const readFloat64 = (file: string) => new Float64Array(bytes(file));
