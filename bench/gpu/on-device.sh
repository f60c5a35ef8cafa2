#!/usr/bin/env bash
# Runs on the lent GPU machine (see prepare.sh): the native tests under jest with the real GPU,
# then the GPU benchmarks. Logs and result files go to $OUT.
set -uo pipefail
source .device/env.sh
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
if [ -z "${SKIP_TESTS:-}" ]; then
  mkdir -p /tmp/jest && tar xJf .device/jest.tar.xz -C /tmp/jest
  export SAGEMAKER_NATIVE_ADDON=$PWD/.device/addon/sagemaker_native.node
  # TESTS: a jest path pattern (e.g. TESTS=kmeans runs test/native/kmeans.test.ts only).
  (cd .device/tests && node /tmp/jest/node_modules/jest/bin/jest.js --config jest.config.json --ci --verbose ${TESTS:-}) > "$OUT/jest.log" 2>&1
  echo "jest exit $?"; grep -E "^Tests:|✕" "$OUT/jest.log"
fi
export PYTHONUNBUFFERED=1
for bench in ${BENCHES:-kmeans linear_learner}; do
  python3 "bench/gpu/${bench}_gpu.py" .device/libsm_gpu.so "$OUT/$bench.json" 2>&1 | tee "$OUT/$bench.log"
done
if [ "${PROFILE:-}" = linear ]; then
  python3 bench/gpu/profile_linear.py .device/libsm_gpu.so
  ncu --kernel-name LinearStepKernel --launch-skip 10 --launch-count 2 --section SpeedOfLight --section LaunchStats --section Occupancy \
    --section WarpStateStats python3 bench/gpu/profile_linear.py .device/libsm_gpu.so > "$OUT/ncu-linear.txt" 2>&1
  grep -E "Duration|Throughput|Registers|Achieved Occupancy|Warp Cycles|Grid Size|Block Size|stall|Stall" "$OUT/ncu-linear.txt" | head -40
elif [ "${PROFILE:-}" = deep ]; then
  # Where the time goes in the large-k kernels: stall reasons and pipe use.
  ncu --kernel-name regex:'Tiled|Tf32' --section WarpStateStats --section ComputeWorkloadAnalysis --section InstructionStats \
    --section SourceCounters python3 bench/gpu/profile_kmeans.py .device/libsm_gpu.so 2 > "$OUT/ncu-deep.txt" 2>&1
  grep -vE "^==PROF==|^\s*-+\s*$|^\s*$" "$OUT/ncu-deep.txt" | grep -vi "^    INF\|^    OPT\|^          " | head -150
elif [ -n "${PROFILE:-}" ]; then
  ncu --kernel-name regex:'Resident|Tiled|Tf32' --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy \
    --section WarpStateStats --section LaunchStats python3 bench/gpu/profile_kmeans.py .device/libsm_gpu.so > "$OUT/ncu.txt" 2>&1
  grep -E "Resident|Tiled|Tf32|Throughput|Duration|Achieved Occupancy|Registers|Stall|Warp Cycles|Bank|L1/TEX Hit|L2 Hit|Mem Busy|Max Bandwidth" "$OUT/ncu.txt" | head -80
fi
