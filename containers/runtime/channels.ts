/**
 * A training channel as rows, whatever SageMaker delivered: files under input/data/<channel>
 * (File and FastFile modes) or the `<channel>_0` FIFO (Pipe mode), in the content type
 * `inputdataconfig.json` declares: `text/csv` (with `labelled`, the first column is the label) or
 * `application/x-recordio-protobuf` (`label["values"]` for the label).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allocateRows } from '../native';
import { CsvError, parseCsv } from './csv';
import { OptMl } from './layout';
import { completeFrames, completeLines, readPieces } from './pieces';
import { LoadProgress } from './progress';
import { decodeRecords } from './recordio';

export interface ChannelRows {
  /** rows × d features. */
  readonly x: Float32Array;
  /** The labels, when asked for. */
  readonly y?: Float32Array;
  readonly rows: number;
  readonly d: number;
}

function channelConfig(layout: OptMl, channel: string): Record<string, any> {
  if (!fs.existsSync(layout.inputDataConfigFile)) return {};
  return JSON.parse(fs.readFileSync(layout.inputDataConfigFile, 'utf8'))?.[channel] ?? {};
}

export function channelContentType(layout: OptMl, channel: string): string {
  return String(channelConfig(layout, channel).ContentType ?? 'text/csv').split(';')[0].trim().toLowerCase();
}

/** Whether the channel exists in either mode. */
export function hasChannel(layout: OptMl, channel: string): boolean {
  return fs.existsSync(layout.channel(channel)) || fs.existsSync(`${layout.channel(channel)}_0`);
}

/** The channel's files: each file (sorted, recursively) in File mode; the first epoch's FIFO in Pipe mode. */
export function channelFiles(layout: OptMl, channel: string): Array<{ name: string; file: string }> {
  if (channelConfig(layout, channel).TrainingInputMode === 'Pipe') {
    // Reading to the end of the FIFO returns when SageMaker has streamed the epoch; the
    // algorithms here keep the parsed data in memory for their later passes.
    const fifo = `${layout.channel(channel)}_0`;
    if (!fs.existsSync(fifo)) throw new Error(`channel ${channel} is in Pipe mode but ${path.basename(fifo)} does not exist`);
    return [{ name: path.basename(fifo), file: fifo }];
  }
  const list = (directory: string): string[] => fs.readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? list(path.join(directory, entry.name)) : [path.join(directory, entry.name)]))
    .filter((file) => !path.basename(file).startsWith('.'))
    .sort();
  const directory = layout.channel(channel);
  if (!fs.existsSync(directory)) throw new Error(`channel ${channel} is missing: ${directory} does not exist (the job's InputDataConfig needs a ${channel} channel)`);
  const files = list(directory);
  if (files.length === 0) throw new Error(`channel ${channel} is empty: ${directory} has no files`);
  return files.map((file) => ({ name: path.relative(directory, file), file }));
}

/**
 * Reads a channel into rows of `d` features (undefined: as many as the CSV has, less the label),
 * a piece of each file at a time (see pieces.ts).
 */
export function readChannel(layout: OptMl, channel: string, d: number | undefined, labelled = false, pieceBytes?: number): ChannelRows {
  const sources = channelFiles(layout, channel);
  const progress = new LoadProgress(channel, LoadProgress.sizeOf(sources.map((source) => source.file)));
  const xs: Float32Array[] = [], ys: Float32Array[] = [];
  let width = d;
  if (channelContentType(layout, channel) === 'application/x-recordio-protobuf') {
    if (width === undefined) throw new Error(`feature_dim must be set for RecordIO-protobuf input (channel ${channel})`);
    for (const source of sources) {
      for (const piece of readPieces(source.file, completeFrames, pieceBytes)) {
        const decoded = decodeRecords(piece, width);
        if (labelled && !decoded.labels && decoded.rows > 0) throw new Error(`channel ${channel}: every record needs a label["values"]`);
        xs.push(decoded.features);
        if (decoded.labels) ys.push(decoded.labels);
        progress.add(piece.length, decoded.rows);
      }
    }
  } else if (channelContentType(layout, channel) === 'text/csv') {
    const skip = labelled ? 1 : 0;
    for (const source of sources) {
      let line = 1;
      for (const piece of readPieces(source.file, completeLines, pieceBytes)) {
        const matrix = parseCsv(piece, width === undefined ? undefined : width + skip, source.name, line);
        line = matrix.nextLine;
        progress.add(piece.length, matrix.rows);
        if (matrix.rows === 0) continue;
        width ??= matrix.columns - skip;
        if (width < 1) throw new CsvError(`channel ${channel}: rows need ${labelled ? 'a label and ' : ''}at least one feature`);
        const x = new Float32Array(matrix.rows * width), y = new Float32Array(matrix.rows);
        for (let row = 0; row < matrix.rows; row++) {
          if (labelled) y[row] = matrix.values[row * matrix.columns];
          x.set(matrix.values.subarray(row * matrix.columns + skip, (row + 1) * matrix.columns), row * width);
        }
        xs.push(x);
        if (labelled) ys.push(y);
      }
    }
  } else {
    throw new Error(`channel ${channel}: content type ${channelContentType(layout, channel)} is not supported (use text/csv or application/x-recordio-protobuf)`);
  }
  // The rows every epoch reads, on huge pages where the host allows (allocateRows).
  const concat = (parts: Float32Array[]) => {
    const out = allocateRows(parts.reduce((total, p) => total + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };
  const x = concat(xs);
  const rows = width ? x.length / width : 0;
  progress.done();
  if (rows === 0) throw new Error(`channel ${channel} has no records: its ${sources.length === 1 ? 'file is' : `${sources.length} files are`} empty`);
  return { x, y: labelled ? concat(ys) : undefined, rows, d: width ?? 0 };
}
