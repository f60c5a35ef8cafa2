// A C entry point to the CUDA K-Means assignment for the GPU benchmark (kmeans_gpu.py), which
// calls it through ctypes on PyTorch's device tensors, so our kernel and the peer run on the same
// data in the same process. Returns NULL, or the error message.
#include <stdexcept>
#include <string>
#include "../../containers/native/src/kmeans_cuda.h"

extern "C" const char* sm_kmeans_assign(const float* x, size_t n, size_t d, const float* centers, size_t k, float* center_norms,
                                        int* labels, float* distances, double* sums, double* counts, double* inertia, int kernel) {
  static thread_local std::string error;
  try {
    const sm::AssignKernel chosen = kernel == 0 ? sm::ChooseAssignKernel(k, d) : kernel == 1 ? sm::AssignKernel::kResident
                                      : kernel == 2 ? sm::AssignKernel::kTiled : sm::AssignKernel::kTf32;
    sm::AssignCudaOnDevice({x, n, d, centers, k, center_norms, labels, distances, sums, counts, inertia, chosen});
    return nullptr;
  } catch (const std::exception& e) {
    error = e.what();
    return error.c_str();
  }
}
