import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { loadKMeansPredictor } from '../../containers/kmeans/serve';
import { trainKMeans } from '../../containers/kmeans/train';
import { loadKernels } from '../../containers/native';
import { OptMl } from '../../containers/runtime/layout';
import { decodeRecords, encodeRecords, readFrames } from '../../containers/runtime/recordio';
import { RequestError } from '../../containers/runtime/serving';
import { runTraining } from '../../containers/runtime/training';

/** One RecordIO frame around a payload, written by hand to test the framing. */
function frame(payload: Uint8Array, magic = 0xced7230a, declared = payload.length): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(declared, 4);
  return Buffer.concat([header, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}

/** A Record with a float64 or sparse features tensor, encoded with an independent writer. */
function record(fields: { values: number[]; keys?: number[]; shape?: number[]; type?: 'float64' | 'int32' }, label?: number): Uint8Array {
  const writer = protobuf.Writer.create();
  const tensor = protobuf.Writer.create();
  tensor.uint32((1 << 3) | 2).fork();
  for (const v of fields.values) {
    if (fields.type === 'float64') tensor.double(v); else if (fields.type === 'int32') tensor.int32(v); else tensor.float(v);
  }
  tensor.ldelim();
  if (fields.keys) {
    tensor.uint32((2 << 3) | 2).fork();
    fields.keys.forEach((k) => tensor.uint64(k));
    tensor.ldelim();
    tensor.uint32((3 << 3) | 2).fork();
    (fields.shape ?? []).forEach((s) => tensor.uint64(s));
    tensor.ldelim();
  }
  const tensorField = fields.type === 'float64' ? 3 : fields.type === 'int32' ? 7 : 2;
  const value = protobuf.Writer.create().uint32((tensorField << 3) | 2).bytes(tensor.finish()).finish();
  const entry = protobuf.Writer.create().uint32((1 << 3) | 2).string('values').uint32((2 << 3) | 2).bytes(value).finish();
  writer.uint32((1 << 3) | 2).bytes(entry);
  if (label !== undefined) {
    const labelTensor = protobuf.Writer.create().uint32((1 << 3) | 2).fork().float(label).ldelim().finish();
    const labelValue = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(labelTensor).finish();
    writer.uint32((2 << 3) | 2).bytes(protobuf.Writer.create().uint32((1 << 3) | 2).string('values').uint32((2 << 3) | 2).bytes(labelValue).finish());
  }
  return writer.finish();
}

describe('RecordIO-protobuf', () => {
  test('dense float32, float64 and int32 tensors, sparse tensors and labels decode to rows', () => {
    const buffer = Buffer.concat([
      frame(record({ values: [1.5, -2, 3] }, 1)),
      frame(record({ values: [0.25, 0.5, 0.75], type: 'float64' }, 0)),
      frame(record({ values: [7, 8, 9], type: 'int32' }, 1)),
      frame(record({ values: [4, 5], keys: [0, 2], shape: [3] }, 0)),
    ]);
    const decoded = decodeRecords(buffer, 3);
    expect(Array.from(decoded.features)).toEqual([1.5, -2, 3, 0.25, 0.5, 0.75, 7, 8, 9, 4, 0, 5]);
    expect(Array.from(decoded.labels!)).toEqual([1, 0, 1, 0]);
  });

  test('what encodeRecords writes decodes back', () => {
    const rows = [[1, 2], [3.5, -4]];
    expect(Array.from(decodeRecords(encodeRecords(rows.map((values) => ({ values }))), 2).features)).toEqual(rows.flat());
  });

  test.each([
    ['a wrong magic', frame(record({ values: [1, 2] }), 0xdeadbeef), /bad RecordIO magic 0xdeadbeef at byte 0/],
    ['a truncated header', frame(record({ values: [1, 2] })).subarray(0, 5), /truncated RecordIO header at byte 0/],
    ['a huge declared length', frame(record({ values: [1, 2] }), 0xced7230a, 1 << 28), /declares 268435456 bytes but only \d+ remain/],
    ['a payload that is not a Record', frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])), /record 0: not an aialgs.data.Record/],
    ['a wrong number of features', frame(record({ values: [1, 2, 3] })), /record 0: 3 features, expected 2/],
    ['a sparse key outside the row', frame(record({ values: [1], keys: [5], shape: [2] })), /record 0: sparse key 5 outside 0..1/],
    ['a non-finite feature', frame(record({ values: [1, NaN] })), /record 0: a feature is not finite/],
  ])('%s is an error naming the problem', (_name, buffer, message) => {
    expect(() => decodeRecords(buffer, 2)).toThrow(message);
  });

  test('frames are padded to four bytes', () => {
    const buffer = Buffer.concat([frame(Buffer.from([1, 2, 3])), frame(Buffer.from([4, 5, 6, 7, 8]))]);
    expect(readFrames(buffer).map((f) => Array.from(f))).toEqual([[1, 2, 3], [4, 5, 6, 7, 8]]);
  });

  test('K-Means trains from a RecordIO channel and answers RecordIO with RecordIO', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-')));
    fs.mkdirSync(path.dirname(layout.hyperparametersFile), { recursive: true });
    fs.writeFileSync(layout.hyperparametersFile, JSON.stringify({ k: '2', feature_dim: '2', init_method: 'kmeans++' }));
    fs.writeFileSync(layout.inputDataConfigFile, JSON.stringify({ train: { ContentType: 'application/x-recordio-protobuf' } }));
    fs.mkdirSync(layout.channel('train'), { recursive: true });
    const rows = Array.from({ length: 100 }, (_, i) => ({ values: i % 2 ? [10 + Math.random(), 10 + Math.random()] : [Math.random(), Math.random()] }));
    fs.writeFileSync(path.join(layout.channel('train'), 'part-0.rec'), encodeRecords(rows));
    expect(await runTraining(trainKMeans, layout)).toBe(0);

    const predictor = loadKMeansPredictor(layout, loadKernels({ backend: 'cpu', log: () => undefined }));
    const answer = await predictor.invoke(encodeRecords([{ values: [10.5, 10.5] }, { values: [0.5, 0.5] }]), 'application/x-recordio-protobuf', 'application/x-recordio-protobuf');
    const json = await predictor.invoke(Buffer.from('10.5,10.5\n0.5,0.5'), 'text/csv', 'application/json');
    const expected = JSON.parse(json.body as string).predictions;
    const frames = readFrames(answer.body as Buffer);
    expect(frames).toHaveLength(2);
    await expect(predictor.invoke(frame(Buffer.from([0xff])), 'application/x-recordio-protobuf', 'application/json')).rejects.toEqual(expect.any(RequestError));
    expect(expected[0].closest_cluster).not.toBe(expected[1].closest_cluster);
    jest.restoreAllMocks();
  });
});
