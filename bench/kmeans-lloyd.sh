#!/usr/bin/env bash
# K-Means: a one-iteration Lloyd fit, ours (native CPU kernel) against scikit-learn's Lloyd, same data,
# same starting centers, same machine, in one command. Appends a table to bench/RESULTS.md.
# The peer runs once per OpenBLAS core type (bench/peer-coretypes.sh) and the table shows it on its
# fastest kernel per measure, named, with every kernel's times beside it.
# Usage: bash bench/kmeans-lloyd.sh [n] [d] [k] [repeats]      (defaults: 200000 64 64 11)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}; d=${2:-64}; k=${3:-64}; repeats=${4:-11}
if ! /usr/bin/python3 -c 'import sklearn, threadpoolctl' 2>/dev/null; then
  apt-get install -y -q python3-sklearn >/dev/null
fi
# BENCH_SKIP_BUILD=1 keeps the addon already built (say, a CPU-only build).
[ -n "${BENCH_SKIP_BUILD:-}" ] || npm run build:native >/dev/null
work=$(mktemp -d)
source bench/peer-coretypes.sh
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
peer=$(run_peer_coretypes /usr/bin/python3 bench/kmeans_lloyd_sklearn.py "$n" "$d" "$k" "$repeats" "$work")
ours=$(npx ts-node --transpile-only -P tsconfig.dev.json bench/kmeans-lloyd.ts "$work" "$d" "$repeats")
# Ours again on the AVX2 path where the machine has a wider one: what the AVX-512 path adds.
narrower=null
if node -e "process.exit(require('./containers/native/build/Release/sagemaker_native.node').cpuPaths.includes('avx512') ? 0 : 1)"; then
  narrower=$(SM_NATIVE_CPU_PATH=avx2 npx ts-node --transpile-only -P tsconfig.dev.json bench/kmeans-lloyd.ts "$work" "$d" "$repeats")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$work"
node - "$n" "$d" "$k" "$repeats" "$peer" "$ours" "$load_before" "$load_after" "$narrower" <<'JS' | tee -a bench/RESULTS.md
const [n, d, k, repeats, peersJson, oursJson, loadBefore, loadAfter, narrowerJson] = process.argv.slice(2);
const peers = JSON.parse(peersJson), ours = JSON.parse(oursJson), narrower = JSON.parse(narrowerJson);
if (peers.length === 0) throw new Error('the peer ran on no OpenBLAS core type');
const best = (key) => peers.reduce((a, b) => (b[key] < a[key] ? b : a));
const fitPeer = best('seconds_per_fit1'), iterationPeer = best('seconds_per_iteration'), minPeer = best('seconds_per_iteration_min');
const kernel = (p) => `${p.blas.join('; ')}; OPENBLAS_CORETYPE ${p.coretype}`;
const os = require('os');
const ms = (s) => (s * 1000).toFixed(1);
console.log(`\n### K-Means: one Lloyd iteration and the final assignment, n=${n}, d=${d}, k=${k} (${new Date().toISOString().slice(0, 10)})\n`);
console.log(`Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after. Median of ${repeats} timed runs after a warm-up.`);
console.log(`Peer: ${fitPeer.peer}, ${fitPeer.threads.join(', ')}; on its fastest OpenBLAS kernel per measure, out of ${peers.map((p) => `${p.coretype} (${p.blas.map((b) => b.split(' ')[2]).join('/')}: ${ms(p.seconds_per_iteration)} ms per iteration)`).join(', ')}.`);
console.log(`Memory on transparent huge pages: peer ${(fitPeer.huge_pages_kib / 1024).toFixed(0)} MiB, ours ${(ours.huge_pages_kib / 1024).toFixed(0)} MiB.\n`);
console.log('| implementation | fit of one iteration, ms (median) | speed vs peer | one Lloyd iteration, ms (median) | speed vs peer | one Lloyd iteration, ms (fastest run) | speed vs peer |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(`| peer, fit: ${kernel(fitPeer)}; iteration: ${kernel(iterationPeer)}; fastest: ${kernel(minPeer)} | ${ms(fitPeer.seconds_per_fit1)} | 1.00× | ${ms(iterationPeer.seconds_per_iteration)} | 1.00× | ${ms(minPeer.seconds_per_iteration_min)} | 1.00× |`);
const row = (label, o) => `| ${label} | ${ms(o.seconds_per_fit1)} | ${(fitPeer.seconds_per_fit1 / o.seconds_per_fit1).toFixed(2)}× | ${ms(o.seconds_per_iteration)} | ${(iterationPeer.seconds_per_iteration / o.seconds_per_iteration).toFixed(2)}× | ${ms(o.seconds_per_iteration_min)} | ${(minPeer.seconds_per_iteration_min / o.seconds_per_iteration_min).toFixed(2)}× |`;
console.log(row(`ours: native ${ours.kernels}`, ours));
if (narrower) console.log(row(`ours: native ${narrower.kernels} (forced)`, narrower));
console.log(`\nCenters after 10 iterations from the same start: largest difference ${ours.max_center_difference_after_10.toExponential(2)} (target ≤ 1e-4).`);
JS
