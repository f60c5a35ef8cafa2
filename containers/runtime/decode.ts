/**
 * Request bodies into rows of `d` features: text/csv (one record per line), application/json
 * (`{"instances":[{"features":[...]}]}`, `{"instances":[[...]]}` or `{"features":[...]}`),
 * application/jsonlines (one `{"features":[...]}` or array per line) or RecordIO-protobuf. Bad input is a RequestError (400, or 415 for an unknown content type).
 */
import { isUtf8 } from 'node:buffer';
import { CsvError, parseCsv } from './csv';
import { decodeRecords, RecordIOError } from './recordio';
import { RequestError } from './serving';

/** Invalid UTF-8 is the client's error, not something to paper over with U+FFFD. */
function utf8Text(body: Buffer): string {
  if (!isUtf8(body)) throw new RequestError(400, 'body is not valid UTF-8');
  return body.toString('utf8');
}

export function decodeFeatures(body: Buffer, contentType: string, d: number): Float32Array {
  if (body.length === 0) throw new RequestError(400, 'empty request body');
  if (contentType === 'text/csv') {
    try {
      const matrix = parseCsv(body, d, 'request');
      if (matrix.rows === 0) throw new RequestError(400, 'no records in the request');
      return matrix.values;
    } catch (error) {
      if (error instanceof CsvError) {
        // A first line that is not numbers is most often a header row: say so.
        const header = /^request line 1, column \d+: not a number$/.test(error.message)
          ? ': the first line looks like a header row; send only the feature values, without column names' : '';
        throw new RequestError(400, `${error.message}${header} (feature_dim is ${d})`);
      }
      throw error;
    }
  }
  if (contentType === 'application/json') {
    let parsed: any;
    try {
      parsed = JSON.parse(utf8Text(body));
    } catch {
      throw new RequestError(400, 'body is not valid JSON');
    }
    const instances: unknown[] = Array.isArray(parsed?.instances) ? parsed.instances : parsed?.features ? [parsed] : [];
    if (instances.length === 0) {
      const keys = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
      throw new RequestError(400, `expected {"instances": [{"features": [...]}, ...]} or {"features": [...]}${keys.length ? `; got the key${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}` : ''}`);
    }
    const out = new Float32Array(instances.length * d);
    instances.forEach((instance: any, i) => {
      const features = Array.isArray(instance) ? instance : instance?.features;
      if (instance && typeof instance === 'object' && !Array.isArray(instance) && !('features' in instance)) {
        throw new RequestError(400, `instance ${i}: no "features" key (got ${Object.keys(instance).map((k) => JSON.stringify(k)).join(', ') || 'an empty object'}); send {"features": [${d} numbers]}`);
      }
      if (!Array.isArray(features) || features.length !== d || features.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new RequestError(400, `instance ${i}: expected ${d} finite numbers`);
      }
      out.set(features, i * d);
    });
    return out;
  }
  if (contentType === 'application/jsonlines') {
    const lines = utf8Text(body).split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) throw new RequestError(400, 'no records in the request');
    const out = new Float32Array(lines.length * d);
    lines.forEach((line, i) => {
      let parsed: any;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new RequestError(400, `line ${i + 1} is not valid JSON`);
      }
      const features = Array.isArray(parsed) ? parsed : parsed?.features;
      if (!Array.isArray(features) || features.length !== d || features.some((v: unknown) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new RequestError(400, `line ${i + 1}: expected ${d} finite numbers`);
      }
      out.set(features, i * d);
    });
    return out;
  }
  if (contentType === 'application/x-recordio-protobuf') {
    try {
      const { features, rows } = decodeRecords(body, d);
      if (rows === 0) throw new RequestError(400, 'no records in the request');
      return features;
    } catch (error) {
      if (error instanceof RecordIOError) throw new RequestError(400, error.message);
      throw error;
    }
  }
  throw new RequestError(415, `Content-Type ${contentType} is not supported: use text/csv, application/json, application/jsonlines or application/x-recordio-protobuf`);
}
