#!/usr/bin/env bash
# The native kernels of an earlier commit against the working tree's, in ONE process, calls
# interleaved (old, new, new, old, ...) on the same data: K-Means' fused assignment (one Lloyd
# iteration's work) and a Linear Learner epoch and evaluation of 8 and 32 models. On a shared
# machine the load moves between two separate benchmark commands far more than any kernel change
# would (bench/RESULTS.md, 2026-11-29); interleaving exposes both sides to the same load, and the
# minimum is the least disturbed run. Prints a table; nothing is appended.
# Usage: bash bench/native-ab.sh <commit> [rounds]      (default rounds: 15)
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:?usage: bash bench/native-ab.sh <commit> [rounds]}
rounds=${2:-15}
old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT
git archive "$commit" containers | tar -x -C "$old"
ln -s "$PWD/node_modules" "$old/node_modules"
NODE_MODULES="$PWD/node_modules" bash "$old/containers/build.sh" >/dev/null 2>&1
npm run build:native >/dev/null
echo "old: $commit ($(git log -1 --format=%cs "$commit")); new: the working tree at $(git rev-parse --short HEAD)"
npx ts-node --transpile-only -P tsconfig.dev.json bench/native-ab.ts "$old/containers/native" "$rounds"
