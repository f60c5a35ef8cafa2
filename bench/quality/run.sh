#!/usr/bin/env bash
# Quality benchmark: the companion K-Means and Linear Learner against scikit-learn on its bundled
# real data sets (Debian's python3-sklearn: apt-get install python3-sklearn python3-threadpoolctl).
# Uses Debian's python3 (/usr/bin/python3), where that package installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
/usr/bin/python3 bench/quality/sklearn_reference.py "$out/reference.json"
npx ts-node --transpile-only -P tsconfig.dev.json bench/quality/run.ts "$out/reference.json"
