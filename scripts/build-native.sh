#!/usr/bin/env bash
# Builds the companion containers' Node-API addon (containers/native) with node-gyp against this
# machine's Node headers (npm's nodedir), never downloading anything. Where nvcc is installed the
# CUDA kernels are compiled too (sm_80, sm_90; CUDA_ARCHITECTURES overrides, as the Dockerfile
# does for its fat binary) and CUDA's runtime is linked statically; elsewhere the CPU kernels alone.
set -euo pipefail
cd "$(dirname "$0")/../containers/native"
root=$(cd ../.. && pwd)
nodedir=${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
cuda=0
if command -v nvcc >/dev/null 2>&1; then
  # Outside build/, which node-gyp rebuild starts by deleting.
  mkdir -p build-cuda
  archs=${CUDA_ARCHITECTURES:-80;90}
  gencode=()
  for arch in ${archs//;/ }; do gencode+=(-gencode "arch=compute_${arch},code=sm_${arch}"); done
  nvcc -O3 -std=c++17 -Xcompiler -fPIC -Werror all-warnings "${gencode[@]}" -c src/kmeans_cuda.cu -o build-cuda/kmeans_cuda.o
  cuda=1
  for candidate in "$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")" /usr/local/cuda; do
    if [ -f "$candidate/lib64/libcudart_static.a" ]; then cuda_home=$candidate; break; fi
  done
fi
NODE_PATH="$root/node_modules" "$root/node_modules/.bin/node-gyp" rebuild --nodedir="$nodedir" -- -Dcuda="$cuda" -Dcuda_home="${cuda_home:-/usr/local/cuda}" >/dev/null
echo "built containers/native/build/Release/sagemaker_native.node ($([ "$cuda" = 1 ] && echo "CPU + CUDA ${archs}" || echo "CPU only: no nvcc"))"
