// The CUDA K-Means assignment, callable from the addon. Compiled by nvcc into an object the addon
// links with CUDA's static runtime; absent (HAVE_CUDA undefined) where nvcc is not installed. The
// CPU harness (kmeans_harness.cc) is always built.
#pragma once
#include <cstddef>
#include "kmeans_cpu.h"

namespace sm {

// Which fused kernel runs: centers resident in shared memory or tiled (kmeans_device.h), or tiled
// on the tensor cores with TF32 products (kmeans_tf32.h; compute capability 8.0 and newer).
enum class AssignKernel { kResident, kTiled, kTf32 };

// The kernel chosen for k centers of d features: resident for up to 64 centers that fit.
AssignKernel ChooseAssignKernel(size_t k, size_t d);

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
