#!/usr/bin/env bash
# Builds the companion images' programs into dist/: the native addon (CPU, plus a CUDA fat binary)
# and each algorithm's entrypoint bundled with esbuild into one file beside a copy of the addon.
# Run by the Dockerfile's build stages, and by the tests (with the project's own node-gyp and esbuild).
#
# NATIVE_VARIANT picks the addon: `cpu` builds the CPU kernels only, even where nvcc exists (the
# CPU images); `gpu` builds the CUDA kernels too and fails without nvcc (the GPU images); unset or
# `auto`, the CUDA kernels are built where nvcc exists. CUDA_ARCHITECTURES lists the targets, `;`
# separated: `NN` is SASS for sm_NN, `NN-virtual` is PTX for compute_NN (JIT-compiled by the driver
# on newer GPUs); the default, for development, is 80;90.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
modules=${NODE_MODULES:-$here/node_modules}
export PATH="$modules/.bin:$PATH"
cd "$here/native"
nodedir=${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
variant=${NATIVE_VARIANT:-auto}
case "$variant" in
  auto|cpu|gpu) ;;
  *) echo "NATIVE_VARIANT is '$variant'; use cpu, gpu or auto" >&2; exit 1 ;;
esac
if [ "$variant" = gpu ] && ! command -v nvcc >/dev/null 2>&1; then
  echo "NATIVE_VARIANT=gpu needs nvcc (CUDA 13) on PATH" >&2; exit 1
fi
cuda=0; cuda_home=/usr/local/cuda; targets=
if [ "$variant" != cpu ] && command -v nvcc >/dev/null 2>&1; then
  # Outside build/, which node-gyp rebuild starts by deleting.
  mkdir -p build-cuda
  archs=${CUDA_ARCHITECTURES:-80;90}
  gencode=()
  for arch in ${archs//;/ }; do
    case "$arch" in
      [0-9]*-virtual) gencode+=(-gencode "arch=compute_${arch%-virtual},code=compute_${arch%-virtual}"); targets+=" compute_${arch%-virtual}" ;;
      [0-9]*) gencode+=(-gencode "arch=compute_${arch},code=sm_${arch}"); targets+=" sm_${arch}" ;;
      *) echo "CUDA_ARCHITECTURES entry '$arch': use NN (SASS for sm_NN) or NN-virtual (PTX for compute_NN)" >&2; exit 1 ;;
    esac
  done
  targets=${targets# }
  for source in src/kmeans_cuda.cu src/linear_cuda.cu src/cuda_devices.cu src/cuda_dataset.cu; do
    nvcc -O3 -std=c++17 -Xcompiler -fPIC -Werror all-warnings "${gencode[@]}" -DSM_CUDA_ARCHITECTURES="\"$targets\"" \
      -c "$source" -o "build-cuda/$(basename "$source" .cu).o"
  done
  cuda=1
  for candidate in "$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")" /usr/local/cuda; do
    if [ -f "$candidate/lib64/libcudart_static.a" ]; then cuda_home=$candidate; break; fi
  done
fi
# The collective addon (multi-host training, src/collective.cc) needs Gloo (libgloo-dev, installed
# by scripts/install-system-deps.sh); without it only single-host training is built, and a
# multi-host job fails saying so. GLOO=1 makes its absence an error (CI and the images), GLOO=0
# leaves it out; GLOO_INCLUDE_DIR is where its headers are looked for (default /usr/include).
gloo=0; gloo_include=${GLOO_INCLUDE_DIR:-/usr/include}
case "${GLOO:-auto}" in
  0) ;;
  1|auto)
    if [ -f "$gloo_include/gloo/allreduce.h" ]; then gloo=1; elif [ "${GLOO:-auto}" = 1 ]; then
      echo "GLOO=1 but Gloo is not installed ($gloo_include/gloo): run containers/install-system-deps.sh build" >&2; exit 1
    fi ;;
  *) echo "GLOO is '${GLOO}'; use 1, 0 or leave it unset" >&2; exit 1 ;;
esac
NODE_PATH="$modules" node-gyp rebuild --nodedir="$nodedir" -- -Dcuda="$cuda" -Dcuda_home="$cuda_home" -Dgloo="$gloo" -Dgloo_include="$gloo_include" >/dev/null
cd "$here"
for algorithm in kmeans linear-learner preprocessing; do
  mkdir -p "dist/$algorithm"
  esbuild "$algorithm/main.ts" --bundle --platform=node --target=node20 --outfile="dist/$algorithm/main.js" --log-level=warning
  cp native/build/Release/sagemaker_native.node "dist/$algorithm/"
  rm -f "dist/$algorithm/sagemaker_collective.node"
  if [ "$gloo" = 1 ]; then cp native/build/Release/sagemaker_collective.node "dist/$algorithm/"; fi
  cp "$algorithm/entrypoint" "dist/$algorithm/"
done
esbuild local.ts --bundle --platform=node --target=node20 --outfile=dist/local.js --log-level=warning
# What the addon was built for: local mode says so on another platform rather than fail to load it.
node -e "require('fs').writeFileSync('dist/prebuilt.json', JSON.stringify({ platform: process.platform, arch: process.arch, cuda: $cuda === 1 }) + '\n')"
if [ "$cuda" = 1 ]; then built="CPU + CUDA: $targets"; elif [ "$variant" = cpu ]; then built="CPU only: NATIVE_VARIANT=cpu"; else built="CPU only: no nvcc"; fi
echo "built containers/dist and the native addon ($built)"
if [ "$gloo" = 1 ]; then echo "multi-host: the collective addon on Gloo"; else echo "single-host only: no Gloo (containers/install-system-deps.sh build installs it)"; fi
