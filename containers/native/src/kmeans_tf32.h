// The optional TF32 tensor-core K-Means assignment (GPUs of compute capability 8.0 and newer):
// the per-thread phases shared by the GPU kernels and the CPU harness. Only the products x.c
// that pick the nearest center use TF32 (10-bit mantissas); the distance reported for the chosen
// center is recomputed in float32 from the row, so distances, inertia, sums and counts are as
// exact as the float32 kernels' and only near-ties (gaps under TF32's error) may pick another
// center.
//
// A block owns kTileRows rows, kept in shared memory (rounded to TF32) for the whole launch, and
// sweeps the centers kTileCenters at a time in slabs of kTf32Slab features, each slab copied
// asynchronously while the tensor cores multiply the one before (two buffers). Each of the eight
// warps owns a 32-row x 64-center corner of the sweep. Two kernels share this frame:
//
// * mma (AssignKernel::kTf32): mma.sync.m16n8k8 on fragments each lane loads itself, by the PTX
//   ISA's documented layout, so every lane knows which rows and centers its accumulators hold and
//   takes the argmin on them in registers; the four lanes sharing a row then agree by shuffles.
//   The harness loads the same fragments with the same functions and multiplies them by a model of
//   the instruction written from that documentation (kmeans_harness.cc), so a lane that loads or
//   reads the wrong element fails the tests.
// * WMMA (AssignKernel::kTf32Wmma): WMMA m16n16k8, whose fragment layout is opaque, so after a
//   sweep each warp stores its scores 16 centers at a time into its own small buffer,
//   column-major, and lane r scans row r (no block-wide barrier); the harness multiplies with the
//   same rounding.
//
// At the end the two halves of each row are combined, and each warp reads its rows once for their
// float32 distances and the sums, as in the tiled kernel.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include "kmeans_device.h"
#if defined(__CUDA_ARCH__)
#include <cuda_pipeline.h>
#endif

namespace sm {

constexpr int kTf32Slab = 16;
constexpr int kTf32SlabStride = kTf32Slab + 4;       // centers' slab rows (conflict-free fragment loads)
constexpr int kTf32WarpRows = 32, kTf32WarpCenters = 64, kTf32Fragment = 16;
constexpr int kTf32ScoreStride = kTf32WarpRows + 4;  // a warp's stored scores: [center][row]

// The resident rows' padded width: whole slabs, plus 4 floats (conflict-free fragment loads).
SM_HD inline int Tf32RowStride(int d) { return RoundUp(d, kTf32Slab) + 4; }

// Bytes of one block's shared memory for rows of d features, and where each array lives in it.
struct Tf32Layout {
  size_t rows, centers, scores, best, best_center, labels, total;
};
// `scores`: with the WMMA kernel's score buffers (the mma kernel has none: more blocks fit).
SM_HD inline Tf32Layout Tf32LayoutFor(int d, bool scores = true) {
  Tf32Layout l{};
  l.rows = 0;
  l.centers = l.rows + sizeof(float) * kTileRows * Tf32RowStride(d);
  l.scores = l.centers + sizeof(float) * 2 * kTileCenters * kTf32SlabStride;
  l.best = l.scores + (scores ? sizeof(float) * kWarps * kTf32Fragment * kTf32ScoreStride : 0);
  l.best_center = l.best + sizeof(float) * 2 * kTileRows;
  l.labels = l.best_center + sizeof(int) * 2 * kTileRows;
  l.total = l.labels + sizeof(int) * kTileRows;
  return l;
}
// The most shared memory a block may take (H100/A100: 227 KiB); d beyond this is refused.
constexpr size_t kTf32MaxSharedBytes = 227 * 1024;

struct Tf32Shared {
  float* rows;         // [kTileRows][Tf32RowStride(d)], TF32-rounded
  float* centers;      // [2][kTileCenters][kTf32SlabStride]: the slab being multiplied and the next
  float* scores;       // [warp][kTf32Fragment][kTf32ScoreStride]
  float* best;         // [2][kTileRows]: each half of the centers' best score per row
  int* best_center;    // [2][kTileRows]
  int* labels;         // [kTileRows]
};
SM_HD inline Tf32Shared Tf32SharedAt(unsigned char* base, int d, bool scores = true) {
  const Tf32Layout l = Tf32LayoutFor(d, scores);
  return {reinterpret_cast<float*>(base + l.rows), reinterpret_cast<float*>(base + l.centers), reinterpret_cast<float*>(base + l.scores),
          reinterpret_cast<float*>(base + l.best), reinterpret_cast<int*>(base + l.best_center), reinterpret_cast<int*>(base + l.labels)};
}

// The widest rows whose tile fits in shared memory (368 features; both kernels refuse wider rows,
// though the mma kernel's tile alone would take a few more).
inline int Tf32MaxFeatures() {
  int d = 1;
  while (Tf32LayoutFor(d + 1).total <= kTf32MaxSharedBytes) ++d;
  return d;
}

// The refusal of rows too wide for the resident tile.
inline std::string Tf32TooWide(size_t d) {
  return "kmeans.assign (CUDA, TF32): d = " + std::to_string(d) + " is too wide for the rows to stay in shared memory (at most " +
         std::to_string(Tf32MaxFeatures()) + " features)";
}

// The value the tensor core multiplies: float rounded to TF32 (nearest, ties away from zero, as
// the GPU's cvt.rna.tf32.f32).
SM_HD inline float RoundToTf32(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7f800000u) != 0x7f800000u) bits = (bits + 0x1000u) & 0xffffe000u;
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

