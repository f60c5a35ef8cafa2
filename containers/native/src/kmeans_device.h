// The per-thread work of the CUDA K-Means assignment kernels, as plain functions of explicit
// indices (block, thread, lane), so the same code runs on the GPU and, block by block and phase
// by phase, in the CPU harness the tests use on machines without a GPU (kmeans_harness.cc).
//
// Two kernels, both fusing the distances, the argmin and the next Lloyd step's sums and counts
// into one pass over x (the n x k distance matrix is never written):
//
// * Resident (few centers, k * d <= kResidentFloats): every block copies all centers into shared
//   memory once and then walks chunks of kBlockThreads rows; a thread scores its row against the
//   centers 16 at a time with the row's features in registers. The pass is bound by reading x, so
//   the sums must not add traffic. When UsesRegisterSums (k <= 64 at d <= 32, k <= 16 at
//   d <= 128, ...) the block's float64 sums live in its threads' registers: warp w owns
//   centers w, w + 8, ..., lane l feature columns l, l + 32, ...; after each chunk the block's
//   labels go through shared memory (one int a row), a ballot per center and 32 rows tells a warp
//   which rows to add, and each value is read once and added once; the block adds its registers to
//   the global sums at the end. Else, when k * d <= kWarpSumsFloats, each warp adds its own rows
//   into its own float64 copy of the sums in shared memory (a lane owns a feature column, so no
//   atomics), flushed once per block at the end; else the warps add straight into global memory
//   with float64 atomics.
// * Tiled (everything else): a block owns kTileRows rows and sweeps the centers kTileCenters at a
//   time through d in slabs of kSlab features, like a matrix product: each thread keeps an 8 x 8
//   block of dot products in registers, so one shared-memory read feeds several FMAs. The argmin
//   is kept per thread and reduced across the block at the end; each warp then reads its rows once,
//   coalesced, for their norms (a warp sum: GPU-only code) and to add them into the global float64
//   sums with atomics (k is large here, so they rarely collide).
#pragma once
#include <cstddef>

#if defined(__CUDACC__)
#define SM_HD __host__ __device__
#define SM_FORCEINLINE __forceinline__
#else
#define SM_HD
#define SM_FORCEINLINE inline
#endif

