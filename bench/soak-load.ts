/**
 * Soak: mixed traffic against one serving process tree for a long time — valid requests in every
 * content type, and malformed ones (bad numbers, wrong column counts, bad JSON, invalid UTF-8,
 * truncated RecordIO, unknown content types, empty and oversized bodies). Counts answers per kind,
 * samples the resident memory of the server and all its workers, and prints the Markdown section
 * for bench/RESULTS.md. Exits non-zero when a valid request got anything but 200, a malformed one
 * anything but a 4xx, or memory grew 10 % or more from the first minute after the warm-up to the
 * last. The warm-up is traffic like the rest but not counted for memory: V8 grows each worker's
 * young generation to the allocation rate over the first minutes, which is sizing, not a leak.
 *
 * Usage: ts-node bench/soak-load.ts <measured seconds> <warm-up seconds> <URL> <server pid>
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import { encodeRecords } from '../containers/runtime/recordio';

const [seconds, warmupSeconds, url, pidText] = process.argv.slice(2);
const warmup = Number(warmupSeconds) * 1000;
const duration = warmup + Number(seconds) * 1000;
const serverPid = Number(pidText);
const d = 50;
const row = (r: number) => Array.from({ length: d }, (_, j) => Number(Math.sin(r * 7.1 + j * 0.37).toFixed(4)));
const rows = (n: number) => Array.from({ length: n }, (_, r) => row(r));

interface Case { name: string; valid: boolean; contentType: string; body: Buffer; weight: number }
const csv = (values: number[][]) => Buffer.from(values.map((v) => v.join(',')).join('\n'));
const recordio = encodeRecords(rows(10).map((features) => ({ values: features })));
const cases: Case[] = [
  { name: 'CSV, 1 row', valid: true, contentType: 'text/csv', body: csv(rows(1)), weight: 20 },
  { name: 'CSV, 100 rows', valid: true, contentType: 'text/csv', body: csv(rows(100)), weight: 10 },
  { name: 'JSON, 10 rows', valid: true, contentType: 'application/json', body: Buffer.from(JSON.stringify({ instances: rows(10).map((features) => ({ features })) })), weight: 10 },
  { name: 'JSON Lines, 10 rows', valid: true, contentType: 'application/jsonlines', body: Buffer.from(rows(10).map((f) => JSON.stringify({ features: f })).join('\n')), weight: 5 },
  { name: 'RecordIO, 10 rows', valid: true, contentType: 'application/x-recordio-protobuf', body: recordio, weight: 5 },
  { name: 'CSV, a word among the numbers', valid: false, contentType: 'text/csv', body: Buffer.from(`${row(0).slice(1).join(',')},abc`), weight: 3 },
  { name: 'CSV, 49 columns', valid: false, contentType: 'text/csv', body: csv([row(0).slice(1)]), weight: 3 },
  { name: 'CSV, NaN', valid: false, contentType: 'text/csv', body: Buffer.from(`${row(0).slice(1).join(',')},NaN`), weight: 2 },
  { name: 'JSON, cut short', valid: false, contentType: 'application/json', body: Buffer.from('{"instances": [{"features": [1, 2'), weight: 3 },
  { name: 'JSON, invalid UTF-8', valid: false, contentType: 'application/json', body: Buffer.concat([Buffer.from('{"features": [1], "x": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), weight: 2 },
  { name: 'RecordIO, truncated', valid: false, contentType: 'application/x-recordio-protobuf', body: recordio.subarray(0, recordio.length - 7), weight: 2 },
  { name: 'RecordIO, wrong magic', valid: false, contentType: 'application/x-recordio-protobuf', body: Buffer.concat([Buffer.from([1, 2, 3, 4]), recordio.subarray(4)]), weight: 2 },
  { name: 'unknown content type', valid: false, contentType: 'application/x-npy', body: csv(rows(1)), weight: 2 },
  { name: 'empty body', valid: false, contentType: 'text/csv', body: Buffer.alloc(0), weight: 2 },
  { name: 'body of 6 MB + 1 byte', valid: false, contentType: 'text/csv', body: Buffer.alloc(6 * 1024 * 1024 + 1, 0x31), weight: 0.05 },
];
const totalWeight = cases.reduce((sum, c) => sum + c.weight, 0);
const pick = (): Case => {
  let x = Math.random() * totalWeight;
  for (const c of cases) if ((x -= c.weight) < 0) return c;
  return cases[0];
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function send(c: Case): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/invocations`, { method: 'POST', agent, headers: { 'content-type': c.contentType, 'accept': 'application/json', 'content-length': c.body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0)); // 0: no answer at all (reset, refused)
    req.end(c.body);
  });
}

/** Resident set of a process and all its descendants, from /proc. */
function treeRssBytes(root: number): number {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* the process ended meanwhile */ }
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents) if (tree.has(parent) && !tree.has(pid)) { tree.add(pid); grew = true; }
  }
  let bytes = 0;
  for (const pid of tree) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      bytes += Number(match?.[1] ?? 0) * 1024;
    } catch { /* ended */ }
  }
  return bytes;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const tally = new Map<string, Map<number, number>>(cases.map((c) => [c.name, new Map()]));
  const samples: Array<{ at: number; rss: number }> = [];
  const began = Date.now();
  const sampler = setInterval(() => samples.push({ at: Date.now() - began, rss: treeRssBytes(serverPid) }), 5000);
  let requests = 0;
  const loop = async () => {
    while (Date.now() - began < duration) {
      const c = pick();
      const status = await send(c);
      const counts = tally.get(c.name)!;
      counts.set(status, (counts.get(status) ?? 0) + 1);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, loop));
  clearInterval(sampler);
  agent.destroy();

  const firstMinute = samples.filter((s) => s.at > warmup && s.at <= warmup + 60_000).map((s) => s.rss);
  const lastMinute = samples.filter((s) => s.at >= duration - 60_000).map((s) => s.rss);
  const growth = median(lastMinute) / median(firstMinute) - 1;
  const badValid = cases.filter((c) => c.valid).reduce((n, c) => n + [...tally.get(c.name)!].filter(([s]) => s !== 200).reduce((m, [, k]) => m + k, 0), 0);
  const badMalformed = cases.filter((c) => !c.valid).reduce((n, c) => n + [...tally.get(c.name)!].filter(([s]) => s < 400 || s >= 500).reduce((m, [, k]) => m + k, 0), 0);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

  console.log(`\n### Soak: companion Linear Learner \`serve\`, ${seconds} s of mixed traffic after a ${warmupSeconds} s warm-up (${new Date().toISOString().slice(0, 10)})\n`);
  console.log(`Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB. 8 keep-alive clients on loopback, each sending the next request as soon as the last is answered; kinds drawn at random by weight. ${requests} requests, ${(requests / (duration / 1000)).toFixed(0)} per second, warm-up included.\n`);
  console.log('| request | valid? | answers (status × count) |');
  console.log('| --- | --- | --- |');
  for (const c of cases) {
    console.log(`| ${c.name} | ${c.valid ? 'yes' : 'no'} | ${[...tally.get(c.name)!].sort(([a], [b]) => a - b).map(([s, k]) => `${s} × ${k}`).join(', ')} |`);
  }
  const minutes = Array.from({ length: Math.ceil(duration / 60_000) }, (_, m) => samples.filter((s) => s.at > m * 60_000 && s.at <= (m + 1) * 60_000).map((s) => s.rss))
    .filter((minute) => minute.length > 0);
  console.log(`\nResident memory by minute (MiB, median of 5 s samples): ${minutes.map((minute) => mib(median(minute))).join(', ')}.`);
  console.log(`Resident memory of the server and its workers: first minute after the warm-up ${mib(median(firstMinute))} MiB, last minute ${mib(median(lastMinute))} MiB, growth ${(growth * 100).toFixed(1)} % (target < 10 %); peak ${mib(Math.max(...samples.map((s) => s.rss)))} MiB.`);
  console.log(`Valid requests answered other than 200: ${badValid} (target 0). Malformed requests answered other than 4xx: ${badMalformed} (target 0).`);
  if (badValid > 0 || badMalformed > 0 || !(growth < 0.1)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