// The same rounding on the GPU (cvt.rna.tf32.f32, compute capability 8.0 and newer).
SM_HD SM_FORCEINLINE float ToTf32(float value) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  uint32_t bits;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(bits) : "f"(value));
  return __uint_as_float(bits);
#else
  return RoundToTf32(value);
#endif
}

// One float from global to shared memory: asynchronously on the GPU (cp.async, waited for with
// WaitTf32Copies), at once in the harness.
SM_HD SM_FORCEINLINE void CopyFloatAsync(float* to, const float* from) {
#if defined(__CUDA_ARCH__)
  __pipeline_memcpy_async(to, from, sizeof(float));
#else
  *to = *from;
#endif
}

// Four floats (16-byte aligned at both ends) from global to shared memory, the same way.
SM_HD SM_FORCEINLINE void CopyFloat4Async(float* to, const float* from) {
#if defined(__CUDA_ARCH__)
  __pipeline_memcpy_async(to, from, 4 * sizeof(float));
#else
  for (int q = 0; q < 4; ++q) to[q] = from[q];
#endif
}

// Phase 0: the block's rows [row0, row0 + 128) into shared memory, zeros past n and d.
SM_HD inline void LoadTf32Rows(int tid, const float* x, size_t n, int d, size_t row0, Tf32Shared s) {
  // A warp per row, its lanes along the row: coalesced, and no division by the runtime stride.
  const int stride = Tf32RowStride(d);
  const int piece = d % 4 == 0 ? 4 : 1;  // 16-byte copies where rows are whole 16-byte pieces
  for (int r = tid / kWarpLanes; r < kTileRows; r += kWarps) {
    for (int j = (tid % kWarpLanes) * piece; j < stride; j += kWarpLanes * piece) {
      if (row0 + r < n && j < d) {
        if (piece == 4) CopyFloat4Async(s.rows + r * stride + j, x + (row0 + r) * d + j);
        else CopyFloatAsync(s.rows + r * stride + j, x + (row0 + r) * d + j);
      } else {
        for (int q = 0; q < piece; ++q) s.rows[r * stride + j + q] = 0.0f;
      }
    }
  }
  for (int i = tid; i < 2 * kTileRows; i += kBlockThreads) {
    s.best[i] = kFloatMax;
    s.best_center[i] = 0;
  }
}

// Phase 0, once the copies have landed: the rows rounded to TF32 in place.
SM_HD inline void RoundTf32Rows(int tid, int d, Tf32Shared s) {
  for (int i = tid; i < kTileRows * Tf32RowStride(d); i += kBlockThreads) s.rows[i] = RoundToTf32(s.rows[i]);
}