namespace sm {

constexpr int kBlockThreads = 256;
constexpr int kWarpLanes = 32;
constexpr int kWarps = kBlockThreads / kWarpLanes;
constexpr float kFloatMax = 3.402823466e38f;

// Eight consecutive floats of shared memory (16-byte aligned): two vector reads on the GPU.
SM_HD SM_FORCEINLINE void Read8(const float* p, float (&out)[8]) {
#if defined(__CUDA_ARCH__)
  const float4 a = reinterpret_cast<const float4*>(p)[0], b = reinterpret_cast<const float4*>(p)[1];
  out[0] = a.x; out[1] = a.y; out[2] = a.z; out[3] = a.w; out[4] = b.x; out[5] = b.y; out[6] = b.z; out[7] = b.w;
#else
  for (int i = 0; i < 8; ++i) out[i] = p[i];
#endif
}

// Four floats of global memory (16-byte aligned): one vector load on the GPU.
SM_HD SM_FORCEINLINE void Load4(const float* p, float (&out)[4]) {
#if defined(__CUDA_ARCH__)
  const float4 v = __ldg(reinterpret_cast<const float4*>(p));
  out[0] = v.x; out[1] = v.y; out[2] = v.z; out[3] = v.w;
#else
  for (int i = 0; i < 4; ++i) out[i] = p[i];
#endif
}

// Adds to global float64 memory: an atomic on the GPU (other blocks add to the same sums), a plain
// add in the single-threaded CPU harness.
SM_HD SM_FORCEINLINE void AtomicAddDouble(double* target, double value) {
#if defined(__CUDA_ARCH__)
  atomicAdd(target, value);
#else
  *target += value;
#endif
}

// Lane `lane` of a warp adds feature columns lane, lane + 32, ... of the rows [first, first + count)
// into `sums` (k x d) and lane 0 counts them; with `atomic` the sums are global and shared with
// other warps and blocks. Lanes read consecutive features of a row: coalesced.
SM_HD inline void AddRows(int lane, const float* x, size_t first, int count, int d, const int* labels, double* sums,
                          double* counts, bool atomic) {
  for (int r = 0; r < count; ++r) {
    const int label = labels[r];
    const float* row = x + (first + r) * static_cast<size_t>(d);
    double* target = sums + static_cast<size_t>(label) * d;
    if (atomic) {
      for (int j = lane; j < d; j += kWarpLanes) AtomicAddDouble(target + j, static_cast<double>(row[j]));
      if (lane == 0) AtomicAddDouble(counts + label, 1.0);
    } else {
      for (int j = lane; j < d; j += kWarpLanes) target[j] += static_cast<double>(row[j]);
      if (lane == 0) counts[label] += 1.0;
    }
  }
}

// ---- the resident kernel -------------------------------------------------------------------

// Centers scored per register tile, features per register chunk.
constexpr int kCenterTile = 16;
constexpr int kFeatureChunk = 32;
// Shared memory holds all centers, padded to whole tiles and chunks, when they take at most this
// many floats (48 KiB, the most a block gets without opting in).
constexpr int kResidentFloats = 12 * 1024;
// Warp-private float64 sums when each warp's copy takes at most this many doubles (8 warps x 1,024
// doubles = 64 KiB of shared memory).
constexpr int kWarpSumsFloats = 1024;

SM_HD inline int RoundUp(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

// The padded shape of the resident centers: rows of PaddedFeatures(d), PaddedCenters(k) of them.
SM_HD inline int PaddedFeatures(int d) { return RoundUp(d, kFeatureChunk); }
SM_HD inline int PaddedCenters(int k) { return RoundUp(k, kCenterTile); }
SM_HD inline bool FitsResident(int k, int d) {
  return static_cast<long long>(PaddedCenters(k)) * PaddedFeatures(d) <= kResidentFloats;
}
SM_HD inline bool UsesWarpSums(int k, int d) { return static_cast<long long>(k) * d <= kWarpSumsFloats; }

// ---- the resident kernel's sums in registers ------------------------------------------------

// The block's sums split over its threads: warp w owns centers w, w + 8, w + 16, ... and lane l
// of it feature columns l, l + 32, ...; a lane keeps kRegisterSlots float64 sums (16 registers),
// [owned center][chunk of 32 features], with the chunks per center a power of two (RegisterChunks)
// fixed at compile time, so every index is a constant. They fit when ceil(k / 8) centers of
// RegisterChunks(d) chunks take at most 8 slots: k <= 64 at d <= 32, k <= 32 at d <= 64,
// k <= 16 at d <= 128, k <= 8 at d <= 256.
constexpr int kRegisterSlots = 8;
SM_HD inline int FeatureChunks(int d) { return (d + kWarpLanes - 1) / kWarpLanes; }
SM_HD inline int OwnedCenters(int k) { return (k + kWarps - 1) / kWarps; }
SM_HD inline int RegisterChunks(int d) {
  int chunks = 1;
  while (chunks < FeatureChunks(d)) chunks *= 2;
  return chunks;
}
SM_HD inline bool UsesRegisterSums(int k, int d) {
  return RegisterChunks(d) <= kRegisterSlots && static_cast<long long>(OwnedCenters(k)) * RegisterChunks(d) <= kRegisterSlots;
}

// One lane's register sums (on the GPU these stay in registers: every index below is a
// compile-time constant after unrolling).
struct RegisterSums {
  double sums[kRegisterSlots];
  unsigned count;  // lane q: the rows labelled with the warp's q-th center
};

SM_HD SM_FORCEINLINE void StartRegisterSums(RegisterSums* r) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int s = 0; s < kRegisterSlots; ++s) r->sums[s] = 0.0;
  r->count = 0;
}

