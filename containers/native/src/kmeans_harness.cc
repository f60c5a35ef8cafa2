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
#include "kmeans_tf32.h"

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
    for (int r = 0; r < kTileRows; ++r) ReduceTiledRow(r, n, row0, s.get(), result->labels.data());
    for (int r = 0; r < kTileRows && row0 + r < n; ++r) {  // the warps' norms (a warp sum on the GPU)
      const float* row = x + (row0 + r) * d;
      float squares = 0;
      for (int j = 0; j < d; ++j) squares += row[j] * row[j];
      result->distances[row0 + r] = DistanceFromScore(squares, s->best_scores[r]);
      result->inertia += result->distances[row0 + r];
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

void RunTf32(const float* x, size_t n, int d, const float* centers, int k, AssignResult* result) {
  if (Tf32LayoutFor(d).total > kTf32MaxSharedBytes) throw std::invalid_argument(Tf32TooWide(d));
  std::vector<float> norms(k);
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < d; ++j) norms[c] += centers[static_cast<size_t>(c) * d + j] * centers[static_cast<size_t>(c) * d + j];
  }
  std::vector<unsigned char> shared(Tf32LayoutFor(d).total);
  const Tf32Shared s = Tf32SharedAt(shared.data(), d);
  const int row_stride = Tf32RowStride(d), slabs = RoundUp(d, kTf32Slab) / kTf32Slab;
  // Each warp's 32 x 64 accumulators and each thread's running best (registers on the GPU).
  std::vector<float> acc(static_cast<size_t>(kWarps) * kTf32WarpRows * kTf32WarpCenters);
  std::vector<float> best(kBlockThreads);
  std::vector<int> best_center(kBlockThreads);
  const size_t blocks = (n + kTileRows - 1) / kTileRows;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t row0 = block * kTileRows;
    for (int tid = 0; tid < kBlockThreads; ++tid) LoadTf32Rows(tid, x, n, d, row0, s);
    for (int tid = 0; tid < kBlockThreads; ++tid) RoundTf32Rows(tid, d, s);
    std::fill(best.begin(), best.end(), kFloatMax);
    std::fill(best_center.begin(), best_center.end(), 0);
    for (int c0 = 0; c0 < k; c0 += kTileCenters) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int slab = 0; slab < slabs; ++slab) {
        for (int tid = 0; tid < kBlockThreads; ++tid) LoadTf32CenterSlab(tid, centers, k, d, c0, slab * kTf32Slab, slab % 2, s);
        const float* slab_centers = s.centers + (slab % 2) * kTileCenters * kTf32SlabStride;
        for (int warp = 0; warp < kWarps; ++warp) {  // phase 2: the tensor cores' products, same rounding
          const int wr = warp / 2, wc = warp % 2;
          for (int r = 0; r < kTf32WarpRows; ++r) {
            const float* row = s.rows + (wr * kTf32WarpRows + r) * row_stride + slab * kTf32Slab;
            for (int c = 0; c < kTf32WarpCenters; ++c) {
              const float* center = slab_centers + (wc * kTf32WarpCenters + c) * kTf32SlabStride;
              float& sum = acc[(static_cast<size_t>(warp) * kTf32WarpRows + r) * kTf32WarpCenters + c];
              for (int j = 0; j < kTf32Slab; ++j) sum += row[j] * RoundToTf32(center[j]);
            }
          }
        }
      }
      for (int warp = 0; warp < kWarps; ++warp) {  // phase 3: each warp stores 16 centers at a time and scans them
        const int wc = warp % 2;
        float* warp_scores = s.scores + warp * kTf32Fragment * kTf32ScoreStride;
        for (int jj = 0; jj < kTf32WarpCenters / kTf32Fragment; ++jj) {
          for (int c = 0; c < kTf32Fragment; ++c) {
            for (int r = 0; r < kTf32WarpRows; ++r) {
              warp_scores[c * kTf32ScoreStride + r] = acc[(static_cast<size_t>(warp) * kTf32WarpRows + r) * kTf32WarpCenters + jj * kTf32Fragment + c];
            }
          }
          for (int lane = 0; lane < kWarpLanes; ++lane) {
            const int tid = warp * kWarpLanes + lane;
            ScanTf32Fragment(lane, warp_scores, c0 + wc * kTf32WarpCenters + jj * kTf32Fragment, k, norms.data(), &best[tid], &best_center[tid]);
          }
        }
      }
    }
    for (int tid = 0; tid < kBlockThreads; ++tid) {
      const int warp = tid / kWarpLanes, lane = tid % kWarpLanes, wr = warp / 2, wc = warp % 2;
      s.best[wc * kTileRows + wr * kTf32WarpRows + lane] = best[tid];
      s.best_center[wc * kTileRows + wr * kTf32WarpRows + lane] = best_center[tid];
    }
    for (int r = 0; r < kTileRows; ++r) ChooseTf32Row(r, n, row0, s, result->labels.data());
    for (int r = 0; r < kTileRows && row0 + r < n; ++r) {  // the warps' float32 distances (a warp sum on the GPU)
      const float* row = x + (row0 + r) * d;
      const float* center = centers + static_cast<size_t>(s.labels[r]) * d;
      float squares = 0;
      for (int j = 0; j < d; ++j) squares += (row[j] - center[j]) * (row[j] - center[j]);
      result->distances[row0 + r] = squares;
      result->inertia += squares;
    }
    constexpr int rows_per_warp = kTileRows / kWarps;
    for (int warp = 0; warp < kWarps; ++warp) {
      const size_t warp_first = row0 + static_cast<size_t>(warp) * rows_per_warp;
      const int count = warp_first >= n ? 0 : static_cast<int>(std::min<size_t>(rows_per_warp, n - warp_first));
      for (int lane = 0; lane < kWarpLanes; ++lane) {
        AddRows(lane, x, warp_first, count, d, s.labels + warp * rows_per_warp, result->sums.data(), result->counts.data(), true);
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
  } else if (kernel == AssignKernel::kTf32) {
    RunTf32(x, n, static_cast<int>(d), centers, static_cast<int>(k), &result);
  } else {
    RunTiled(x, n, static_cast<int>(d), centers, static_cast<int>(k), &result);
  }
  return result;
}

}  // namespace sm
