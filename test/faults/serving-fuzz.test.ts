/**
 * Serving under bad input: for each companion image's predictor, generated and hand-made bad
 * payloads in every content type must get a 4xx with a JSON reason (never a 5xx, never a dropped
 * connection), and the next valid request must succeed. Mutations come from a seeded generator, so
 * a failure names the seed and the case that reproduces it.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKMeansPredictor } from '../../containers/kmeans/serve';
import { loadLinearLearnerPredictor } from '../../containers/linear-learner/serve';
import { loadKernels } from '../../containers/native';
import { loadScalerPredictor } from '../../containers/preprocessing/serve';
import { OptMl } from '../../containers/runtime/layout';
import { seededRandom } from '../../containers/runtime/random';
import { encodeRecords } from '../../containers/runtime/recordio';
import { createServer, Predictor } from '../../containers/runtime/serving';

const D = 3;
const MODELS: Record<string, { model: object; load: (layout: OptMl) => Predictor }> = {
  'kmeans': {
    model: { algorithm: 'kmeans', feature_dim: D, k: 2, centers: [[0, 0, 0], [5, 5, 5]] },
    load: (layout) => loadKMeansPredictor(layout, loadKernels({ backend: 'cpu', log: () => undefined })),
  },
  'linear-learner': {
    model: { algorithm: 'linear-learner', predictor_type: 'binary_classifier', feature_dim: D, weights: [1, -1, 0.5], bias: 0.1, mean: [0, 0, 0], scale: [1, 1, 1], label_mean: 0, label_scale: 1 },
    load: loadLinearLearnerPredictor,
  },
  'preprocessing': {
    model: { algorithm: 'scaler', feature_dim: D, mean: [1, 2, 3], scale: [2, 2, 2] },
    load: loadScalerPredictor,
  },
};

const ROWS = [[1, 2, 3], [4.5, -5, 6e-3]];
const VALID: Record<string, Buffer> = {
  'text/csv': Buffer.from(ROWS.map((r) => r.join(',')).join('\n')),
  'application/json': Buffer.from(JSON.stringify({ instances: ROWS.map((features) => ({ features })) })),
  'application/jsonlines': Buffer.from(ROWS.map((features) => JSON.stringify({ features })).join('\n')),
  'application/x-recordio-protobuf': encodeRecords(ROWS.map((values) => ({ values }))),
};

/** One random corruption of a valid body: cut short, bytes overwritten, bytes inserted, or a slice repeated. */
function mutate(body: Buffer, random: () => number): Buffer {
  const at = Math.floor(random() * body.length);
  const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256)));
  switch (Math.floor(random() * 4)) {
    case 0: return body.subarray(0, at);
    case 1: { const copy = Buffer.from(body); bytes.copy(copy, at); return copy; }
    case 2: return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
    default: return Buffer.concat([body, body.subarray(at)]);
  }
}

function recordioFrame(length: number, magic = 0xced7230a): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(length, 4);
  return Buffer.concat([header, Buffer.alloc(8)]);
}

