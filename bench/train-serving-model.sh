#!/usr/bin/env bash
# Trains the model the serving benchmarks load: the companion Linear Learner, binary classification,
# 50 features, label in the first column. Writes <dir>/model.tar.gz and unpacks it into <dir>/model.
# Usage: bash bench/train-serving-model.sh <dir>
set -euo pipefail
cd "$(dirname "$0")/.."
work=$1
node -e '
const rows = [];
for (let r = 0; r < 5000; r++) {
  const x = Array.from({ length: 50 }, (_, j) => Math.sin(r * 1.3 + j * 0.7) + Math.cos(r * j * 0.01));
  rows.push([x[0] + x[1] - x[2] > 0 ? 1 : 0, ...x.map((v) => v.toFixed(5))].join(","));
}
require("fs").writeFileSync(process.argv[1], rows.join("\n") + "\n");' "$work/train.csv"
node containers/dist/local.js train linear-learner --train "$work/train.csv" --hp predictor_type=binary_classifier --hp feature_dim=50 --out "$work/model.tar.gz" >/dev/null
mkdir -p "$work/model" && tar -xzf "$work/model.tar.gz" -C "$work/model"
