/**
 * Reads a file or a Pipe-mode FIFO a piece at a time instead of whole: each piece ends where the
 * last complete record in it ends, and the rest is carried into the next piece, so a channel's raw
 * bytes are never all in memory at once (only its parsed values are).
 */
import * as fs from 'node:fs';

/** Where the complete records of `bytes` end (0: not even one yet). */
export type CompleteRecords = (bytes: Uint8Array) => number;

/** CSV and JSON Lines: records end at a newline. */
export const completeLines: CompleteRecords = (bytes) => bytes.lastIndexOf(10) + 1;

/**
 * RecordIO: walks the frame headers (magic, length, 4-byte padding). A header it cannot read
 * ends the piece there and then, so the parser reports it instead of this waiting for more bytes.
 */
export const completeFrames: CompleteRecords = (bytes) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    if (view.getUint32(offset, true) !== 0xced7230a) return bytes.length;
    const end = offset + 8 + Math.ceil((view.getUint32(offset + 4, true) & ((1 << 29) - 1)) / 4) * 4;
    if (end > bytes.length) break;
    offset = end;
  }
  return offset;
};

/**
 * The pieces of `file` in order. Each yielded view is only valid until the next one is asked
 * for (the buffer is reused): parse it before moving on. A record longer than a piece grows it.
 */
export function* readPieces(file: string, complete: CompleteRecords, pieceBytes = 8 * 1024 * 1024): Generator<Uint8Array> {
  const fd = fs.openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(pieceBytes);
    let held = 0;
    for (;;) {
      if (held === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, held);
        buffer = bigger;
      }
      const read = fs.readSync(fd, buffer, held, buffer.length - held, null);
      held += read;
      const end = read === 0 ? held : complete(buffer.subarray(0, held));
      if (end > 0) {
        yield buffer.subarray(0, end);
        buffer.copy(buffer, 0, end, held);
        held -= end;
      }
      if (read === 0) return;
    }
  } finally {
    fs.closeSync(fd);
  }
}