const nonFinite = (value: number) => encodeRecords([{ values: [1, value, 3] }]);
/** Hand-made bad payloads: [what, content type, body, status]. */
const BAD: Array<[string, string, Buffer, number]> = [
  ['empty CSV', 'text/csv', Buffer.alloc(0), 400],
  ['empty JSON', 'application/json', Buffer.alloc(0), 400],
  ['empty JSON Lines', 'application/jsonlines', Buffer.alloc(0), 400],
  ['empty RecordIO', 'application/x-recordio-protobuf', Buffer.alloc(0), 400],
  ['CSV with too few columns', 'text/csv', Buffer.from('1,2'), 400],
  ['CSV with too many columns', 'text/csv', Buffer.from('1,2,3,4'), 400],
  ['CSV with a ragged second line', 'text/csv', Buffer.from('1,2,3\n4,5'), 400],
  ['CSV with NaN', 'text/csv', Buffer.from('1,NaN,3'), 400],
  ['CSV with Infinity', 'text/csv', Buffer.from('1,Infinity,3'), 400],
  ['CSV with an overflowing number', 'text/csv', Buffer.from('1,1e999,3'), 400],
  ['CSV with invalid UTF-8', 'text/csv', Buffer.from([0x31, 0x2c, 0xff, 0xfe, 0x2c, 0x33]), 400],
  ['JSON with too few features', 'application/json', Buffer.from('{"instances":[{"features":[1,2]}]}'), 400],
  ['JSON with a string feature', 'application/json', Buffer.from('{"instances":[[1,"2",3]]}'), 400],
  ['JSON with NaN', 'application/json', Buffer.from('{"instances":[[1,NaN,3]]}'), 400],
  ['JSON with an overflowing number', 'application/json', Buffer.from('{"instances":[[1,1e999,3]]}'), 400],
  ['JSON with invalid UTF-8', 'application/json', Buffer.concat([Buffer.from('{"instances":[[1,2,3]],"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 400],
  ['JSON of another shape', 'application/json', Buffer.from('{"rows":[[1,2,3]]}'), 400],
  ['JSON nested deep', 'application/json', Buffer.from(`${'['.repeat(100000)}${']'.repeat(100000)}`), 400],
  ['JSON Lines with a bad line', 'application/jsonlines', Buffer.from('[1,2,3]\n{oops\n'), 400],
  ['JSON Lines with invalid UTF-8', 'application/jsonlines', Buffer.from([0x5b, 0x31, 0x2c, 0xe2, 0x82, 0x5d]), 400],
  ['RecordIO cut inside a record', 'application/x-recordio-protobuf', VALID['application/x-recordio-protobuf'].subarray(0, 13), 400],
  ['RecordIO cut inside a header', 'application/x-recordio-protobuf', VALID['application/x-recordio-protobuf'].subarray(0, 5), 400],
  ['RecordIO with the wrong magic', 'application/x-recordio-protobuf', recordioFrame(8, 0xdeadbeef), 400],
  ['RecordIO declaring 512 MiB', 'application/x-recordio-protobuf', recordioFrame((1 << 29) - 1), 400],
  ['RecordIO with a multi-part flag', 'application/x-recordio-protobuf', recordioFrame((1 << 29) | 8), 400],
  ['RecordIO whose payload is not a record', 'application/x-recordio-protobuf', Buffer.concat([recordioFrame(8).subarray(0, 8), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), 400],
  ['RecordIO with NaN', 'application/x-recordio-protobuf', nonFinite(NaN), 400],
  ['RecordIO with Infinity', 'application/x-recordio-protobuf', nonFinite(Infinity), 400],
  ['RecordIO with one feature of three', 'application/x-recordio-protobuf', encodeRecords([{ values: [1] }]), 400],
  ['an unknown content type', 'application/x-npy', VALID['text/csv'], 415],
  ['a body of 6 MB + 1 byte', 'text/csv', Buffer.alloc(6 * 1024 * 1024 + 1, 0x31), 413],
];

describe.each(Object.keys(MODELS))('%s serving under bad input', (algorithm) => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-fuzz-')));
    fs.mkdirSync(layout.modelDir, { recursive: true });
    fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify(MODELS[algorithm].model));
    process.env.SAGEMAKER_BODY_TIMEOUT_SECONDS = '0.5';
    server = createServer(MODELS[algorithm].load(layout));
    delete process.env.SAGEMAKER_BODY_TIMEOUT_SECONDS;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive sockets of the last requests
  }));

  const invoke = (body: Buffer, contentType: string, accept = 'application/json') =>
    fetch(`http://127.0.0.1:${port}/invocations`, { method: 'POST', body, headers: { 'content-type': contentType, accept } })
      .then(async (response) => ({ status: response.status, text: await response.text() }));

  /** A bad request's answer: a 4xx with a JSON `error` string; then a valid request still answers 200. */
  async function expectRejected(answer: { status: number; text: string }, status: number | 'any 4xx', what: string): Promise<void> {
    const reason = (() => { try { return JSON.parse(answer.text).error; } catch { return undefined; } })();
    expect({ what, status: status === 'any 4xx' && answer.status >= 400 && answer.status < 500 ? 'any 4xx' : answer.status, reasonIsText: typeof reason === 'string' && reason.length > 0 })
      .toEqual({ what, status, reasonIsText: true });
    expect((await invoke(VALID['text/csv'], 'text/csv')).status).toBe(200);
  }

  test('every content type answers the same rows when valid', async () => {
    const answers = await Promise.all(Object.entries(VALID).map(([type, body]) => invoke(body, type)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });

  test.each(BAD)('%s gets a JSON reason', async (what, contentType, body, status) => {
    await expectRejected(await invoke(body, contentType), status, what);
  });

  test.each(Object.keys(VALID))('200 generated corruptions of %s get 200 or a 4xx with a reason', async (contentType) => {
    const seed = 20261122 + contentType.length;
    const random = seededRandom(seed);
    for (let i = 0; i < 200; i++) {
      const body = mutate(VALID[contentType], random);
      const answer = await invoke(body, contentType);
      if (answer.status !== 200) await expectRejected(answer, 'any 4xx', `seed ${seed}, case ${i}: ${body.toString('base64')}`);
    }
  });

  test('an Accept it cannot produce gets 406', async () => {
    await expectRejected(await invoke(VALID['text/csv'], 'text/csv', 'image/png'), 406, 'Accept image/png');
  });

  test('a declared length over 6 MB gets 413 before any body is sent', async () => {
    const answer = await rawExchange(`POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${100 * 1024 * 1024 * 1024}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 413[\s\S]*"error":"payload over 6 MB"/);
  });

  test('a client that stalls mid-body gets 408, and others are served meanwhile', async () => {
    const stalled = rawExchange('POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100\r\n\r\n1,2,');
    expect((await invoke(VALID['text/csv'], 'text/csv')).status).toBe(200);
    expect(await stalled).toMatch(/^HTTP\/1.1 408[\s\S]*"error":"the request body did not arrive within 0.5 s"/);
    expect((await invoke(VALID['text/csv'], 'text/csv')).status).toBe(200);
  });

  test('a CSV header row and a JSON body with "data" instead of "features" get reasons that say so', async () => {
    const header = await invoke(Buffer.from(`a,b,c\n${ROWS[0].join(',')}`), 'text/csv');
    expect(header.status).toBe(400);
    expect(JSON.parse(header.text).error).toMatch(/line 1, column 1: not a number: the first line looks like a header row; send only the feature values, without column names/);
    const data = await invoke(Buffer.from(JSON.stringify({ data: ROWS[0] })), 'application/json');
    expect([data.status, JSON.parse(data.text).error]).toEqual([400, 'expected {"instances": [{"features": [...]}, ...]} or {"features": [...]}; got the key "data"']);
    const instance = await invoke(Buffer.from(JSON.stringify({ instances: [{ data: ROWS[0] }] })), 'application/json');
    expect(JSON.parse(instance.text).error).toBe('instance 0: no "features" key (got "data"); send {"features": [3 numbers]}');
  });

  test('a client sending Connection: close with an over-limit body gets the 413, not a reset (lingering close)', async () => {
    // GIVEN a body of 7 MB sent in full by a client that asked to close the connection
    const body = Buffer.alloc(7 * 1024 * 1024, '1,');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST /invocations HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/csv\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body);
      });
      const received: Buffer[] = [];
      socket.on('data', (chunk) => received.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
      socket.on('error', reject); // a reset (ECONNRESET) fails the test
    });
    // THEN the whole 413 arrives and the connection closes cleanly
    expect(answer).toMatch(/^HTTP\/1.1 413[\s\S]*"error":"payload over 6 MB"/);
  });

  /** Writes raw bytes, then returns everything the server sends until it closes the connection. */
  function rawExchange(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
      const received: Buffer[] = [];
      socket.on('data', (chunk) => received.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => socket.destroy(new Error('the server neither answered nor closed within 10 s')));
    });
  }
});
