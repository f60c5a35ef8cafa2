/**
 * `application/x-recordio-protobuf`, the built-in algorithms' binary format: RecordIO frames
 * (magic 0xCED7230A, a little-endian length word whose top three bits flag continuation, the
 * payload, padding to 4 bytes), each holding an `aialgs.data.Record` protobuf whose
 * `features["values"]` is a dense or sparse tensor and whose `label["values"]` is the label.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-training.html
 */
import * as protobuf from 'protobufjs';

const MAGIC = 0xced7230a;
const LENGTH_MASK = (1 << 29) - 1;

/** The schema of a record, in protobufjs's JSON form (proto2, packed repeated numbers). */
const SCHEMA = protobuf.Root.fromJSON({ // map fields (keyType) are in protobufjs's JSON form but not its IField type

  nested: {
    aialgs: {
      nested: {
        data: {
          nested: {
            Float32Tensor: { fields: { values: { rule: 'repeated', type: 'float', id: 1, options: { packed: true } }, keys: { rule: 'repeated', type: 'uint64', id: 2, options: { packed: true } }, shape: { rule: 'repeated', type: 'uint64', id: 3, options: { packed: true } } } },
            Float64Tensor: { fields: { values: { rule: 'repeated', type: 'double', id: 1, options: { packed: true } }, keys: { rule: 'repeated', type: 'uint64', id: 2, options: { packed: true } }, shape: { rule: 'repeated', type: 'uint64', id: 3, options: { packed: true } } } },
            Int32Tensor: { fields: { values: { rule: 'repeated', type: 'int32', id: 1, options: { packed: true } }, keys: { rule: 'repeated', type: 'uint64', id: 2, options: { packed: true } }, shape: { rule: 'repeated', type: 'uint64', id: 3, options: { packed: true } } } },
            Bytes: { fields: { value: { rule: 'repeated', type: 'bytes', id: 1 }, content_type: { type: 'string', id: 2 } } },
            Value: {
              oneofs: { value: { oneof: ['float32_tensor', 'float64_tensor', 'int32_tensor', 'bytes'] } },
              fields: { float32_tensor: { type: 'Float32Tensor', id: 2 }, float64_tensor: { type: 'Float64Tensor', id: 3 }, int32_tensor: { type: 'Int32Tensor', id: 7 }, bytes: { type: 'Bytes', id: 9 } },
            },
            Record: {
              fields: {
                features: { keyType: 'string', type: 'Value', id: 1 },
                label: { keyType: 'string', type: 'Value', id: 2 },
                uid: { type: 'string', id: 3 },
                metadata: { type: 'string', id: 4 },
                configuration: { type: 'string', id: 5 },
              },
            },
          },
        },
      },
    },
  },
} as protobuf.INamespace);
const Record = SCHEMA.lookupType('aialgs.data.Record');

export class RecordIOError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordIOError';
  }
}

/** The payloads of the RecordIO frames in a buffer; a bad magic or length is an error naming the offset. */
export function readFrames(buffer: Uint8Array): Uint8Array[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    if (offset + 8 > buffer.length) throw new RecordIOError(`truncated RecordIO header at byte ${offset}`);
    const magic = view.getUint32(offset, true);
    if (magic !== MAGIC) throw new RecordIOError(`bad RecordIO magic 0x${magic.toString(16)} at byte ${offset} (expected 0xced7230a)`);
    const word = view.getUint32(offset + 4, true);
    if (word >>> 29 !== 0) throw new RecordIOError(`multi-part RecordIO records are not supported (byte ${offset})`);
    const length = word & LENGTH_MASK;
    const start = offset + 8;
    if (start + length > buffer.length) throw new RecordIOError(`RecordIO record at byte ${offset} declares ${length} bytes but only ${buffer.length - start} remain`);
    frames.push(buffer.subarray(start, start + length));
    offset = start + Math.ceil(length / 4) * 4;
  }
  return frames;
}

/** Rows of `d` features (and the labels, when every record has one) from RecordIO-protobuf. */
export function decodeRecords(buffer: Uint8Array, d: number): { features: Float32Array; labels?: Float32Array; rows: number } {
  const frames = readFrames(buffer);
  const features = new Float32Array(frames.length * d);
  const labels = new Float32Array(frames.length);
  let labelled = 0;
  frames.forEach((frame, row) => {
    let record: any;
    try {
      record = Record.decode(frame);
    } catch (error) {
      throw new RecordIOError(`record ${row}: not an aialgs.data.Record (${(error as Error).message})`);
    }
    const tensor = tensorOf(record.features?.values, `record ${row} features`);
    if (!tensor) throw new RecordIOError(`record ${row}: no features["values"] tensor`);
    const values: ArrayLike<number> = tensor.values ?? [];
    const keys: Array<number | { toNumber(): number }> = tensor.keys ?? [];
    if (keys.length === 0) {
      if (values.length !== d) throw new RecordIOError(`record ${row}: ${values.length} features, expected ${d}`);
      for (let j = 0; j < d; j++) features[row * d + j] = checkFinite(values[j], row);
    } else {
      if (keys.length !== values.length) throw new RecordIOError(`record ${row}: ${keys.length} keys for ${values.length} values`);
      keys.forEach((key, i) => {
        const index = typeof key === 'number' ? key : key.toNumber();
        if (index < 0 || index >= d) throw new RecordIOError(`record ${row}: sparse key ${index} outside 0..${d - 1}`);
        features[row * d + index] = checkFinite(values[i], row);
      });
    }
    const label = tensorOf(record.label?.values, `record ${row} label`);
    if (label?.values?.length) {
      labels[row] = label.values[0];
      labelled++;
    }
  });
  return { features, labels: labelled === frames.length && frames.length > 0 ? labels : undefined, rows: frames.length };
}

/** RecordIO-protobuf of rows: named float32 tensors under `features`, or under `label` (responses). */
export function encodeRecords(rows: Array<Record<string, number[]>>, field: 'features' | 'label' = 'features'): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    const map: Record<string, unknown> = {};
    for (const [name, values] of Object.entries(row)) map[name] = { float32_tensor: { values } };
    const payload = Buffer.from(Record.encode(Record.create({ [field]: map })).finish());
    const header = Buffer.alloc(8);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(payload.length, 4);
    parts.push(header, payload, Buffer.alloc((4 - (payload.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

function tensorOf(value: any, where: string): any {
  if (!value) return undefined;
  const tensor = value.float32_tensor ?? value.float64_tensor ?? value.int32_tensor;
  if (!tensor && value.bytes) throw new RecordIOError(`${where}: bytes values are not supported`);
  return tensor;
}

function checkFinite(value: number, row: number): number {
  if (!Number.isFinite(value)) throw new RecordIOError(`record ${row}: a feature is not finite`);
  return value;
}
