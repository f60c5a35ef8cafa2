// A C entry point to the CUDA K-Means assignment for the GPU benchmark (kmeans_gpu.py), which
// calls it through ctypes on PyTorch's device tensors, so our kernel and the peer run on the same
// data in the same process. Returns NULL, or the error message.
#include <stdexcept>
#include <string>
#include "../../containers/native/src/kmeans_cuda.h"

extern "C" const char* sm_kmeans_assign(const float* x, size_t n, size_t d, const float* centers, size_t k, float* center_norms,
                                        int* labels, float* distances, double* sums, double* counts, double* inertia, int kernel) {
  static thread_local std::string error;
  // kernel: 0 by shape, then kmeans_gpu.py's KERNELS (1 resident, 2 tiled, 3 tf32, 4 resident-registers,
  // 5 resident-shared, 6 tf32-wmma).
  static const sm::AssignKernel kByNumber[] = {sm::AssignKernel::kResident, sm::AssignKernel::kResident, sm::AssignKernel::kTiled,
                                               sm::AssignKernel::kTf32, sm::AssignKernel::kResidentRegisters,
                                               sm::AssignKernel::kResidentShared, sm::AssignKernel::kTf32Wmma};
  try {
    if (kernel < 0 || kernel > 6) throw std::invalid_argument("sm_kmeans_assign: kernel " + std::to_string(kernel) + " is not 0..6");
    const sm::AssignKernel chosen = kernel == 0 ? sm::ChooseAssignKernel(k, d) : kByNumber[kernel];
    const std::string refusal = sm::ResidentRefusal("sm_kmeans_assign", chosen, k, d);
    if (!refusal.empty()) throw std::invalid_argument(refusal);
    sm::AssignCudaOnDevice({x, n, d, centers, k, center_norms, labels, distances, sums, counts, inertia, chosen});
    return nullptr;
  } catch (const std::exception& e) {
    error = e.what();
    return error.c_str();
  }
}
