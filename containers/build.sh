#!/usr/bin/env bash
# Builds the companion images' programs into dist/: the native addon (CPU, plus a CUDA fat binary
# where nvcc is present; CUDA_ARCHITECTURES picks the GPUs) and each algorithm's entrypoint bundled
# with esbuild into one file beside a copy of the addon. Run by the Dockerfile's build stage, and
# by the tests (with the project's own node-gyp and esbuild).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
modules=${NODE_MODULES:-$here/node_modules}
export PATH="$modules/.bin:$PATH"
cd "$here/native"
nodedir=${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
cuda=0; cuda_home=/usr/local/cuda
if command -v nvcc >/dev/null 2>&1; then
  # Outside build/, which node-gyp rebuild starts by deleting.
  mkdir -p build-cuda
  archs=${CUDA_ARCHITECTURES:-80;90}
  gencode=()
  for arch in ${archs//;/ }; do gencode+=(-gencode "arch=compute_${arch},code=sm_${arch}"); done
  for source in src/kmeans_cuda.cu src/linear_cuda.cu; do
    nvcc -O3 -std=c++17 -Xcompiler -fPIC -Werror all-warnings "${gencode[@]}" -c "$source" -o "build-cuda/$(basename "$source" .cu).o"
  done
  cuda=1
  for candidate in "$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")" /usr/local/cuda; do
    if [ -f "$candidate/lib64/libcudart_static.a" ]; then cuda_home=$candidate; break; fi
  done
fi
NODE_PATH="$modules" node-gyp rebuild --nodedir="$nodedir" -- -Dcuda="$cuda" -Dcuda_home="$cuda_home" >/dev/null
cd "$here"
for algorithm in kmeans linear-learner preprocessing; do
  mkdir -p "dist/$algorithm"
  esbuild "$algorithm/main.ts" --bundle --platform=node --target=node20 --outfile="dist/$algorithm/main.js" --log-level=warning
  cp native/build/Release/sagemaker_native.node "dist/$algorithm/"
  cp "$algorithm/entrypoint" "dist/$algorithm/"
done
esbuild local.ts --bundle --platform=node --target=node20 --outfile=dist/local.js --log-level=warning
echo "built containers/dist and the native addon ($([ "$cuda" = 1 ] && echo "CPU + CUDA ${archs}" || echo "CPU only: no nvcc"))"
