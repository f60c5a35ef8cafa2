#!/usr/bin/env bash
# Fails when API.md is not what jsii-docgen makes from the current assembly (.jsii, written by
# `npm run build`): regenerates into a temporary directory and diffs. Fix with `npm run docgen`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f .jsii ]]; then
  echo "docgen:check: no .jsii assembly; run 'npm run build' first" >&2
  exit 1
fi
newest_source="$(find lib -name '*.ts' ! -name '*.d.ts' -newer .jsii -print -quit)"
if [[ -n "$newest_source" ]]; then
  echo "docgen:check: .jsii is older than $newest_source; run 'npm run build' first" >&2
  exit 1
fi

if [[ ! -f API.md ]]; then
  echo "docgen:check: API.md is missing; run 'npm run docgen' and commit it" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npx --no-install jsii-docgen --output "$tmp/API.md"

if ! diff -u API.md "$tmp/API.md" > "$tmp/API.diff"; then
  echo "docgen:check: API.md is out of date with the public API in .jsii ($(grep -c '^[-+][^-+]' "$tmp/API.diff") changed lines)." >&2
  echo "Run 'npm run build && npm run docgen' and commit API.md. First lines of the difference:" >&2
  head -n 40 "$tmp/API.diff" >&2
  exit 1
fi
echo "docgen:check: API.md is current"
