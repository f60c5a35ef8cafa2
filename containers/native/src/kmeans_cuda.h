// The CUDA K-Means assignment, callable from the addon. Compiled by nvcc into an object the addon
// links with CUDA's static runtime; absent (HAVE_CUDA undefined) where nvcc is not installed.
#pragma once
#include <cstddef>
#include "kmeans_cpu.h"

namespace sm {

// Number of usable CUDA devices (0 when there is no driver or GPU).
int CudaDeviceCount();

// Same contract as AssignCpu. Throws std::runtime_error naming the kernel and the failing call.
AssignResult AssignCuda(const float* x, size_t n, size_t d, const float* centers, size_t k);

// The kernel's per-thread code run on the CPU, block by block and phase by phase, with each
// block's shared memory a plain array: the same indexing, tiling and tails as on the GPU.
AssignResult AssignCudaHarness(const float* x, size_t n, size_t d, const float* centers, size_t k);

}  // namespace sm