// Phase 1: the slab of centers [c0, c0 + 128), features [j0, j0 + 16), into buffer `buffer`.
SM_HD inline void LoadTf32CenterSlab(int tid, const float* centers, int k, int d, int c0, int j0, int buffer, Tf32Shared s) {
  float* slab = s.centers + buffer * kTileCenters * kTf32SlabStride;
  if (d % 4 == 0) {  // whole 16-byte pieces: a quarter of the copies
    for (int i = tid; i < kTileCenters * kTf32Slab / 4; i += kBlockThreads) {
      const int c = i / (kTf32Slab / 4), j = (i % (kTf32Slab / 4)) * 4;
      if (c0 + c < k && j0 + j < d) {
        CopyFloat4Async(slab + c * kTf32SlabStride + j, centers + static_cast<size_t>(c0 + c) * d + j0 + j);
      } else {
        for (int q = 0; q < 4; ++q) slab[c * kTf32SlabStride + j + q] = 0.0f;
      }
    }
    return;
  }
  for (int i = tid; i < kTileCenters * kTf32Slab; i += kBlockThreads) {
    const int c = i / kTf32Slab, j = i % kTf32Slab;
    if (c0 + c < k && j0 + j < d) CopyFloatAsync(slab + c * kTf32SlabStride + j, centers + static_cast<size_t>(c0 + c) * d + j0 + j);
    else slab[c * kTf32SlabStride + j] = 0.0f;
  }
}

// Phase 3: lane `lane` (row lane of the warp's 32) scans the 16 centers [first, first + 16) whose
// products the warp stored in `scores` ([center][row]), keeping its best.
SM_HD inline void ScanTf32Fragment(int lane, const float* scores, int first, int k, const float* center_norms, float* best,
                                   int* best_center) {
  for (int c = 0; c < kTf32Fragment && first + c < k; ++c) {
    const float score = center_norms[first + c] - 2.0f * scores[c * kTf32ScoreStride + lane];
    if (score < *best) {
      *best = score;
      *best_center = first + c;
    }
  }
}

// ---- the mma kernel: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 --------------------
//
// The fragment layout of m16n8k8 with .tf32 inputs and .f32 accumulators, as the PTX ISA
// documents it, with g = lane / 4 (the group) and t = lane % 4 (the thread in the group):
//   A (16 x 8, row-major; rows of x): a0 = (g, t), a1 = (g + 8, t), a2 = (g, t + 4), a3 = (g + 8, t + 4)
//   B (8 x 8, column-major; a column is a center): b0 = (t, g), b1 = (t + 4, g)
//   C/D (16 x 8): c0 = (g, 2t), c1 = (g, 2t + 1), c2 = (g + 8, 2t), c3 = (g + 8, 2t + 1)
// A warp's 32 x 64 corner is 2 x 8 such tiles; each lane holds 4 accumulators of each: rows g and
// g + 8 of both row tiles (4 rows) against centers 2t and 2t + 1 of the 8 center tiles (16 centers).
constexpr int kMmaRows = 16, kMmaCenters = 8, kMmaDepth = 8;
constexpr int kMmaRowTiles = kTf32WarpRows / kMmaRows;           // 2
constexpr int kMmaCenterTiles = kTf32WarpCenters / kMmaCenters;  // 8

// One lane's registers: the accumulators, and the best center so far of each of its 4 rows
// ([row tile][0: row g, 1: row g + 8]) over the centers it holds.
struct MmaThread {
  float acc[kMmaRowTiles][kMmaCenterTiles][4];
  float best[kMmaRowTiles][2];
  int best_center[kMmaRowTiles][2];
};

SM_HD inline void StartMmaThread(MmaThread* t) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int i = 0; i < kMmaRowTiles; ++i) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int h = 0; h < 2; ++h) {
      t->best[i][h] = kFloatMax;
      t->best_center[i][h] = 0;
    }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int jn = 0; jn < kMmaCenterTiles; ++jn) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int e = 0; e < 4; ++e) t->acc[i][jn][e] = 0.0f;
    }
  }
}

// The 16 x 8 tile of the block's resident rows that row tile i of warp row wr multiplies at
// feature j0 + kk (row-major, `row_stride` floats a row; already TF32).
SM_HD SM_FORCEINLINE const float* MmaRowTile(const float* rows, int row_stride, int wr, int i, int j0, int kk) {
  return rows + (wr * kTf32WarpRows + i * kMmaRows) * row_stride + j0 + kk;
}

// The 8 centers x 8 features of the slab that center tile jn of warp column wc multiplies at kk
// ([center][feature], kTf32SlabStride floats a center).
SM_HD SM_FORCEINLINE const float* MmaCenterTile(const float* slab, int wc, int jn, int kk) {
  return slab + (wc * kTf32WarpCenters + jn * kMmaCenters) * kTf32SlabStride + kk;
}

