/**
 * The hosts of a SageMaker training job, joined for collective steps. SageMaker provisions the
 * instances, names them in `input/config/resourceconfig.json` (`hosts`, `current_host`; resolvable
 * by name inside the containers) and carries the traffic between them (encrypted when the job asks
 * for inter-container traffic encryption); the collective step itself is Gloo's (the
 * `sagemaker_collective` addon, ../native/src/collective.cc): float64 all-reduce and broadcast
 * over TCP, ring algorithms.
 *
 * Joining: every host binds a Gloo device on its own address and makes a pair per peer; the first
 * host of `hosts` listens on the job's `_collective_port` and collects every host's pair
 * addresses, then sends the whole table back (newline-delimited JSON: a rendezvous, not a
 * collective protocol); each host connects its pairs. A host that has not joined within
 * `_collective_timeout` seconds ends the job on every host, naming it; a host that dies later
 * closes its connections, and the others fail at once, naming it (the peer address in Gloo's error,
 * else the hosts whose liveness socket — a plain listening socket each host opens for this —
 * refuses); a host that stalls ends each collective step at the timeout.
 *
 * One host (no resourceconfig.json, or one host in it) gets a cluster whose steps return their
 * input: no addon, no socket.
 *
 * Tests and local runs name each host's address with COMPANION_HOST_ADDRESSES (JSON:
 * `{"algo-1": "127.0.0.2", …}`); otherwise names resolve as the container resolves them
 * (getaddrinfo: /etc/hosts, then DNS), as in SageMaker.
 */
import * as dns from 'node:dns/promises';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { OptMl } from './layout';

export interface ClusterOptions {
  /** The TCP port on which the first host coordinates the join. */
  readonly port: number;
  /** Seconds to wait for the other hosts: to join, and in each collective step. */
  readonly timeoutSeconds: number;
}

export interface Cluster {
  /** Every host, in resourceconfig.json's order; the first coordinates and writes the model. */
  readonly hosts: readonly string[];
  readonly host: string;
  readonly rank: number;
  readonly size: number;
  /** True on the first host (and on a single host). */
  readonly first: boolean;
  /** Every host's values summed, in place, identical on every host. */
  allreduceSum(values: Float64Array): Float64Array;
  /** The first host's values on every host, in place. */
  broadcast<T extends Float32Array | Float64Array>(values: T): T;
  /**
   * A failed collective step's error, rewritten to name the hosts that no longer answer (each
   * peer's Gloo listener probed: a host that died or stopped refuses or times out); other errors
   * as they are.
   */
  explain(error: unknown): Promise<unknown>;
  /** The seconds spent in collective steps so far (the benchmark reports their share). */
  readonly collectiveSeconds: number;
  close(): void;
}

/** The job's hosts from resourceconfig.json; one host (`algo-1`) where there is none. */
export function readHosts(layout: OptMl): { hosts: string[]; current: string } {
  if (!fs.existsSync(layout.resourceConfigFile)) return { hosts: [process.env.SM_CURRENT_HOST ?? 'algo-1'], current: process.env.SM_CURRENT_HOST ?? 'algo-1' };
  const config = JSON.parse(fs.readFileSync(layout.resourceConfigFile, 'utf8')) as { hosts?: unknown; current_host?: unknown };
  const hosts = config.hosts, current = config.current_host;
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string') || typeof current !== 'string') {
    throw new Error(`${layout.resourceConfigFile} must give hosts (a list of names) and current_host`);
  }
  if (!hosts.includes(current)) throw new Error(`${layout.resourceConfigFile}: current_host ${current} is not one of hosts (${hosts.join(', ')})`);
  if (new Set(hosts).size !== hosts.length) throw new Error(`${layout.resourceConfigFile}: hosts names a host twice (${hosts.join(', ')})`);
  return { hosts: hosts as string[], current };
}

/** Joins the job's hosts (see the file's comment); resolves once every host is connected. */
export async function joinCluster(layout: OptMl, options: ClusterOptions): Promise<Cluster> {
  const { hosts, current } = readHosts(layout);
  const rank = hosts.indexOf(current);
  process.env.SM_CURRENT_HOST ??= current; // the metric lines' host=
  if (hosts.length === 1) return singleHost(current);
  const mesh = new (collectiveAddon().Mesh)(rank, hosts.length, await resolveHost(current), options.timeoutSeconds * 1000);
  try {
    return await connectMesh(mesh, hosts, current, rank, options);
  } catch (error) {
    mesh.close();
    throw error;
  }
}

