// The CUDA K-Means assignment, callable from the addon. Compiled by nvcc into an object the addon
// links with CUDA's static runtime; absent (HAVE_CUDA undefined) where nvcc is not installed. The
// CPU harness (kmeans_harness.cc) is always built.
#pragma once
#include <cstddef>
#include <string>
#include "kmeans_cpu.h"
#include "kmeans_device.h"

namespace sm {

// Which fused kernel runs: centers resident in shared memory or tiled (kmeans_device.h), or tiled
// on the tensor cores with TF32 products (kmeans_tf32.h; compute capability 8.0 and newer).
// kResident keeps its sums in registers where they fit (UsesRegisterSums) and in shared or global
// memory elsewhere; kResidentRegisters and kResidentShared force one way (the first refuses shapes
// it does not fit), for tests and benchmarks. kTf32 multiplies with mma.sync and takes the argmin
// on the accumulators in registers; kTf32Wmma is the earlier WMMA kernel, which stores each tile
// of scores to shared memory and scans it.
enum class AssignKernel { kResident, kTiled, kTf32, kResidentRegisters, kResidentShared, kTf32Wmma };

// The kernel chosen for k centers of d features: resident for up to 64 centers that fit.
AssignKernel ChooseAssignKernel(size_t k, size_t d);

inline bool IsResident(AssignKernel kernel) {
  return kernel == AssignKernel::kResident || kernel == AssignKernel::kResidentRegisters || kernel == AssignKernel::kResidentShared;
}

// Whether a resident kernel keeps its sums in registers for k centers of d features.
inline bool ResidentRegisters(AssignKernel kernel, int k, int d) {
  return kernel == AssignKernel::kResidentRegisters || (kernel == AssignKernel::kResident && UsesRegisterSums(k, d));
}

// Why a resident kernel refuses k centers of d features (empty: it does not), after `who`.
inline std::string ResidentRefusal(const char* who, AssignKernel kernel, size_t k, size_t d) {
  if (!IsResident(kernel)) return "";
  if (!FitsResident(static_cast<int>(k), static_cast<int>(d))) return std::string(who) + ": k x d is too large for the resident kernel";
  if (kernel == AssignKernel::kResidentRegisters && !UsesRegisterSums(static_cast<int>(k), static_cast<int>(d))) {
    return std::string(who) + ": k = " + std::to_string(k) + " centers of d = " + std::to_string(d) +
           " features need more than the resident kernel's " + std::to_string(kRegisterSlots) +
           " register sums per lane (ceil(k / 8) centers a warp times ceil(d / 32) features a lane, rounded up to a power of two, at most " +
           std::to_string(kRegisterSlots) + ")";
  }
  return "";
}

// Number of usable CUDA devices (0 when there is no driver or GPU).
int CudaDeviceCount();

// One assignment on device memory that is already in place (the benchmarks call this with data
// that stays on the GPU): x is n x d, centers k x d, center_norms k floats of scratch; labels and
// distances get n values, sums k x d, counts k and inertia 1 (zeroed here). Enqueued on the
// default stream; throws std::runtime_error naming the failing call.
struct DeviceAssign {
  const float* x;
  size_t n, d;
  const float* centers;
  size_t k;
  float* center_norms;
  int* labels;
  float* distances;
  double* sums;
  double* counts;
  double* inertia;
  AssignKernel kernel;
};
void AssignCudaOnDevice(const DeviceAssign& assign);

// Same contract as AssignCpu: copies x and the centers to the GPU, runs `kernel`, and copies the
// results back. The resident kernel refuses centers that do not fit (FitsResident).
AssignResult AssignCuda(const float* x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel);

// The same with the rows already on the GPU (a dataset, dataset.h): only the centers go in and the
// results come out, so a training job copies its rows once, not once per iteration.
AssignResult AssignCudaDeviceRows(const float* device_x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel);

// The kernels' per-thread code run on the CPU, block by block and phase by phase, with each
// block's shared memory a plain array: the same indexing, tiling and tails as on the GPU.
// `grid_blocks` bounds the resident kernel's persistent grid (so small inputs still walk it).
AssignResult AssignCudaHarness(const float* x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel,
                               size_t grid_blocks);

}  // namespace sm
