#include <cuda_runtime.h>
#include "cuda_calls.h"
#include "cuda_dataset.h"

namespace sm {
namespace {
constexpr char kKernelName[] = "dataset (CUDA)";
using Cuda = CudaCalls<kKernelName>;
}  // namespace

float* CudaUploadRows(const float* x, size_t x_values, const float* y, size_t y_values) {
  float* rows = nullptr;
  Cuda::Check(cudaMalloc(&rows, (x_values + y_values > 0 ? x_values + y_values : 1) * sizeof(float)), "cudaMalloc(rows)");
  try {
    Cuda::Check(cudaMemcpy(rows, x, x_values * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(x)");
    if (y && y_values > 0) Cuda::Check(cudaMemcpy(rows + x_values, y, y_values * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(y)");
  } catch (...) {
    cudaFree(rows);
    throw;
  }
  return rows;
}

void CudaFreeRows(void* rows) { cudaFree(rows); }

}  // namespace sm