async function connectMesh(mesh: Mesh, hosts: readonly string[], current: string, rank: number, options: ClusterOptions): Promise<Cluster> {
  // A listening socket that only says "this host's program is running" (a connection is accepted
  // and closed): Gloo closes its own listener once the pairs connect, and after a failed step the
  // hosts whose program died refuse this one. Its port travels with the pair addresses, last.
  const myAddress = await resolveHost(current);
  const liveness = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => { liveness.once('error', reject); liveness.listen(0, myAddress, () => resolve()); });
  const mine = [...mesh.addresses().map((bytes) => (bytes ? bytes.toString('base64') : null)), String((liveness.address() as net.AddressInfo).port)];
  const addresses = await resolveAll(hosts);
  let table: Table;
  try {
    table = rank === 0
      ? await coordinate(hosts, addresses[0], mine, options)
      : await join(hosts, current, addresses[0], mine, options);
  } catch (error) {
    liveness.close();
    throw error;
  }
  try {
    mesh.connect(table.map((row, peer) => (peer === rank ? null : Buffer.from(row[rank]!, 'base64'))));
  } catch (error) {
    liveness.close();
    throw new Error(`could not connect to the other hosts (${hosts.filter((h) => h !== current).join(', ')}): ${namingHosts((error as Error).message, hosts, addresses)}`);
  }
  console.log(`joined ${hosts.length} hosts (${hosts.join(', ')}) as ${current}, rank ${rank + 1} of ${hosts.length}, over Gloo/TCP`);
  let seconds = 0;
  const failed = new WeakSet<object>();
  const livenessOf = table.map((row, peer) => (peer === rank ? undefined : { host: addresses[peer], port: Number(row[hosts.length]) }));
  const step = <T>(what: string, run: () => T): T => {
    const started = performance.now();
    try {
      return run();
    } catch (error) {
      const wrapped = new Error(`the ${what} across ${hosts.length} hosts failed on ${current}: ${(error as Error).message}`);
      failed.add(wrapped);
      throw wrapped;
    } finally {
      seconds += (performance.now() - started) / 1000;
    }
  };
  return {
    hosts, host: current, rank, size: hosts.length, first: rank === 0,
    allreduceSum: (values) => step('all-reduce', () => mesh.allreduceSum(values)),
    broadcast: (values) => step('broadcast', () => mesh.broadcast(values, 0)),
    get collectiveSeconds() { return seconds; },
    close: () => { mesh.close(); liveness.close(); },
    explain: async (error) => {
      if (!(error instanceof Error) || !failed.has(error)) return error;
      // The peer named in Gloo's error (its address), else the hosts whose program is gone.
      const named = namingHosts(error.message, hosts, addresses);
      const gone = named !== error.message ? [] : (await Promise.all(livenessOf.map(async (address, peer) => (address && !(await answers(address)) ? hosts[peer] : undefined))))
        .filter((host): host is string => host !== undefined);
      // Stay up (answering others' probes) a moment: the other hosts fail at about the same time,
      // and must not take a host that failed like them for one that died.
      await sleep(LINGER_MS);
      if (named !== error.message) return new Error(named);
      if (gone.length === 0) return new Error(`${error.message} (every other host's program is still running: one of them is stalled or unreachable)`);
      return new Error(`${error.message} (host${gone.length > 1 ? 's' : ''} ${gone.join(', ')} stopped: ${gone.length > 1 ? 'their programs are' : 'its program is'} no longer running)`);
    },
  };
}

/** Whether something accepts a connection at the address within 2 s. */
function answers(address: { host: string; port: number }): Promise<boolean> {
  return connectOnce(address.host, address.port, 2000).then((socket) => { socket.destroy(); return true; }, () => false);
}

/**
 * `; 0.21 s of 1.52 s training in collective steps (14 %)`: the share of training (since
 * `began`, a performance.now()) spent in all-reduce and broadcast, waiting for slower hosts
 * included; empty on one host.
 */