// Which of 32 rows have label `center` (bit l: row l). On the GPU a ballot of each lane's
// `own_label` (a warp-wide instruction: every lane must reach it); the harness, which runs the
// lanes one after another, reads the same 32 labels from `labels` (shared memory on the GPU too).
SM_HD SM_FORCEINLINE unsigned LabelBallot(int own_label, const int* labels, int center) {
#if defined(__CUDA_ARCH__)
  (void)labels;
  return __ballot_sync(0xffffffffu, own_label == center);
#else
  (void)own_label;
  unsigned mask = 0;
  for (int l = 0; l < kWarpLanes; ++l) mask |= (labels[l] == center ? 1u : 0u) << l;
  return mask;
#endif
}

SM_HD SM_FORCEINLINE int CountBits(unsigned mask) {
#if defined(__CUDA_ARCH__)
  return __popc(mask);
#else
  return __builtin_popcount(mask);
#endif
}

SM_HD SM_FORCEINLINE int LowestBit(unsigned mask) {
#if defined(__CUDA_ARCH__)
  return __ffs(static_cast<int>(mask)) - 1;
#else
  return __builtin_ctz(mask);
#endif
}

// Once the block's labels of rows [first, first + 256) are in `s_labels` (-1: no row, past n):
// lane `lane` of warp `warp` adds, for each center the warp owns, the rows with that label (a
// ballot per 32 rows names them), features chunk * 32 + lane of each, read coalesced across the
// lanes. Every value is read once and added once, in float64, with no shared-memory sums.
// kChunks = RegisterChunks(d).
template <int kChunks>
SM_HD inline void AddBlockRowsToRegisters(int warp, int lane, const float* x, size_t first, int k, int d, const int* s_labels,
                                          RegisterSums* r) {
  constexpr int kOwned = kRegisterSlots / kChunks;
  // One copy of the loop body, not kOwned (which would crowd out the registers): each center adds
  // into slots [0, kChunks), then the slots rotate by kChunks (register moves), so after kOwned
  // turns every sum is back in its own slot.
#if defined(__CUDA_ARCH__)
#pragma unroll 1
#endif
  for (int owned = 0; owned < kOwned; ++owned) {
    const int center = warp + kWarps * owned;
    if (center < k) {  // the same in every lane: the ballots below are reached by the whole warp
      unsigned rows_labelled = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll 1
#endif
      for (int part = 0; part < kWarps; ++part) {
        const int* labels = s_labels + part * kWarpLanes;
        const unsigned rows = LabelBallot(labels[lane], labels, center);
        rows_labelled += static_cast<unsigned>(CountBits(rows));
        const float* base = x + (first + static_cast<size_t>(part) * kWarpLanes) * d + lane;
        for (unsigned m = rows; m != 0; m &= m - 1) {
          const float* row = base + static_cast<size_t>(LowestBit(m)) * d;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
          for (int chunk = 0; chunk < kChunks; ++chunk) {
            if (chunk * kWarpLanes + lane < d) r->sums[chunk] += static_cast<double>(row[chunk * kWarpLanes]);
          }
        }
      }
      if (lane == owned) r->count += rows_labelled;
    }
    double first_sums[kChunks];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int chunk = 0; chunk < kChunks; ++chunk) first_sums[chunk] = r->sums[chunk];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int slot = 0; slot + kChunks < kRegisterSlots; ++slot) r->sums[slot] = r->sums[slot + kChunks];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int chunk = 0; chunk < kChunks; ++chunk) r->sums[kRegisterSlots - kChunks + chunk] = first_sums[chunk];
  }
}

// At the block's end: lane `lane` of warp `warp` adds its slots into the global sums (k x d) and
// counts (k), with float64 atomics on the GPU (other blocks add to the same values).
template <int kChunks>
SM_HD inline void FlushRegisterSums(int warp, int lane, int k, int d, const RegisterSums* r, double* sums, double* counts) {
  constexpr int kOwned = kRegisterSlots / kChunks;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int owned = 0; owned < kOwned; ++owned) {
    const int center = warp + kWarps * owned;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int chunk = 0; chunk < kChunks; ++chunk) {
      const int j = chunk * kWarpLanes + lane;
      if (center < k && j < d) AtomicAddDouble(sums + static_cast<size_t>(center) * d + j, r->sums[owned * kChunks + chunk]);
    }
  }
  const int center = warp + kWarps * lane;
  if (lane < kOwned && center < k) AtomicAddDouble(counts + center, static_cast<double>(r->count));
}

