#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for a run of the CUDA tests and GPU benchmarks on a lent GPU
# machine, which has CUDA, a driver, PyTorch and CuPy but no Node.js and no network:
#   - this machine's node binary (xz) and env.sh, which unpacks it there;
#   - the addon built with nvcc (sm_80 + sm_90, CUDA's runtime linked statically);
#   - the native tests bundled by esbuild into plain JavaScript (kept under their .ts name, which
#     one test looks for in a stack) with a jest config that needs no transform, and jest itself
#     (the same version as the project's) packed from the npm registry;
#   - libsm_gpu.so: the kernels with the C entry points the Python benchmarks call (ctypes).
# Then: device run, carry [".device"], command: bash bench/gpu/on-device.sh
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
mkdir -p .device/addon .device/tests/native
if [ ! -s .device/node.xz ] || [ "$(cat .device/node.version 2>/dev/null)" != "$(node --version)" ]; then
  xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
  node --version > .device/node.version
fi
cat > .device/env.sh <<'ENV'
mkdir -p /tmp/nodebin
[ -x /tmp/nodebin/node ] || { xz -dc .device/node.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node; }
export PATH=/tmp/nodebin:$PATH
ENV
jest_version=$(node -p "require('./node_modules/jest/package.json').version")
if [ "$(cat .device/jest.version 2>/dev/null)" != "$jest_version" ]; then
  work=$(mktemp -d)
  (cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "jest@$jest_version" >/dev/null)
  tar cJf .device/jest.tar.xz -C "$work" node_modules
  echo "$jest_version" > .device/jest.version
  rm -rf "$work"
fi
CUDA_ARCHITECTURES="80;90" npm run --silent build:native
cp containers/native/build/Release/sagemaker_native.node .device/addon/
for test in test/native/*.test.ts; do
  npx esbuild "$test" --bundle --platform=node --target=node20 --log-level=warning --outfile=".device/tests/native/$(basename "$test")"
done
echo '{"rootDir": ".", "testMatch": ["**/*.test.ts"], "testEnvironment": "node", "transform": {}, "testTimeout": 300000}' > .device/tests/jest.config.json
nvcc -O3 -std=c++17 -shared -lineinfo -Xcompiler -fPIC -Werror all-warnings -gencode arch=compute_90,code=sm_90 -DSM_CUDA_ARCHITECTURES='"sm_90"' -Icontainers/native/src \
  bench/gpu/*_shim.cu containers/native/src/*.cu -o .device/libsm_gpu.so -lcudart_static -ldl -lrt -lpthread
du -sh .device