// Lane `lane`'s A fragment of a row tile. Strides of 4 mod 32 floats: the 32 lanes hit 32 banks.
SM_HD SM_FORCEINLINE void LoadMmaA(int lane, const float* tile, int row_stride, float (&a)[4]) {
  const int g = lane >> 2, t = lane & 3;
  a[0] = tile[g * row_stride + t];
  a[1] = tile[(g + 8) * row_stride + t];
  a[2] = tile[g * row_stride + t + 4];
  a[3] = tile[(g + 8) * row_stride + t + 4];
}

// Lane `lane`'s B fragment of a center tile, rounded to TF32 (the instruction reads only the
// TF32 bits; rounding rather than truncating halves the error).
SM_HD SM_FORCEINLINE void LoadMmaB(int lane, const float* tile, float (&b)[2]) {
  const int g = lane >> 2, t = lane & 3;
  b[0] = ToTf32(tile[g * kTf32SlabStride + t]);
  b[1] = ToTf32(tile[g * kTf32SlabStride + t + 4]);
}

// Which row of its tile (0..15) and which center of its tile (0..7) accumulator e holds; the
// half is 0 for row g, 1 for row g + 8 (a constant for each e, so the registers are indexed
// statically).
SM_HD SM_FORCEINLINE int MmaAccumulatorHalf(int e) { return e >> 1; }
SM_HD SM_FORCEINLINE int MmaAccumulatorRow(int lane, int e) { return (lane >> 2) + 8 * MmaAccumulatorHalf(e); }
SM_HD SM_FORCEINLINE int MmaAccumulatorCenter(int lane, int e) { return 2 * (lane & 3) + (e & 1); }

// After a sweep's last slab: lane `lane` of warp column wc scores the 16 centers it holds for its
// 4 rows (||c||^2 - 2 x.c, from the accumulators in registers), keeps each row's best, and clears
// the accumulators. Its centers are visited in increasing order, so ties keep the lowest index.
SM_HD inline void ScanMmaSweep(int lane, int wc, int c0, int k, const float* center_norms, MmaThread* t) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int jn = 0; jn < kMmaCenterTiles; ++jn) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int e = 0; e < 4; ++e) {
      const int center = c0 + wc * kTf32WarpCenters + jn * kMmaCenters + MmaAccumulatorCenter(lane, e);
      const float norm = center < k ? center_norms[center] : kFloatMax;
      const int h = MmaAccumulatorHalf(e);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int i = 0; i < kMmaRowTiles; ++i) {
        const float score = norm - 2.0f * t->acc[i][jn][e];
        if (score < t->best[i][h]) {
          t->best[i][h] = score;
          t->best_center[i][h] = center;
        }
        t->acc[i][jn][e] = 0.0f;
      }
    }
  }
}

// The better of two (score, center) pairs: the lower score, then the lower center.
SM_HD SM_FORCEINLINE void TakeBetter(float* best, int* best_center, float score, int center) {
  if (score < *best || (score == *best && center < *best_center)) {
    *best = score;
    *best_center = center;
  }
}

// After the four lanes of each group have agreed (shuffles on the GPU, the same exchanges in the
// harness), lane t = 0 of the group publishes its rows' best for warp column wc.
SM_HD inline void PublishMmaBest(int lane, int wr, int wc, const MmaThread* t, Tf32Shared s) {
  if ((lane & 3) != 0) return;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int i = 0; i < kMmaRowTiles; ++i) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int h = 0; h < 2; ++h) {
      const int r = wr * kTf32WarpRows + i * kMmaRows + MmaAccumulatorRow(lane, 2 * h);
      s.best[wc * kTileRows + r] = t->best[i][h];
      s.best_center[wc * kTileRows + r] = t->best_center[i][h];
    }
  }
}

// Phase 4: row r's nearest center over the two halves (lowest index on ties).
SM_HD inline void ChooseTf32Row(int r, size_t n, size_t row0, Tf32Shared s, int* labels) {
  const bool second = s.best[kTileRows + r] < s.best[r] ||
                      (s.best[kTileRows + r] == s.best[r] && s.best_center[kTileRows + r] < s.best_center[r]);
  const int label = s.best_center[(second ? kTileRows : 0) + r];
  s.labels[r] = label;
  if (row0 + r < n) labels[row0 + r] = label;
}

}  // namespace sm