// Phase 0 (once per block): thread `tid` copies its share of the centers into shared memory,
// zero-padded to whole chunks and tiles, and their squared norms; padding centers get an infinite
// norm so they never win.
SM_HD inline void LoadResidentCenters(int tid, const float* centers, int k, int d, float* s_centers, float* s_norms) {
  const int dp = PaddedFeatures(d), kp = PaddedCenters(k);
  for (int i = tid; i < kp * dp; i += kBlockThreads) {
    const int c = i / dp, j = i % dp;
    s_centers[i] = (c < k && j < d) ? centers[static_cast<size_t>(c) * d + j] : 0.0f;
  }
  for (int c = tid; c < kp; c += kBlockThreads) {
    float norm = 0;
    if (c < k) {
      for (int j = 0; j < d; ++j) norm += centers[static_cast<size_t>(c) * d + j] * centers[static_cast<size_t>(c) * d + j];
    }
    s_norms[c] = c < k ? norm : kFloatMax;
  }
}

// Loads features [j0, j0 + 32) of a row into registers, zeros past d. Vector loads when rows are
// whole 16-byte units (d % 4 == 0), so a thread's row arrives in 8 loads rather than 32.
SM_HD SM_FORCEINLINE void LoadRowChunk(const float* row, int d, int j0, float (&xr)[kFeatureChunk]) {
  if (d % 4 == 0 && j0 + kFeatureChunk <= d) {
#if defined(__CUDA_ARCH__)
    const float4* v = reinterpret_cast<const float4*>(row + j0);
#pragma unroll
    for (int q = 0; q < kFeatureChunk / 4; ++q) {
      const float4 f = __ldg(v + q);
      xr[4 * q] = f.x; xr[4 * q + 1] = f.y; xr[4 * q + 2] = f.z; xr[4 * q + 3] = f.w;
    }
#else
    for (int j = 0; j < kFeatureChunk; ++j) xr[j] = row[j0 + j];
#endif
    return;
  }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int j = 0; j < kFeatureChunk; ++j) xr[j] = j0 + j < d ? row[j0 + j] : 0.0f;
}

// Phase 1: the nearest resident center of one row (and its squared distance, clamped at 0).
SM_HD inline void AssignResidentRow(const float* row, int k, int d, const float* s_centers, const float* s_norms,
                                    int* label, float* distance) {
  const int dp = PaddedFeatures(d), kp = PaddedCenters(k);
  float row_norm = 0, best = kFloatMax;
  int best_center = 0;
  for (int tile = 0; tile < kp; tile += kCenterTile) {
    float dots[kCenterTile];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int c = 0; c < kCenterTile; ++c) dots[c] = 0;
    for (int j0 = 0; j0 < dp; j0 += kFeatureChunk) {
      float xr[kFeatureChunk];
      LoadRowChunk(row, d, j0, xr);
      if (tile == 0) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (int j = 0; j < kFeatureChunk; ++j) row_norm += xr[j] * xr[j];
      }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int c = 0; c < kCenterTile; ++c) {
        const float* center = s_centers + (tile + c) * dp + j0;  // the same address in every lane: a broadcast
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (int j = 0; j < kFeatureChunk; j += 8) {
          float cv[8];
          Read8(center + j, cv);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
          for (int q = 0; q < 8; ++q) dots[c] += xr[j + q] * cv[q];
        }
      }
    }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int c = 0; c < kCenterTile; ++c) {
      const float score = s_norms[tile + c] - 2.0f * dots[c];
      if (score < best) {
        best = score;
        best_center = tile + c;
      }
    }
  }
  const float squared = row_norm + best;
  *label = best_center;
  *distance = squared > 0.0f ? squared : 0.0f;
}

// ---- the tiled kernel ----------------------------------------------------------------------

