// The per-thread work of the CUDA K-Means assignment kernel, as plain functions of explicit
// indices, so the same code runs on the GPU and, block by block and phase by phase, in the CPU
// harness the tests use on machines without a GPU.
//
// The kernel: one thread per row; the centers are streamed through shared memory in tiles of
// TileCenters(d); between tiles the block synchronises. Phase 1 loads a tile cooperatively; phase
// 2 scans it for each thread's row, keeping the running best.
#pragma once
#include <cstddef>

#if defined(__CUDACC__)
#define SM_HD __host__ __device__
#else
#define SM_HD
#endif

namespace sm {

constexpr int kBlockThreads = 256;
constexpr int kMaxTileCenters = 32;
// 48 KiB of shared memory (the default a block may use) holds this many floats.
constexpr int kSharedFloats = 12288 - kMaxTileCenters;

// Centers per tile for rows of d features: as many as fit in shared memory, at most 32; 0 when
// not even one center fits (the caller refuses such d).
SM_HD inline int TileCenters(int d) {
  const int fit = kSharedFloats / d;
  return fit < kMaxTileCenters ? fit : kMaxTileCenters;
}

// Phase 1: thread `lane` of a block of `block_threads` copies its share of the tile starting at
// center `tile_start` (and the centers' norms) into the block's shared arrays.
SM_HD inline void LoadCenterTile(int lane, int block_threads, const float* centers, const float* norms, int k, int d,
                                 int tile, int tile_start, float* shared_centers, float* shared_norms) {
  const int tile_count = (k - tile_start) < tile ? (k - tile_start) : tile;
  for (int i = lane; i < tile_count * d; i += block_threads) shared_centers[i] = centers[tile_start * d + i];
  for (int i = lane; i < tile_count; i += block_threads) shared_norms[i] = norms[tile_start + i];
}

// Phase 2: the thread's row against every center of the tile; updates the running best.
SM_HD inline void ScanCenterTile(const float* row, float row_norm, int k, int d, int tile, int tile_start,
                                 const float* shared_centers, const float* shared_norms, float* best, int* best_center) {
  const int tile_count = (k - tile_start) < tile ? (k - tile_start) : tile;
  for (int c = 0; c < tile_count; ++c) {
    float dot = 0;
    for (int j = 0; j < d; ++j) dot += row[j] * shared_centers[c * d + j];
    const float distance = row_norm - 2.0f * dot + shared_norms[c];
    if (distance < *best) {
      *best = distance;
      *best_center = tile_start + c;
    }
  }
}

SM_HD inline float SquaredNorm(const float* v, int d) {
  float sum = 0;
  for (int j = 0; j < d; ++j) sum += v[j] * v[j];
  return sum;
}

}  // namespace sm
