/**
 * A training channel as rows of features, in the content type `inputdataconfig.json` declares for
 * it: `text/csv` (label_size=0: every column a feature) or `application/x-recordio-protobuf`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Matrix, readCsvChannel } from './csv';
import { OptMl } from './layout';
import { decodeRecords } from './recordio';

export function channelContentType(layout: OptMl, channel: string): string {
  if (!fs.existsSync(layout.inputDataConfigFile)) return 'text/csv';
  const config = JSON.parse(fs.readFileSync(layout.inputDataConfigFile, 'utf8'));
  return String(config?.[channel]?.ContentType ?? 'text/csv').split(';')[0].trim().toLowerCase();
}

export function readChannel(layout: OptMl, channel: string, d: number): Matrix {
  const contentType = channelContentType(layout, channel);
  const directory = layout.channel(channel);
  if (contentType === 'text/csv') return readCsvChannel(directory, d);
  if (contentType !== 'application/x-recordio-protobuf') {
    throw new Error(`channel ${channel}: content type ${contentType} is not supported (use text/csv or application/x-recordio-protobuf)`);
  }
  const files = fs.readdirSync(directory).filter((f) => !f.startsWith('.')).sort();
  const parts = files.map((file) => decodeRecords(fs.readFileSync(path.join(directory, file)), d).features);
  const values = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    values.set(part, offset);
    offset += part.length;
  }
  return { values, rows: values.length / d, columns: d };
}
