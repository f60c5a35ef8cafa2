// Runs the CUDA kernel's per-thread functions on the CPU (see kmeans_device.h).
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>
#include "kmeans_cuda.h"
#include "kmeans_device.h"

namespace sm {

AssignResult AssignCudaHarness(const float* x, size_t n, size_t d, const float* centers, size_t k) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  const int kd = static_cast<int>(d), kk = static_cast<int>(k);
  const int tile_size = TileCenters(kd);
  if (tile_size < 1) throw std::invalid_argument("kmeans.assign (CUDA): d is too large for a shared-memory tile (at most 12256 features)");
  std::vector<float> norms(k);
  for (size_t c = 0; c < k; ++c) norms[c] = SquaredNorm(centers + c * d, kd);
  AssignResult result;
  result.labels.resize(n);
  result.distances.resize(n);
  result.sums.assign(k * d, 0.0);
  result.counts.assign(k, 0.0);
  std::vector<float> shared_centers(static_cast<size_t>(tile_size) * d), shared_norms(tile_size);
  const size_t blocks = (n + kBlockThreads - 1) / kBlockThreads;
  for (size_t block = 0; block < blocks; ++block) {
    std::vector<float> best(kBlockThreads, std::numeric_limits<float>::infinity());
    std::vector<int> best_center(kBlockThreads, 0);
    for (int tile = 0; tile < kk; tile += tile_size) {
      for (int lane = 0; lane < kBlockThreads; ++lane) {  // phase 1, then __syncthreads()
        LoadCenterTile(lane, kBlockThreads, centers, norms.data(), kk, kd, tile_size, tile, shared_centers.data(), shared_norms.data());
      }
      for (int lane = 0; lane < kBlockThreads; ++lane) {  // phase 2, then __syncthreads()
        const size_t row = block * kBlockThreads + lane;
        if (row >= n) continue;
        const float* xr = x + row * d;
        ScanCenterTile(xr, SquaredNorm(xr, kd), kk, kd, tile_size, tile, shared_centers.data(), shared_norms.data(), &best[lane], &best_center[lane]);
      }
    }
    for (int lane = 0; lane < kBlockThreads; ++lane) {  // the kernel's epilogue (atomics on the GPU)
      const size_t row = block * kBlockThreads + lane;
      if (row >= n) continue;
      const float distance = std::max(best[lane], 0.0f);
      result.labels[row] = best_center[lane];
      result.distances[row] = distance;
      result.inertia += distance;
      result.counts[best_center[lane]] += 1;
      for (size_t j = 0; j < d; ++j) result.sums[static_cast<size_t>(best_center[lane]) * d + j] += x[row * d + j];
    }
  }
  return result;
}

}  // namespace sm
