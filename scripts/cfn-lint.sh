#!/usr/bin/env bash
# Lints the synthesized templates (cdk.out/*.template.json, or the directory given) with cfn-lint.
# Fails on any error (E); warnings (W) are printed and counted, and fail too with --strict
# (the reference app is kept at 0 of both).
# Skips, saying so, when cfn-lint is not installed: it is a Python tool, not an npm dependency.
set -euo pipefail
strict=0
if [ "${1:-}" = "--strict" ]; then strict=1; shift; fi
out="${1:-cdk.out}"
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint: SKIPPED (not installed; pip install cfn-lint to run it)" >&2
  exit 0
fi
shopt -s nullglob
templates=("$out"/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
  echo "cfn-lint: no templates under $out; run 'npm run synth' first" >&2
  exit 1
fi
echo "cfn-lint $(cfn-lint --version 2>&1 | awk '{print $2}') over ${#templates[@]} template(s) in $out"
# cfn-lint exits with a bit mask: 2 errors, 4 warnings, 8 informational; anything else is a crash.
set +e
report=$(cfn-lint --format parseable -- "${templates[@]}")
status=$?
set -e
[ -n "$report" ] && echo "$report"
errors=$(grep -c ':E[0-9]\{4\}:' <<<"$report" || true)
warnings=$(grep -c ':W[0-9]\{4\}:' <<<"$report" || true)
echo "cfn-lint: $errors error(s), $warnings warning(s)"
if (( status & ~(2|4|8) )); then echo "cfn-lint: FAILED (exit $status)" >&2; exit 1; fi
if (( status & 2 )); then echo "cfn-lint: FAILED (errors)" >&2; exit 1; fi
if (( status & 4 )) && (( strict )); then echo "cfn-lint: FAILED (warnings, --strict)" >&2; exit 1; fi
exit 0