constexpr int kTileRows = 128;        // rows per block
constexpr int kTileCenters = 128;     // centers per sweep
constexpr int kSlab = 16;             // features per shared-memory slab
constexpr int kThreadRows = 8;        // each thread: 8 rows ...
constexpr int kThreadCenters = 8;     // ... by 8 centers
// The slabs' rows are padded by 4 floats: stores then hit at most 2 lanes per bank, and the
// thread's 8 rows (or centers) stay 16-byte aligned for vector reads.
constexpr int kSlabPad = 4;
constexpr int kRowThreads = kTileRows / kThreadRows;         // 16
constexpr int kCenterThreads = kTileCenters / kThreadCenters;  // 16
static_assert(kRowThreads * kCenterThreads == kBlockThreads, "one thread per 8 x 8 block");

// Shared memory of one tiled block, in floats.
struct TiledShared {
  float x[kSlab][kTileRows + kSlabPad];     // the slab of the block's rows, feature-major
  float c[kSlab][kTileCenters + kSlabPad];  // the slab of the sweep's centers, feature-major
  float best[kCenterThreads][kTileRows];
  int best_center[kCenterThreads][kTileRows];
  float best_scores[kTileRows];
  int labels[kTileRows];
};

// Per-thread registers of the tiled kernel.
struct TiledThread {
  float dots[kThreadRows][kThreadCenters];
  float best[kThreadRows];
  int best_center[kThreadRows];
};

SM_HD SM_FORCEINLINE void StartTiledThread(TiledThread* t) {
  for (int i = 0; i < kThreadRows; ++i) {
    t->best[i] = kFloatMax;
    t->best_center[i] = 0;
    for (int c = 0; c < kThreadCenters; ++c) t->dots[i][c] = 0.0f;
  }
}

// Phase 1 of a slab: thread `tid` copies its share of the slab of rows [row0, row0 + 128) and of
// centers [c0, c0 + 128), features [j0, j0 + 16), transposed; zeros outside x and the centers.
// Consecutive threads read consecutive features of a row, so the global reads are coalesced.
SM_HD inline void LoadTiledSlab(int tid, const float* x, size_t n, const float* centers, int k, int d,
                                size_t row0, int c0, int j0, TiledShared* s) {
  if (d % 4 == 0) {  // whole 16-byte pieces (j0 and d are multiples of 4): a quarter of the loads
    for (int i = tid; i < kTileRows * kSlab / 4; i += kBlockThreads) {
      const int r = i / (kSlab / 4), j = (i % (kSlab / 4)) * 4;
      float v[4] = {0, 0, 0, 0};
      if (row0 + r < n && j0 + j < d) Load4(x + (row0 + r) * d + j0 + j, v);
      for (int q = 0; q < 4; ++q) s->x[j + q][r] = v[q];
    }
    for (int i = tid; i < kTileCenters * kSlab / 4; i += kBlockThreads) {
      const int c = i / (kSlab / 4), j = (i % (kSlab / 4)) * 4;
      float v[4] = {0, 0, 0, 0};
      if (c0 + c < k && j0 + j < d) Load4(centers + static_cast<size_t>(c0 + c) * d + j0 + j, v);
      for (int q = 0; q < 4; ++q) s->c[j + q][c] = v[q];
    }
    return;
  }
  for (int i = tid; i < kTileRows * kSlab; i += kBlockThreads) {
    const int r = i / kSlab, j = i % kSlab;
    const size_t row = row0 + r;
    s->x[j][r] = (row < n && j0 + j < d) ? x[row * d + j0 + j] : 0.0f;
  }
  for (int i = tid; i < kTileCenters * kSlab; i += kBlockThreads) {
    const int c = i / kSlab, j = i % kSlab;
    s->c[j][c] = (c0 + c < k && j0 + j < d) ? centers[static_cast<size_t>(c0 + c) * d + j0 + j] : 0.0f;
  }
}

