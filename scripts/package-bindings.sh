#!/usr/bin/env bash
# Generates the Python, Java, .NET and Go bindings from the jsii assembly (.jsii, written by
# `npm run build`) into dist/ with jsii-pacmak. --code-only: each language's packaging step
# (pip/setuptools from PyPI, Maven Central, dotnet, go) needs a network or a toolchain these
# machines lack, so this writes the source packages (each embeds the npm tarball) and stops there.
# The Python sources are byte-compiled as a check that the generated code at least parses.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="${1:-dist}"

if [[ ! -f .jsii ]]; then
  echo "package-bindings: no .jsii assembly; run 'npm run build' first" >&2
  exit 1
fi
newest_source="$(find lib -name '*.ts' ! -name '*.d.ts' -newer .jsii -print -quit)"
if [[ -n "$newest_source" ]]; then
  echo "package-bindings: .jsii is older than $newest_source; run 'npm run build' first" >&2
  exit 1
fi

rm -rf "$OUT/python" "$OUT/java" "$OUT/dotnet" "$OUT/go"
npx --no-install jsii-pacmak --code-only \
  --targets python --targets java --targets dotnet --targets go \
  --outdir "$OUT"

python_src="$OUT/python/src/sagemaker_secure_constructs"
for required in \
  "$OUT/python/setup.py" "$python_src/__init__.py" \
  "$OUT/java/pom.xml" \
  "$OUT/dotnet/SageMakerSecureConstructs/SageMakerSecureConstructs.csproj" \
  "$OUT/go/sagemakersecureconstructs/go.mod"; do
  if [[ ! -s "$required" ]]; then
    echo "package-bindings: jsii-pacmak did not write $required" >&2
    exit 1
  fi
done

if command -v python3 >/dev/null 2>&1; then
  python3 -m compileall -q "$OUT/python/src" >/dev/null
else
  echo "package-bindings: python3 absent; the generated Python was not byte-compiled"
fi

cat <<SUMMARY
package-bindings: wrote under $OUT/ (source packages; build and publish each with its own toolchain)
  python  $OUT/python   PyPI sagemaker-secure-constructs, import sagemaker_secure_constructs
  java    $OUT/java     Maven io.github.sagemakersecureconstructs:sagemaker-secure-constructs, package io.github.sagemakersecureconstructs
  dotnet  $OUT/dotnet   NuGet SageMakerSecureConstructs, namespace SageMakerSecureConstructs
  go      $OUT/go       module github.com/sagemaker-secure-constructs/sagemaker-secure-constructs-go/sagemakersecureconstructs
SUMMARY
