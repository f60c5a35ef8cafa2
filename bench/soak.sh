#!/usr/bin/env bash
# Soak: the companion Linear Learner's `serve` (a worker per core) under mixed valid and malformed
# traffic for a long time; checks memory growth and that only malformed requests get 4xx. Appends
# its section to bench/RESULTS.md.
# Usage: bash bench/soak.sh [measured seconds] [warm-up seconds]     (defaults 900 and 180)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-900}
warmup=${2:-180}
npm run build:native >/dev/null 2>&1
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; sleep 1; rm -rf "$work"; }
trap cleanup EXIT
bash bench/train-serving-model.sh "$work"
node containers/dist/local.js serve linear-learner --model "$work/model.tar.gz" --port 18090 >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18090/ping >/dev/null && break; sleep 0.2; done
npx ts-node --transpile-only -P tsconfig.dev.json bench/soak-load.ts "$seconds" "$warmup" http://127.0.0.1:18090 "$server" | tee "$work/section.md"
status=${PIPESTATUS[0]}
cat "$work/section.md" >> bench/RESULTS.md
exit "$status"
