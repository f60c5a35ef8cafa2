// The host side's CUDA calls for one kernel: a failure throws std::runtime_error naming the kernel
// and the failing call, and device memory is freed on every path, exceptions included.
#pragma once
#include <cuda_runtime.h>
#include <algorithm>
#include <stdexcept>
#include <string>

namespace sm {

template <const char* kKernel>
struct CudaCalls {
  static void Check(cudaError_t status, const char* call) {
    if (status != cudaSuccess) throw std::runtime_error(std::string(kKernel) + ": " + call + " failed: " + cudaGetErrorString(status));
  }

  template <typename T>
  struct Buffer {
    T* ptr = nullptr;
    explicit Buffer(size_t count) { Check(cudaMalloc(&ptr, std::max<size_t>(count, 1) * sizeof(T)), "cudaMalloc"); }
    ~Buffer() { if (ptr) cudaFree(ptr); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
  };
};

}  // namespace sm
