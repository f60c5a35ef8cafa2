#!/usr/bin/env bash
# Linear Learner: one training epoch of several models in parallel (logistic loss, Adam, L2), ours
# (native CPU kernel) against the same algorithm in NumPy, same data, same machine, in one command;
# then evaluating every model's metrics over all rows, both sides.
# Appends a table to bench/RESULTS.md. The peer runs once per OpenBLAS core type
# (bench/peer-coretypes.sh) and the table shows it on its fastest kernel per measure, named.
# Usage: bash bench/linear-learner-epoch.sh [n] [d] [batch] [repeats] [models...]   (defaults: 200000 64 1000 7 8 32)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}; d=${2:-64}; batch=${3:-1000}; repeats=${4:-7}
shift $(( $# < 4 ? $# : 4 ))
model_counts=("${@:-8 32}")
if ! /usr/bin/python3 -c 'import numpy, threadpoolctl' 2>/dev/null; then
  apt-get install -y -q python3-sklearn >/dev/null
fi
# BENCH_SKIP_BUILD=1 keeps the addon already built (say, a CPU-only build).
[ -n "${BENCH_SKIP_BUILD:-}" ] || npm run build:native >/dev/null 2>&1
source bench/peer-coretypes.sh
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
rows=()
for models in ${model_counts[*]}; do
  peer=$(run_peer_coretypes /usr/bin/python3 bench/linear_learner_numpy.py "$n" "$d" "$models" "$batch" "$repeats" "$work")
  ours=$(npx ts-node --transpile-only -P tsconfig.dev.json bench/linear-learner-epoch.ts "$work" "$d" "$models" "$batch" "$repeats")
  rows+=("{\"models\":$models,\"peer\":$peer,\"ours\":$ours}")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$work"
node - "$n" "$d" "$batch" "$repeats" "$load_before" "$load_after" "${rows[@]}" <<'JS' | tee -a bench/RESULTS.md
const [n, d, batch, repeats, loadBefore, loadAfter, ...rows] = process.argv.slice(2);
const os = require('os');
const ms = (s) => (s * 1000).toFixed(1);
const runs = rows.map((row) => JSON.parse(row));
const best = (peers, key) => peers.reduce((a, b) => (b[key] < a[key] ? b : a));
for (const run of runs) {
  if (run.peer.length === 0) throw new Error('the peer ran on no OpenBLAS core type');
  run.peers = run.peer;
  run.peer = best(run.peers, 'seconds_per_epoch');
  run.evaluationPeer = best(run.peers, 'seconds_per_evaluation');
  run.minPeer = best(run.peers, 'seconds_per_epoch_min');
}
const kernel = (p) => `${p.blas.map((b) => b.split(' ')[2]).join('/')} (OPENBLAS_CORETYPE ${p.coretype})`;
console.log(`\n### Linear Learner: one epoch, logistic loss, Adam, n=${n}, d=${d}, mini-batch ${batch} (${new Date().toISOString().slice(0, 10)})\n`);
console.log(`Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after. Median of ${repeats} timed epochs after a warm-up.`);
console.log(`Peer: ${runs[0].peer.peer} with ${runs[0].peer.blas.join('; ')}, on its fastest OpenBLAS kernel per row and measure (named in the rows) out of: ${runs[0].peers.map((p) => p.coretype).join(', ')}; ours: the native CPU kernel, a thread per block of eight models up to the core count (with fewer blocks than cores, the threads split each mini-batch's rows).`);
console.log(`Memory on transparent huge pages: peer ${(runs[0].peer.huge_pages_kib / 1024).toFixed(0)} MiB, ours ${(runs[0].ours.huge_pages_kib / 1024).toFixed(0)} MiB.\n`);
console.log('| models | peer kernel | peer ms (median) | peer ms on each kernel | ours ms (median) | speed vs peer | fastest runs: peer / ours ms | speed vs peer | largest weight difference |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const run of runs) {
  console.log(`| ${run.models} | ${kernel(run.peer)} | ${ms(run.peer.seconds_per_epoch)} | ${run.peers.map((p) => `${p.coretype} ${ms(p.seconds_per_epoch)}`).join(', ')} | ${ms(run.ours.seconds_per_epoch)} | ${(run.peer.seconds_per_epoch / run.ours.seconds_per_epoch).toFixed(2)}× | ${ms(run.minPeer.seconds_per_epoch_min)} (${run.minPeer.coretype}) / ${ms(run.ours.seconds_per_epoch_min)} | ${(run.minPeer.seconds_per_epoch_min / run.ours.seconds_per_epoch_min).toFixed(2)}× | ${run.ours.max_weight_difference.toExponential(1)} |`);
}
console.log(`\nEvaluating every model (objective loss, accuracy, precision, recall) over all ${n} rows after the epoch, as training does each epoch: the peer with one BLAS product and NumPy reductions; ours with the native kernel's one pass (linearEvaluate); "before" is what training did until then (each model's scores by linearScores, the metrics summed in JavaScript; median of up to 3).\n`);
console.log('| models | peer kernel | peer ms (median) | ours ms (median) | speed vs peer | before ms | objective loss vs float64 scores |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const run of runs) {
  console.log(`| ${run.models} | ${kernel(run.evaluationPeer)} | ${ms(run.evaluationPeer.seconds_per_evaluation)} | ${ms(run.ours.seconds_per_evaluation)} | ${(run.evaluationPeer.seconds_per_evaluation / run.ours.seconds_per_evaluation).toFixed(2)}× | ${ms(run.ours.seconds_per_evaluation_before)} | ${run.ours.objective_difference_from_float64.toExponential(1)} |`);
}
JS