// The sweep's center that thread column tx holds in its c-th register: centers 4tx..4tx+3 and
// 64+4tx..64+4tx+3, so the 16 thread columns of a warp read two runs of 256 contiguous bytes
// (conflict-free) rather than 16 strided 32-byte pieces (4-way bank conflicts).
SM_HD SM_FORCEINLINE int TiledCenterOffset(int tx, int c) {
  return c < 4 ? tx * 4 + c : kTileCenters / 2 + tx * 4 + (c - 4);
}

// Two runs of four floats of shared memory (each 16-byte aligned).
SM_HD SM_FORCEINLINE void Read4Pair(const float* first, const float* second, float (&out)[8]) {
#if defined(__CUDA_ARCH__)
  const float4 a = *reinterpret_cast<const float4*>(first), b = *reinterpret_cast<const float4*>(second);
  out[0] = a.x; out[1] = a.y; out[2] = a.z; out[3] = a.w; out[4] = b.x; out[5] = b.y; out[6] = b.z; out[7] = b.w;
#else
  for (int i = 0; i < 4; ++i) {
    out[i] = first[i];
    out[4 + i] = second[i];
  }
#endif
}

// Phase 2 of a slab: the thread's 8 x 8 dot products advance by 16 features.
SM_HD SM_FORCEINLINE void MultiplyTiledSlab(int tid, const TiledShared* s, TiledThread* t) {
  const int ty = tid / kCenterThreads, tx = tid % kCenterThreads;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int j = 0; j < kSlab; ++j) {
    float xs[kThreadRows], cs[kThreadCenters];
    Read8(&s->x[j][ty * kThreadRows], xs);
    Read4Pair(&s->c[j][TiledCenterOffset(tx, 0)], &s->c[j][TiledCenterOffset(tx, 4)], cs);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < kThreadRows; ++i) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int c = 0; c < kThreadCenters; ++c) t->dots[i][c] += xs[i] * cs[c];
    }
  }
}

// After a sweep's last slab: scores ||c||^2 - 2 x.c for the thread's centers update its rows' best.
// `center_norms` holds all k norms (global memory; computed once per launch).
SM_HD SM_FORCEINLINE void FinishTiledSweep(int tid, int k, int c0, const float* center_norms, TiledThread* t) {
  const int tx = tid % kCenterThreads;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int c = 0; c < kThreadCenters; ++c) {
    const int center = c0 + TiledCenterOffset(tx, c);
    const float norm = center < k ? center_norms[center] : kFloatMax;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < kThreadRows; ++i) {
      const float score = norm - 2.0f * t->dots[i][c];
      if (score < t->best[i]) {
        t->best[i] = score;
        t->best_center[i] = center;
      }
      t->dots[i][c] = 0.0f;
    }
  }
}

// After all sweeps, phase A: each thread publishes its rows' best.
SM_HD inline void PublishTiledBest(int tid, const TiledThread* t, TiledShared* s) {
  const int ty = tid / kCenterThreads, tx = tid % kCenterThreads;
  for (int i = 0; i < kThreadRows; ++i) {
    s->best[tx][ty * kThreadRows + i] = t->best[i];
    s->best_center[tx][ty * kThreadRows + i] = t->best_center[i];
  }
}

// Phase B: row r's nearest center (lowest index on ties, like the CPU kernel) over the 16 center
// threads; its score ||c||^2 - 2 x.c waits in shared memory for the row's norm.
SM_HD inline void ReduceTiledRow(int r, size_t n, size_t row0, TiledShared* s, int* labels) {
  const size_t row = row0 + r;
  float best = s->best[0][r];
  int best_center = s->best_center[0][r];
  for (int tx = 1; tx < kCenterThreads; ++tx) {
    const float score = s->best[tx][r];
    const int center = s->best_center[tx][r];
    if (score < best || (score == best && center < best_center)) {
      best = score;
      best_center = center;
    }
  }
  s->labels[r] = best_center;
  s->best_scores[r] = best;
  if (row < n) labels[row] = best_center;
}

// The squared distance from a row's norm and its best score, clamped at 0 (float32 cancellation).
SM_HD inline float DistanceFromScore(float row_norm, float best_score) {
  const float squared = row_norm + best_score;
  return squared > 0.0f ? squared : 0.0f;
}

}  // namespace sm
