// Runs the CUDA kernels' per-thread functions (kmeans_device.h) on the CPU: every phase for every
// thread of a block before the next phase (the GPU's __syncthreads), each block's shared memory a
// plain array, and the blocks one after another (their atomics become plain adds).
#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>
#include "kmeans_cuda.h"
#include "kmeans_device.h"

namespace sm {
namespace {

void RunResident(const float* x, size_t n, int d, const float* centers, int k, size_t grid_blocks, AssignResult* result) {
  const bool warp_sums = UsesWarpSums(k, d);
  const size_t kd = static_cast<size_t>(k) * d;
  for (size_t block = 0; block < grid_blocks; ++block) {
    std::vector<float> s_centers(static_cast<size_t>(PaddedCenters(k)) * PaddedFeatures(d)), s_norms(PaddedCenters(k));
    std::vector<double> s_sums(warp_sums ? kWarps * kd : 0), s_counts(warp_sums ? kWarps * k : 0);
    std::vector<int> s_labels(kBlockThreads);
    for (int tid = 0; tid < kBlockThreads; ++tid) LoadResidentCenters(tid, centers, k, d, s_centers.data(), s_norms.data());
    for (size_t first = block * kBlockThreads; first < n; first += grid_blocks * kBlockThreads) {
      for (int tid = 0; tid < kBlockThreads; ++tid) {  // phase 1
        const size_t row = first + tid;
        int label = 0;
        if (row < n) {
          float distance;
          AssignResidentRow(x + row * d, k, d, s_centers.data(), s_norms.data(), &label, &distance);
          result->labels[row] = label;
          result->distances[row] = distance;
          result->inertia += distance;
        }
        s_labels[tid] = label;
      }
      for (int warp = 0; warp < kWarps; ++warp) {  // phase 2, after __syncwarp()
        const size_t warp_first = first + static_cast<size_t>(warp) * kWarpLanes;
        const int count = warp_first >= n ? 0 : static_cast<int>(std::min<size_t>(kWarpLanes, n - warp_first));
        for (int lane = 0; lane < kWarpLanes; ++lane) {
          if (warp_sums) {
            AddRows(lane, x, warp_first, count, d, s_labels.data() + warp * kWarpLanes, s_sums.data() + warp * kd,
                    s_counts.data() + static_cast<size_t>(warp) * k, false);
          } else {
            AddRows(lane, x, warp_first, count, d, s_labels.data() + warp * kWarpLanes, result->sums.data(), result->counts.data(), true);
          }
        }
      }
    }
    if (!warp_sums) continue;
    for (size_t i = 0; i < kd; ++i) {  // the block's flush
      double total = 0;
      for (int w = 0; w < kWarps; ++w) total += s_sums[w * kd + i];
      result->sums[i] += total;
    }
    for (int c = 0; c < k; ++c) {
      double total = 0;
      for (int w = 0; w < kWarps; ++w) total += s_counts[static_cast<size_t>(w) * k + c];
      result->counts[c] += total;
    }
  }
}

void RunTiled(const float* x, size_t n, int d, const float* centers, int k, AssignResult* result) {
  std::vector<float> norms(k);
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < d; ++j) norms[c] += centers[static_cast<size_t>(c) * d + j] * centers[static_cast<size_t>(c) * d + j];
  }
  auto s = std::make_unique<TiledShared>();
  std::vector<TiledThread> threads(kBlockThreads);
  const size_t blocks = (n + kTileRows - 1) / kTileRows;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t row0 = block * kTileRows;
    for (TiledThread& t : threads) StartTiledThread(&t);
    for (int c0 = 0; c0 < k; c0 += kTileCenters) {
      for (int j0 = 0; j0 < d; j0 += kSlab) {
        for (int tid = 0; tid < kBlockThreads; ++tid) LoadTiledSlab(tid, x, n, centers, k, d, row0, c0, j0, s.get());
        for (int tid = 0; tid < kBlockThreads; ++tid) MultiplyTiledSlab(tid, s.get(), &threads[tid]);
      }
      for (int tid = 0; tid < kBlockThreads; ++tid) FinishTiledSweep(tid, k, c0, norms.data(), &threads[tid]);
    }
    for (int tid = 0; tid < kBlockThreads; ++tid) PublishTiledBest(tid, &threads[tid], s.get());
    for (int r = 0; r < kTileRows; ++r) {
      float distance = 0;
      ReduceTiledRow(r, x, n, d, row0, s.get(), result->labels.data(), result->distances.data(), &distance);
      result->inertia += distance;
    }
    constexpr int rows_per_warp = kTileRows / kWarps;
    for (int warp = 0; warp < kWarps; ++warp) {
      const size_t warp_first = row0 + static_cast<size_t>(warp) * rows_per_warp;
      const int count = warp_first >= n ? 0 : static_cast<int>(std::min<size_t>(rows_per_warp, n - warp_first));
      for (int lane = 0; lane < kWarpLanes; ++lane) {
        AddRows(lane, x, warp_first, count, d, s->labels + warp * rows_per_warp, result->sums.data(), result->counts.data(), true);
      }
    }
  }
}

}  // namespace

AssignResult AssignCudaHarness(const float* x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel,
                               size_t grid_blocks) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  if (kernel == AssignKernel::kResident && !FitsResident(static_cast<int>(k), static_cast<int>(d))) {
    throw std::invalid_argument("kmeans.assign (CUDA harness): k x d is too large for the resident kernel");
  }
  AssignResult result;
  result.labels.assign(n, -1);
  result.distances.assign(n, std::numeric_limits<float>::quiet_NaN());  // poisoned: every row must be written
  result.sums.assign(k * d, 0.0);
  result.counts.assign(k, 0.0);
  if (kernel == AssignKernel::kResident) {
    RunResident(x, n, static_cast<int>(d), centers, static_cast<int>(k), std::max<size_t>(grid_blocks, 1), &result);
  } else {
    RunTiled(x, n, static_cast<int>(d), centers, static_cast<int>(k), &result);
  }
  return result;
}

}  // namespace sm