export function collectiveShare(cluster: Cluster, began: number): string {
  if (cluster.size === 1) return '';
  const total = (performance.now() - began) / 1000;
  return `; ${cluster.collectiveSeconds.toFixed(3)} s of ${total.toFixed(3)} s training in collective steps (${((100 * cluster.collectiveSeconds) / Math.max(total, 1e-9)).toFixed(1)} %)`;
}

/** A checkpoint's name: `<algorithm>`, or `<algorithm>-<host>` on several hosts (they share the checkpoint URI). */
export function checkpointName(algorithm: string, cluster: Cluster): string {
  return cluster.size > 1 ? `${algorithm}-${cluster.host}` : algorithm;
}

/**
 * The checkpoint every host resumes from, or none: each host's position (`position` of its
 * checkpoint; none is -1) all-reduced, and resumed only when all are equal, so the hosts never
 * continue from different steps (e.g. one host's checkpoint lost or of another configuration).
 */
export function agreeOnResume<T>(cluster: Cluster, state: T | undefined, position: (state: T) => number): T | undefined {
  if (cluster.size === 1) return state;
  const positions = new Float64Array(cluster.size);
  positions[cluster.rank] = state === undefined ? -1 : position(state);
  cluster.allreduceSum(positions);
  if (positions.every((p) => p === positions[0])) return state;
  console.log(`not resuming: the hosts' checkpoints are at different steps (${cluster.hosts.map((h, i) => `${h}: ${positions[i] < 0 ? 'none' : positions[i]}`).join(', ')}); starting over on every host`);
  return undefined;
}

function singleHost(host: string): Cluster {
  return {
    hosts: [host], host, rank: 0, size: 1, first: true,
    allreduceSum: (values) => values,
    broadcast: (values) => values,
    collectiveSeconds: 0,
    close: () => undefined,
    explain: async (error) => error,
  };
}

interface Mesh {
  addresses(): Array<Buffer | null>;
  connect(addresses: Array<Buffer | null>): void;
  allreduceSum(values: Float64Array): Float64Array;
  broadcast<T extends Float32Array | Float64Array>(values: T, root: number): T;
  close(): void;
}

/** The Gloo addon, next to the bundled program or in the build folder; a clear error without it. */
function collectiveAddon(): { Mesh: new (rank: number, size: number, address: string, timeoutMs: number) => Mesh } {
  const candidates = [
    ...(process.env.SAGEMAKER_COLLECTIVE_ADDON ? [process.env.SAGEMAKER_COLLECTIVE_ADDON] : []),
    path.join(__dirname, 'sagemaker_collective.node'),
    path.join(__dirname, '..', 'native', 'build', 'Release', 'sagemaker_collective.node'),
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    if (!fs.existsSync(candidate)) { problems.push(`${candidate}: not built`); continue; }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(candidate);
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new Error('multi-host training needs the collective addon, built with Gloo (Debian/Ubuntu package libgloo-dev; '
    + `scripts/install-system-deps.sh installs it), and this image has none: ${problems.join('; ')}`);
}

/** A host's IPv4 address: COMPANION_HOST_ADDRESSES, else the container's resolver. */
async function resolveHost(host: string): Promise<string> {
  const given = process.env.COMPANION_HOST_ADDRESSES;
  if (given) {
    const map = JSON.parse(given) as Record<string, string>;
    if (typeof map[host] !== 'string') throw new Error(`COMPANION_HOST_ADDRESSES names no address for host ${host}`);
    return map[host];
  }
  try {
    return (await dns.lookup(host, { family: 4 })).address;
  } catch (error) {
    throw new Error(`host ${host} (from resourceconfig.json) does not resolve: ${(error as Error).message}`);
  }
}

/** Resolves every host, retrying a while: a host's name may resolve only once it is up. */
async function resolveAll(hosts: readonly string[]): Promise<string[]> {
  return Promise.all(hosts.map(async (host) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await resolveHost(host);
      } catch (error) {
        if (attempt >= 20) throw error;
        await sleep(500);
      }
    }
  }));
}

/**
 * Names the host whose address is in a Gloo error (`Read error [10.0.1.7]:4242: …`: the peer of the
 * failed connection), so the reason says which host; the message unchanged when none matches.
 */
