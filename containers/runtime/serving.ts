/**
 * SageMaker's inference contract over Node's own http: GET /ping (200 once the model is
 * loaded), POST /invocations honouring Content-Type and Accept, GET /execution-parameters for
 * Batch Transform; bodies over 6 MB (100 MB for batch) get 413, bad input a 4xx with a JSON reason;
 * nothing a client sends can crash the process.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html
 */
import * as http from 'node:http';
import * as os from 'node:os';

/** A 4xx answer with a reason. */
export class RequestError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
  }
}

export interface Predictor {
  /** Answers one request body; throws RequestError for bad input. */
  invoke(body: Buffer, contentType: string, accept: string): Promise<{ body: string | Buffer; contentType: string }>;
}

export function maxPayloadBytes(): number {
  return (process.env.SAGEMAKER_BATCH === 'true' ? 100 : 6) * 1024 * 1024;
}

/**
 * How long a client may take to send its body. SageMaker gives an invocation 60 s in all, so a
 * body still arriving after that is a stalled client, not a slow model; answering 408 frees the
 * worker's memory for it. `SAGEMAKER_BODY_TIMEOUT_SECONDS` shortens it (the tests do).
 */
export function bodyTimeoutMs(): number {
  const seconds = Number(process.env.SAGEMAKER_BODY_TIMEOUT_SECONDS ?? 60);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

/**
 * @param defaultAccept what `Accept: *\/*` (or none) means: JSON for algorithms, CSV for a
 * pre-processing stage whose output the next container of a pipeline reads.
 */
export function createServer(predictor: Predictor, defaultAccept = 'application/json'): http.Server {
  const limit = maxPayloadBytes();
  const timeout = bodyTimeoutMs();
  const reply = (res: http.ServerResponse, status: number, body: string | Buffer, contentType = 'application/json') => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ping') return reply(res, 200, '');
    if (req.method === 'GET' && req.url === '/execution-parameters') {
      return reply(res, 200, JSON.stringify({ MaxConcurrentTransforms: os.cpus().length, BatchStrategy: 'MULTI_RECORD', MaxPayloadInMB: limit / 1024 / 1024 }));
    }
    if (req.method !== 'POST' || req.url !== '/invocations') return reply(res, 404, JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
    // Answer at once; the rest of the body is read and dropped, so the client (still sending) gets
    // the 413 rather than a reset, and the connection stays usable. A body that keeps coming is cut
    // off by the stall timer below.
    // A client that asked to close the connection gets the 413 at once but the connection is closed
    // only after its body has arrived (a lingering close): closing a socket with unread data sends
    // a reset, which can reach the client before the 413 does.
    const closing = /\bclose\b/i.test(String(req.headers.connection ?? '')) || req.httpVersion === '1.0';
    const tooLarge = () => {
      if (res.headersSent) return;
      const body = JSON.stringify({ error: `payload over ${limit / 1024 / 1024} MB` });
      if (!closing) return reply(res, 413, body);
      res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.write(body);
      req.on('end', () => res.end());
    };
    // A declared length over the limit is refused before any of the body is read.
    if (Number(req.headers['content-length']) > limit) tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    const stalled = setTimeout(() => {
      chunks.length = 0;
      if (res.headersSent) return void req.socket.destroy(); // answered 413, and the body still has not ended
      res.setHeader('connection', 'close');
      reply(res, 408, JSON.stringify({ error: `the request body did not arrive within ${timeout / 1000} s` }));
    }, timeout).unref(); // a guard, not work: it must not keep a stopping process alive
    req.on('close', () => clearTimeout(stalled));
    req.on('data', (chunk: Buffer) => {
      if (res.headersSent) return; // already answered 408 or 413: the rest is dropped
      size += chunk.length;
      if (size > limit) {
        tooLarge();
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      clearTimeout(stalled);
      if (res.headersSent) return;
      const contentType = (req.headers['content-type'] ?? 'text/csv').split(';')[0].trim().toLowerCase();
      const accept = (req.headers.accept ?? defaultAccept).split(',')[0].split(';')[0].trim().toLowerCase();
      predictor.invoke(Buffer.concat(chunks), contentType, accept === '*/*' ? defaultAccept : accept)
        .then((answer) => reply(res, 200, answer.body, answer.contentType))
        .catch((error: Error) => (error instanceof RequestError
          ? reply(res, error.status, JSON.stringify({ error: error.message }))
          : reply(res, 500, JSON.stringify({ error: `internal error: ${error.message}` }))));
    });
  });
}

/**
 * Serves on every core: the primary process forks one worker per CPU, which share the port
 * (node:cluster), so compute in one request never stalls the others; SIGTERM stops accepting,
 * lets in-flight requests finish, and exits.
 */
export function serveOnAllCores(start: () => http.Server, port: number, describe: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cluster = require('node:cluster') as typeof import('node:cluster').default;
  const workers = Number(process.env.SAGEMAKER_SERVING_WORKERS ?? os.cpus().length);
  if (cluster.isPrimary && workers > 1) {
    // Workers start with the young generation at the size V8 grows it to under load (16 MB
    // semi-spaces), so their memory is flat from the first minutes on instead of stepping up as V8
    // resizes it (measured by bench/soak.sh), and early scavenges are fewer.
    cluster.setupPrimary({ execArgv: [...process.execArgv, '--min-semi-space-size=16', '--max-semi-space-size=16'] });
    for (let i = 0; i < workers; i++) cluster.fork();
    let listening = 0;
    cluster.on('listening', () => {
      if (++listening === workers) console.log(`${describe} serving on port ${port} with ${workers} workers`);
    });
    let stopping = false;
    cluster.on('exit', () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
    process.once('SIGTERM', () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    });
    return;
  }
  const server = start();
  server.listen(port, () => { if (!cluster.isWorker) console.log(`${describe} serving on port ${port}`); });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
