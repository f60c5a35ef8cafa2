#!/usr/bin/env bash
# K-Means, one thread each, in CPU time: one Lloyd iteration of scikit-learn (on each OpenBLAS core
# type, bench/peer-coretypes.sh) against our assignment pass on each vector path, same seeded data.
# What the kernels do per core, which the wall-clock benchmarks (bench/kmeans-lloyd.sh) cannot show
# on a machine whose cores other work shares. Appends a table to bench/RESULTS.md.
# Usage: bash bench/kmeans-single-thread.sh [n] [d] [k] [repeats]      (defaults: 200000 64 64 9)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}; d=${2:-64}; k=${3:-64}; repeats=${4:-9}
[ -n "${BENCH_SKIP_BUILD:-}" ] || npm run build:native >/dev/null
source bench/peer-coretypes.sh
work=$(mktemp -d)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
peer=$(run_peer_coretypes /usr/bin/python3 bench/kmeans_single_thread.py "$n" "$d" "$k" "$repeats" "$work")
ours=$(SM_NATIVE_THREADS=1 node bench/kmeans-single-thread.mjs "$work" "$d" "$repeats" | paste -sd, -)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$work"
node - "$n" "$d" "$k" "$repeats" "$peer" "[$ours]" "$load_before" "$load_after" <<'JS' | tee -a bench/RESULTS.md
const [n, d, k, repeats, peerJson, oursJson, loadBefore, loadAfter] = process.argv.slice(2);
const peers = JSON.parse(peerJson), ours = JSON.parse(oursJson);
const ms = (s) => (s * 1000).toFixed(1);
const best = peers.reduce((a, b) => (b.cpu_seconds_median < a.cpu_seconds_median ? b : a));
const flops = 2 * n * d * k;
console.log(`\n### K-Means, one thread each, CPU time: n=${n}, d=${d}, k=${k} (${new Date().toISOString().slice(0, 10)})\n`);
console.log(`Load average ${loadBefore} before, ${loadAfter} after; median of ${repeats} after a warm-up. Peer: scikit-learn's Lloyd iteration (the routine KMeans.fit calls), OpenMP and BLAS on one thread.\n`);
console.log('| implementation | CPU ms (median) | CPU ms (fastest) | GFLOP/s per core (2nkd / median) | speed vs the peer\'s best |');
console.log('| --- | --- | --- | --- | --- |');
for (const p of peers) console.log(`| peer: ${p.blas.join('; ')} (OPENBLAS_CORETYPE ${p.coretype}) | ${ms(p.cpu_seconds_median)} | ${ms(p.cpu_seconds_min)} | ${(flops / p.cpu_seconds_median / 1e9).toFixed(0)} | ${(best.cpu_seconds_median / p.cpu_seconds_median).toFixed(2)}× |`);
for (const o of ours) console.log(`| ours: ${o.path} path | ${ms(o.cpu_seconds_median)} | ${ms(o.cpu_seconds_min)} | ${(flops / o.cpu_seconds_median / 1e9).toFixed(0)} | ${(best.cpu_seconds_median / o.cpu_seconds_median).toFixed(2)}× |`);
JS
