#!/usr/bin/env bash
# K-Means: a one-iteration Lloyd fit, ours (native CPU kernel) against scikit-learn's Lloyd, same data,
# same starting centers, same machine, in one command. Appends a table to bench/RESULTS.md.
# Usage: bash bench/kmeans-lloyd.sh [n] [d] [k] [repeats]      (defaults: 200000 64 64 11)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}; d=${2:-64}; k=${3:-64}; repeats=${4:-11}
if ! /usr/bin/python3 -c 'import sklearn, threadpoolctl' 2>/dev/null; then
  apt-get install -y -q python3-sklearn >/dev/null
fi
npm run build:native >/dev/null
work=$(mktemp -d)
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on some machines here for old OpenBLAS builds and
# slow a current numpy: the peer runs without them.
peer=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/kmeans_lloyd_sklearn.py "$n" "$d" "$k" "$repeats" "$work")
ours=$(npx ts-node --transpile-only -P tsconfig.dev.json bench/kmeans-lloyd.ts "$work" "$d" "$repeats")
rm -rf "$work"
node - "$n" "$d" "$k" "$repeats" "$peer" "$ours" <<'JS' | tee -a bench/RESULTS.md
const [n, d, k, repeats, peerJson, oursJson] = process.argv.slice(2);
const peer = JSON.parse(peerJson), ours = JSON.parse(oursJson);
const os = require('os');
const ms = (s) => (s * 1000).toFixed(1);
console.log(`\n### K-Means: one Lloyd iteration and the final assignment, n=${n}, d=${d}, k=${k} (${new Date().toISOString().slice(0, 10)})\n`);
console.log(`Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB. Median of ${repeats} timed runs after a warm-up.\n`);
console.log('| implementation | fit of one iteration, ms (median) | speed vs peer | one Lloyd iteration, ms (median) | speed vs peer |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| ${peer.peer} (${peer.threads.join(', ')}) | ${ms(peer.seconds_per_fit1)} | 1.00× | ${ms(peer.seconds_per_iteration)} | 1.00× |`);
console.log(`| ours: native ${ours.kernels} | ${ms(ours.seconds_per_fit1)} | ${(peer.seconds_per_fit1 / ours.seconds_per_fit1).toFixed(2)}× | ${ms(ours.seconds_per_iteration)} | ${(peer.seconds_per_iteration / ours.seconds_per_iteration).toFixed(2)}× |`);
console.log(`\nCenters after 10 iterations from the same start: largest difference ${ours.max_center_difference_after_10.toExponential(2)} (target ≤ 1e-4).`);
JS
