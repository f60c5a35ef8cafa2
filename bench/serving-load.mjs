// Drives both serving stacks with autocannon, the same payloads in the same order, and prints the
// Markdown table for bench/RESULTS.md. First checks that both answer the same predictions.
// Usage: node bench/serving-load.mjs <seconds> <ours URL> <peer URL> <peer description>
import autocannon from 'autocannon';
import os from 'node:os';

const [seconds, oursUrl, peerUrl, peerName] = process.argv.slice(2);
const duration = Number(seconds);
const d = 50;
const row = (r) => Array.from({ length: d }, (_, j) => Math.sin(r * 7.1 + j * 0.37).toFixed(4));
const csv = (rows) => Array.from({ length: rows }, (_, r) => row(r).join(',')).join('\n');
const cases = [
  { name: 'CSV, 1 row', contentType: 'text/csv', body: csv(1) },
  { name: 'CSV, 100 rows', contentType: 'text/csv', body: csv(100) },
  { name: 'JSON, 1 row', contentType: 'application/json', body: JSON.stringify({ instances: [{ features: row(0).map(Number) }] }) },
  { name: 'JSON, 100 rows', contentType: 'application/json', body: JSON.stringify({ instances: Array.from({ length: 100 }, (_, r) => ({ features: row(r).map(Number) })) }) },
];

async function predictions(url, c) {
  const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': c.contentType, accept: 'application/json' }, body: c.body });
  if (!response.ok) throw new Error(`${url} answered ${response.status} to ${c.name}: ${await response.text()}`);
  return (await response.json()).predictions;
}

function load(url, c, seconds) {
  return autocannon({
    url: `${url}/invocations`, method: 'POST', headers: { 'content-type': c.contentType, accept: 'application/json' },
    body: c.body, connections: 16, duration: seconds,
  });
}

for (const c of cases) {
  const [ours, peer] = [await predictions(oursUrl, c), await predictions(peerUrl, c)];
  const worst = Math.max(...ours.map((p, i) => Math.abs(p.score - peer[i].score)));
  if (ours.length !== peer.length || worst > 1e-5) throw new Error(`the stacks disagree on ${c.name}: largest score difference ${worst}`);
}

const results = [];
for (const c of cases) {
  for (const [who, url] of [['ours', oursUrl], ['peer', peerUrl]]) {
    await load(url, c, Math.min(5, duration)); // warm-up
    const r = await load(url, c, duration);
    results.push({ case: c.name, who, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx });
  }
}

console.log(`\n### Serving: companion Linear Learner against Flask + gunicorn + nginx, 50 features (${new Date().toISOString().slice(0, 10)})\n`);
console.log(`Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load from autocannon on loopback (16 connections, keep-alive), ${duration} s per case after a ${Math.min(5, duration)} s warm-up, on the same cores.`);
console.log(`Peer: ${peerName}. Ours: \`serve\` of the companion image, a worker per core. Both answer the same predictions (checked first).\n`);
console.log('| payload | ours req/s | peer req/s | throughput vs peer | ours p50 / p99 ms | peer p50 / p99 ms | errors (ours / peer) |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
// autocannon reports latency in whole milliseconds.
const ms = (value) => (value < 1 ? '<1' : String(value));
for (const c of cases) {
  const [ours, peer] = ['ours', 'peer'].map((who) => results.find((r) => r.case === c.name && r.who === who));
  console.log(`| ${c.name} | ${ours.rps.toFixed(0)} | ${peer.rps.toFixed(0)} | ${(ours.rps / peer.rps).toFixed(2)}× | ${ms(ours.p50)} / ${ms(ours.p99)} | ${ms(peer.p50)} / ${ms(peer.p99)} | ${ours.errors} / ${peer.errors} |`);
}