function namingHosts(message: string, hosts: readonly string[], addresses: readonly string[]): string {
  const named = hosts.filter((_, i) => message.includes(`[${addresses[i]}]`));
  return named.length > 0 ? `${message} (host ${named.join(', ')} stopped answering: it died, was stopped, or is unreachable)` : message;
}

type Table = Array<Array<string | null>>;

/** The first host: collects every host's addresses within the timeout, then sends the table to all. */
async function coordinate(hosts: readonly string[], address: string, mine: Array<string | null>, options: ClusterOptions): Promise<Table> {
  const table: Table = hosts.map(() => []);
  table[0] = mine;
  const joined = new Map<number, net.Socket>();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`the first host could not listen on ${address}:${options.port} (_collective_port): ${error.message}`)));
    server.listen(options.port, address, () => resolve());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = hosts.filter((_, i) => i > 0 && !joined.has(i));
        const reason = `host${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not join within ${options.timeoutSeconds} s `
          + `(_collective_timeout): ${joined.size + 1} of ${hosts.length} hosts joined`;
        for (const socket of joined.values()) socket.end(`${JSON.stringify({ error: reason })}\n`);
        reject(new Error(reason));
      }, options.timeoutSeconds * 1000);
      server.on('connection', (socket) => {
        readLine(socket).then((line) => {
          const message = JSON.parse(line) as { host: string; hosts: string[]; addresses: Array<string | null> };
          const rank = hosts.indexOf(message.host);
          if (rank <= 0 || JSON.stringify(message.hosts) !== JSON.stringify(hosts) || joined.has(rank)) {
            socket.end(`${JSON.stringify({ error: `host ${message.host} with hosts ${message.hosts.join(', ')} does not belong to this job (hosts ${hosts.join(', ')})` })}\n`);
            return;
          }
          table[rank] = message.addresses;
          joined.set(rank, socket);
          if (joined.size === hosts.length - 1) {
            clearTimeout(timer);
            for (const peer of joined.values()) peer.end(`${JSON.stringify({ table })}\n`);
            resolve();
          }
        }, () => socket.destroy());
      });
    });
  } finally {
    server.close();
  }
  return table;
}

/** Any other host: sends its addresses to the first host (retrying until it listens) and waits for the table. */
async function join(hosts: readonly string[], host: string, address: string, mine: Array<string | null>, options: ClusterOptions): Promise<Table> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let lastProblem = '';
  while (Date.now() < deadline) {
    let socket: net.Socket | undefined;
    try {
      socket = await connectOnce(address, options.port, deadline - Date.now());
    } catch (error) {
      lastProblem = (error as Error).message;
      await sleep(250);
      continue;
    }
    socket.write(`${JSON.stringify({ host, hosts, addresses: mine })}\n`);
    // The first host answers once all have joined, or with the reason it gave up (its own timeout).
    socket.setTimeout(deadline - Date.now() + 5000, () => socket!.destroy(new Error('no answer')));
    const answer = await readLine(socket).catch((error: Error) => JSON.stringify({ lost: error.message }));
    socket.destroy();
    const message = JSON.parse(answer) as { table?: Table; error?: string; lost?: string };
    if (message.table) return message.table;
    if (message.error) throw new Error(`the first host ${hosts[0]} ended the join: ${message.error}`);
    throw new Error(`the first host ${hosts[0]} (${address}:${options.port}) stopped answering while the hosts joined: ${message.lost}`);
  }
  throw new Error(`the first host ${hosts[0]} did not answer on ${address}:${options.port} (_collective_port) within ${options.timeoutSeconds} s `
    + `(_collective_timeout): ${lastProblem}`);
}

function connectOnce(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('connect timed out')); }, Math.max(1, Math.min(timeoutMs, 5000)));
    socket.once('connect', () => { clearTimeout(timer); resolve(socket); });
    socket.once('error', (error) => { clearTimeout(timer); reject(error); });
  });
}

/** The first line a socket sends (rejecting if it closes before one). */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    socket.once('end', () => reject(new Error('the connection closed')));
    socket.once('error', reject);
  });
}

/** How long a host that failed a collective step keeps answering liveness probes before it exits. */
const LINGER_MS = 2000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
