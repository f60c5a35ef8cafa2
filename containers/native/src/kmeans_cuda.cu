// CUDA K-Means assignment: one thread per row, centers streamed through shared memory in tiles,
// per-cluster sums and counts accumulated with atomics in the same pass.
#include <cuda_runtime.h>
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>
#include "kmeans_cuda.h"
#include "kmeans_device.h"

namespace sm {
namespace {

void Check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("kmeans_assign (CUDA): ") + call + " failed: " + cudaGetErrorString(status));
  }
}

// Device memory that is freed on every path, exceptions included.
template <typename T>
struct DeviceBuffer {
  T* ptr = nullptr;
  explicit DeviceBuffer(size_t count) { Check(cudaMalloc(&ptr, std::max<size_t>(count, 1) * sizeof(T)), "cudaMalloc"); }
  ~DeviceBuffer() { if (ptr) cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

__global__ void NormsKernel(const float* centers, int k, int d, float* norms) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c < k) norms[c] = SquaredNorm(centers + static_cast<size_t>(c) * d, d);
}

__global__ void AssignKernel(const float* x, int n, int d, const float* centers, const float* norms, int k,
                             int tile_size, int* labels, float* distances, double* sums, double* counts, double* inertia) {
  extern __shared__ float shared[];
  float* shared_centers = shared;
  float* shared_norms = shared + tile_size * d;
  const int row = blockIdx.x * blockDim.x + threadIdx.x;
  const float* xr = x + static_cast<size_t>(row < n ? row : 0) * d;
  const float row_norm = row < n ? SquaredNorm(xr, d) : 0.0f;
  float best = 3.402823466e38f;
  int best_center = 0;
  for (int tile = 0; tile < k; tile += tile_size) {
    LoadCenterTile(threadIdx.x, blockDim.x, centers, norms, k, d, tile_size, tile, shared_centers, shared_norms);
    __syncthreads();
    if (row < n) ScanCenterTile(xr, row_norm, k, d, tile_size, tile, shared_centers, shared_norms, &best, &best_center);
    __syncthreads();
  }
  if (row >= n) return;
  best = best > 0.0f ? best : 0.0f;
  labels[row] = best_center;
  distances[row] = best;
  atomicAdd(inertia, static_cast<double>(best));
  atomicAdd(counts + best_center, 1.0);
  for (int j = 0; j < d; ++j) atomicAdd(sums + static_cast<size_t>(best_center) * d + j, static_cast<double>(xr[j]));
}

}  // namespace

int CudaDeviceCount() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

AssignResult AssignCuda(const float* x, size_t n, size_t d, const float* centers, size_t k) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  const int tile_size = TileCenters(static_cast<int>(d));
  if (tile_size < 1) throw std::invalid_argument("kmeans.assign (CUDA): d is too large for a shared-memory tile (at most 12256 features)");
  AssignResult result;
  result.labels.resize(n);
  result.distances.resize(n);
  result.sums.assign(k * d, 0.0);
  result.counts.assign(k, 0.0);
  DeviceBuffer<float> dx(n * d), dc(k * d), dnorms(k), ddist(n);
  DeviceBuffer<int> dlabels(n);
  DeviceBuffer<double> dsums(k * d), dcounts(k), dinertia(1);
  Check(cudaMemcpy(dx.ptr, x, n * d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(x)");
  Check(cudaMemcpy(dc.ptr, centers, k * d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(centers)");
  Check(cudaMemset(dsums.ptr, 0, k * d * sizeof(double)), "cudaMemset(sums)");
  Check(cudaMemset(dcounts.ptr, 0, k * sizeof(double)), "cudaMemset(counts)");
  Check(cudaMemset(dinertia.ptr, 0, sizeof(double)), "cudaMemset(inertia)");
  NormsKernel<<<static_cast<unsigned>((k + 255) / 256), 256>>>(dc.ptr, static_cast<int>(k), static_cast<int>(d), dnorms.ptr);
  Check(cudaGetLastError(), "NormsKernel launch");
  const size_t shared_bytes = (static_cast<size_t>(tile_size) * d + tile_size) * sizeof(float);
  if (n > 0) {
    AssignKernel<<<static_cast<unsigned>((n + kBlockThreads - 1) / kBlockThreads), kBlockThreads, shared_bytes>>>(
        dx.ptr, static_cast<int>(n), static_cast<int>(d), dc.ptr, dnorms.ptr, static_cast<int>(k), tile_size,
        dlabels.ptr, ddist.ptr, dsums.ptr, dcounts.ptr, dinertia.ptr);
    Check(cudaGetLastError(), "AssignKernel launch");
  }
  Check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  Check(cudaMemcpy(result.labels.data(), dlabels.ptr, n * sizeof(int), cudaMemcpyDeviceToHost), "cudaMemcpy(labels)");
  Check(cudaMemcpy(result.distances.data(), ddist.ptr, n * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy(distances)");
  Check(cudaMemcpy(result.sums.data(), dsums.ptr, k * d * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(sums)");
  Check(cudaMemcpy(result.counts.data(), dcounts.ptr, k * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(counts)");
  Check(cudaMemcpy(&result.inertia, dinertia.ptr, sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(inertia)");
  return result;
}

}  // namespace sm
