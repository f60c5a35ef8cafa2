// The optional TF32 tensor-core K-Means assignment (GPUs of compute capability 8.0 and newer):
// the per-thread phases shared by the GPU kernel and the CPU harness. Only the products x.c
// that pick the nearest center use TF32 (10-bit mantissas); the distance reported for the chosen
// center is recomputed in float32 from the row, so distances, inertia, sums and counts are as
// exact as the float32 kernels' and only near-ties (gaps under TF32's error) may pick another
// center.
//
// A block owns kTileRows rows, kept in shared memory (rounded to TF32) for the whole launch, and
// sweeps the centers kTileCenters at a time in slabs of kTf32Slab features, each slab copied
// asynchronously while the tensor cores multiply the one before (two buffers). Each of the eight
// warps owns a 32-row x 64-center corner of the sweep (WMMA m16n16k8 fragments on the GPU; the
// harness multiplies with the same rounding). After a sweep each warp stores its scores 16
// centers at a time into its own small buffer, column-major, and lane r keeps the best center of
// row r (no block-wide barrier). At the end the two halves of each row are combined, and each
// warp reads its rows once for their float32 distances and the sums, as in the tiled kernel.
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
SM_HD inline Tf32Layout Tf32LayoutFor(int d) {
  Tf32Layout l{};
  l.rows = 0;
  l.centers = l.rows + sizeof(float) * kTileRows * Tf32RowStride(d);
  l.scores = l.centers + sizeof(float) * 2 * kTileCenters * kTf32SlabStride;
  l.best = l.scores + sizeof(float) * kWarps * kTf32Fragment * kTf32ScoreStride;
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
SM_HD inline Tf32Shared Tf32SharedAt(unsigned char* base, int d) {
  const Tf32Layout l = Tf32LayoutFor(d);
  return {reinterpret_cast<float*>(base + l.rows), reinterpret_cast<float*>(base + l.centers), reinterpret_cast<float*>(base + l.scores),
          reinterpret_cast<float*>(base + l.best), reinterpret_cast<int*>(base + l.best_center), reinterpret_cast<int*>(base + l.labels)};
}

// The widest rows whose tile fits in shared memory (368 features).
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

// Phase 4: row r's nearest center over the two halves (lowest index on ties).
SM_HD inline void ChooseTf32Row(int r, size_t n, size_t row0, Tf32Shared s, int* labels) {
  const bool second = s.best[kTileRows + r] < s.best[r] ||
                      (s.best[kTileRows + r] == s.best[r] && s.best_center[kTileRows + r] < s.best_center[r]);
  const int label = s.best_center[(second ? kTileRows : 0) + r];
  s.labels[r] = label;
  if (row0 + r < n) labels[row0 + r] = label;
}

}  // namespace sm
