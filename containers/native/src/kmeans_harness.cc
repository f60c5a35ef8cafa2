// Runs the CUDA kernels' per-thread functions (kmeans_device.h, kmeans_tf32.h) on the CPU: every
// phase for every thread of a block before the next phase (the GPU's __syncthreads), each block's
// shared memory a plain array, and the blocks one after another (their atomics become plain adds).
// Warp-wide instructions are made explicit: ballots read the warp's labels, shuffles become
// exchanges between the lanes' saved registers, and mma.sync is a model of the instruction.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
#include "kmeans_cuda.h"
#include "kmeans_device.h"
#include "kmeans_tf32.h"

namespace sm {
namespace {

// Phase 1 of both resident kernels over one chunk of rows: each thread's row gets its nearest
// center, distance and inertia (label -1 for threads past the last row).
void AssignResidentChunk(const float* x, size_t n, size_t first, int k, int d, const float* s_centers, const float* s_norms, int* chunk_labels,
                         AssignResult* result) {
  for (int tid = 0; tid < kBlockThreads; ++tid) {
    const size_t row = first + tid;
    int label = -1;  // no row
    if (row < n) {
      float distance;
      AssignResidentRow(x + row * d, k, d, s_centers, s_norms, &label, &distance);
      result->labels[row] = label;
      result->distances[row] = distance;
      result->inertia += distance;
    }
    chunk_labels[tid] = label;
  }
}

// The resident kernel with the block's sums in its threads' registers (kChunks = RegisterChunks(d)):
// per chunk of rows, every thread scores its row and publishes its label (phase 1, then the
// GPU's __syncthreads), then every lane adds the rows of its warp's centers (phase 2; the GPU's
// ballots read the same labels from shared memory here); at the end each lane adds its registers
// into the sums.
template <int kChunks>
void RunResidentRegisters(const float* x, size_t n, int d, const float* centers, int k, size_t grid_blocks, AssignResult* result) {
  std::vector<RegisterSums> lanes(kBlockThreads);
  for (size_t block = 0; block < grid_blocks; ++block) {
    std::vector<float> s_centers(static_cast<size_t>(PaddedCenters(k)) * PaddedFeatures(d)), s_norms(PaddedCenters(k));
    std::vector<int> s_labels(2 * kBlockThreads);
    for (int tid = 0; tid < kBlockThreads; ++tid) LoadResidentCenters(tid, centers, k, d, s_centers.data(), s_norms.data());
    for (RegisterSums& r : lanes) StartRegisterSums(&r);
    int parity = 0;
    for (size_t first = block * kBlockThreads; first < n; first += grid_blocks * kBlockThreads) {
      int* chunk_labels = s_labels.data() + parity * kBlockThreads;
      AssignResidentChunk(x, n, first, k, d, s_centers.data(), s_norms.data(), chunk_labels, result);  // phase 1
      for (int tid = 0; tid < kBlockThreads; ++tid) {  // phase 2, after __syncthreads()
        AddBlockRowsToRegisters<kChunks>(tid / kWarpLanes, tid % kWarpLanes, x, first, k, d, chunk_labels, &lanes[tid]);
      }
      parity ^= 1;
    }
    for (int tid = 0; tid < kBlockThreads; ++tid) {
      FlushRegisterSums<kChunks>(tid / kWarpLanes, tid % kWarpLanes, k, d, &lanes[tid], result->sums.data(), result->counts.data());
    }
  }
}

// The resident kernel with its warps' sums in shared memory (k x d <= kWarpSumsFloats) or added
// straight into the global sums.
void RunResidentShared(const float* x, size_t n, int d, const float* centers, int k, size_t grid_blocks, AssignResult* result) {
  const bool warp_sums = UsesWarpSums(k, d);
  const size_t kd = static_cast<size_t>(k) * d;
  for (size_t block = 0; block < grid_blocks; ++block) {
    std::vector<float> s_centers(static_cast<size_t>(PaddedCenters(k)) * PaddedFeatures(d)), s_norms(PaddedCenters(k));
    std::vector<double> s_sums(warp_sums ? kWarps * kd : 0), s_counts(warp_sums ? kWarps * k : 0);
    std::vector<int> s_labels(kBlockThreads);
    for (int tid = 0; tid < kBlockThreads; ++tid) LoadResidentCenters(tid, centers, k, d, s_centers.data(), s_norms.data());
    for (size_t first = block * kBlockThreads; first < n; first += grid_blocks * kBlockThreads) {
      AssignResidentChunk(x, n, first, k, d, s_centers.data(), s_norms.data(), s_labels.data(), result);  // phase 1
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

void RunResident(const float* x, size_t n, int d, const float* centers, int k, size_t grid_blocks, bool registers,
                 AssignResult* result) {
  if (!registers) return RunResidentShared(x, n, d, centers, k, grid_blocks, result);
  switch (RegisterChunks(d)) {
    case 1: return RunResidentRegisters<1>(x, n, d, centers, k, grid_blocks, result);
    case 2: return RunResidentRegisters<2>(x, n, d, centers, k, grid_blocks, result);
    case 4: return RunResidentRegisters<4>(x, n, d, centers, k, grid_blocks, result);
    default: return RunResidentRegisters<8>(x, n, d, centers, k, grid_blocks, result);
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

// The end of both TF32 kernels, once s.labels holds the block's labels: the warps' float32
// distances (a warp sum on the GPU) and their rows added into the sums.
void FinishTf32Block(const float* x, size_t n, int d, const float* centers, size_t row0, Tf32Shared s, AssignResult* result) {
  for (int r = 0; r < kTileRows && row0 + r < n; ++r) {
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

// What the tensor core's mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 does to a warp's
// registers, modelled from the PTX ISA's description of its fragments and written apart from the
// kernel's loaders (kmeans_tf32.h): the 16 x 8 A and the 8 x 8 B are gathered from the lanes'
// fragments as the hardware reads them, each element's TF32 bits only (the low 13 bits of the
// mantissa ignored), multiplied in float32, and each element of D is added to the lane and register
// that hold it. A kernel that loads or reads a fragment in any other layout gets wrong products.
void EmulateMmaM16n8k8Tf32(const float (&a)[kWarpLanes][4], const float (&b)[kWarpLanes][2], float (&c)[kWarpLanes][4]) {
  auto tf32_bits = [](float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    bits &= 0xffffe000u;
    std::memcpy(&value, &bits, sizeof(bits));
    return value;
  };
  float A[16][8], B[8][8];
  for (int lane = 0; lane < kWarpLanes; ++lane) {
    const int group = lane / 4, in_group = lane % 4;
    // A: a0 and a2 in row `group`, a1 and a3 eight rows down; a0 and a1 in column `in_group`, a2 and a3 four columns right.
    A[group][in_group] = tf32_bits(a[lane][0]);
    A[group + 8][in_group] = tf32_bits(a[lane][1]);
    A[group][in_group + 4] = tf32_bits(a[lane][2]);
    A[group + 8][in_group + 4] = tf32_bits(a[lane][3]);
    // B: column `group`; b0 in row `in_group`, b1 four rows down.
    B[in_group][group] = tf32_bits(b[lane][0]);
    B[in_group + 4][group] = tf32_bits(b[lane][1]);
  }
  for (int row = 0; row < 16; ++row) {
    for (int col = 0; col < 8; ++col) {
      float product = 0;
      for (int i = 0; i < 8; ++i) product += A[row][i] * B[i][col];
      // D: element (row, col) is held by lane (row % 8) * 4 + col / 2, in register (row / 8) * 2 + col % 2
      // (c0 and c1: row `group`, columns 2 * in_group and the next; c2 and c3: eight rows down).
      c[(row % 8) * 4 + col / 2][(row / 8) * 2 + col % 2] += product;
    }
  }
}

void RunTf32(const float* x, size_t n, int d, const float* centers, int k, AssignResult* result) {
  if (Tf32LayoutFor(d).total > kTf32MaxSharedBytes) throw std::invalid_argument(Tf32TooWide(d));
  std::vector<float> norms(k);
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < d; ++j) norms[c] += centers[static_cast<size_t>(c) * d + j] * centers[static_cast<size_t>(c) * d + j];
  }
  std::vector<unsigned char> shared(Tf32LayoutFor(d, false).total);
  const Tf32Shared s = Tf32SharedAt(shared.data(), d, false);
  const int row_stride = Tf32RowStride(d), slabs = RoundUp(d, kTf32Slab) / kTf32Slab;
  std::vector<MmaThread> threads(kBlockThreads);  // each lane's registers
  const size_t blocks = (n + kTileRows - 1) / kTileRows;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t row0 = block * kTileRows;
    for (int tid = 0; tid < kBlockThreads; ++tid) LoadTf32Rows(tid, x, n, d, row0, s);
    for (int tid = 0; tid < kBlockThreads; ++tid) RoundTf32Rows(tid, d, s);
    for (MmaThread& t : threads) StartMmaThread(&t);
    for (int c0 = 0; c0 < k; c0 += kTileCenters) {
      for (int slab = 0; slab < slabs; ++slab) {
        for (int tid = 0; tid < kBlockThreads; ++tid) LoadTf32CenterSlab(tid, centers, k, d, c0, slab * kTf32Slab, slab % 2, s);
        const float* slab_centers = s.centers + (slab % 2) * kTileCenters * kTf32SlabStride;
        for (int warp = 0; warp < kWarps; ++warp) {  // phase 2: each lane loads its fragments, then the warp's mma
          const int wr = warp / 2, wc = warp % 2;
          for (int kk = 0; kk < kTf32Slab; kk += kMmaDepth) {
            float a[kMmaRowTiles][kWarpLanes][4], b[kMmaCenterTiles][kWarpLanes][2];
            for (int lane = 0; lane < kWarpLanes; ++lane) {
              for (int i = 0; i < kMmaRowTiles; ++i) LoadMmaA(lane, MmaRowTile(s.rows, row_stride, wr, i, slab * kTf32Slab, kk), row_stride, a[i][lane]);
              for (int jn = 0; jn < kMmaCenterTiles; ++jn) LoadMmaB(lane, MmaCenterTile(slab_centers, wc, jn, kk), b[jn][lane]);
            }
            for (int i = 0; i < kMmaRowTiles; ++i) {
              for (int jn = 0; jn < kMmaCenterTiles; ++jn) {
                float c[kWarpLanes][4];
                for (int lane = 0; lane < kWarpLanes; ++lane) {
                  for (int e = 0; e < 4; ++e) c[lane][e] = threads[warp * kWarpLanes + lane].acc[i][jn][e];
                }
                EmulateMmaM16n8k8Tf32(a[i], b[jn], c);
                for (int lane = 0; lane < kWarpLanes; ++lane) {
                  for (int e = 0; e < 4; ++e) threads[warp * kWarpLanes + lane].acc[i][jn][e] = c[lane][e];
                }
              }
            }
          }
        }
      }
      for (int tid = 0; tid < kBlockThreads; ++tid) ScanMmaSweep(tid % kWarpLanes, (tid / kWarpLanes) % 2, c0, k, norms.data(), &threads[tid]);
    }
    for (int offset = 1; offset <= 2; offset *= 2) {  // the groups' two exchanges (shuffles on the GPU)
      const std::vector<MmaThread> before = threads;
      for (int tid = 0; tid < kBlockThreads; ++tid) {
        const MmaThread& other = before[tid ^ offset];
        for (int i = 0; i < kMmaRowTiles; ++i) {
          for (int h = 0; h < 2; ++h) TakeBetter(&threads[tid].best[i][h], &threads[tid].best_center[i][h], other.best[i][h], other.best_center[i][h]);
        }
      }
    }
    for (int tid = 0; tid < kBlockThreads; ++tid) {
      const int warp = tid / kWarpLanes;
      PublishMmaBest(tid % kWarpLanes, warp / 2, warp % 2, &threads[tid], s);
    }
    for (int r = 0; r < kTileRows; ++r) ChooseTf32Row(r, n, row0, s, result->labels.data());
    FinishTf32Block(x, n, d, centers, row0, s, result);
  }
}

void RunTf32Wmma(const float* x, size_t n, int d, const float* centers, int k, AssignResult* result) {
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
    FinishTf32Block(x, n, d, centers, row0, s, result);
  }
}

}  // namespace

AssignResult AssignCudaHarness(const float* x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel,
                               size_t grid_blocks) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  const std::string refusal = ResidentRefusal("kmeans.assign (CUDA harness)", kernel, k, d);
  if (!refusal.empty()) throw std::invalid_argument(refusal);
  AssignResult result;
  result.labels.assign(n, -1);
  result.distances.assign(n, std::numeric_limits<float>::quiet_NaN());  // poisoned: every row must be written
  result.sums.assign(k * d, 0.0);
  result.counts.assign(k, 0.0);
  if (IsResident(kernel)) {
    RunResident(x, n, static_cast<int>(d), centers, static_cast<int>(k), std::max<size_t>(grid_blocks, 1),
                ResidentRegisters(kernel, static_cast<int>(k), static_cast<int>(d)), &result);
  } else if (kernel == AssignKernel::kTf32) {
    RunTf32(x, n, static_cast<int>(d), centers, static_cast<int>(k), &result);
  } else if (kernel == AssignKernel::kTf32Wmma) {
    RunTf32Wmma(x, n, static_cast<int>(d), centers, static_cast<int>(k), &result);
  } else {
    RunTiled(x, n, static_cast<int>(d), centers, static_cast<int>(k), &result);
  }
  return result;
}

}  // namespace sm
