// CUDA K-Means assignment: the fused kernels of kmeans_device.h (resident, tiled) and
// kmeans_tf32.h (TF32), their launch, and the host entry point that copies x in and the results out.
#include <cuda_runtime.h>
#include <mma.h>
#include <algorithm>
#include <stdexcept>
#include <string>
#include "cuda_calls.h"
#include "kmeans_cuda.h"
#include "kmeans_device.h"
#include "kmeans_tf32.h"

namespace sm {
namespace {

constexpr char kKernelName[] = "kmeans_assign (CUDA)";
using Cuda = CudaCalls<kKernelName>;
constexpr auto Check = Cuda::Check;
template <typename T>
using DeviceBuffer = Cuda::Buffer<T>;

// The bytes of the resident kernel's dynamic shared memory, laid out as ResidentKernel reads them.
size_t ResidentSharedBytes(int k, int d, bool registers) {
  const size_t warp_sums = !registers && UsesWarpSums(k, d) ? static_cast<size_t>(kWarps) * (static_cast<size_t>(k) * d + k) * sizeof(double) : 0;
  return warp_sums + (static_cast<size_t>(PaddedCenters(k)) * PaddedFeatures(d) + PaddedCenters(k)) * sizeof(float) +
         (registers ? 2 : 1) * kBlockThreads * sizeof(int);
}

// A warp's sum of (row[j] - minus[j])^2 (minus may be null: the row's squared norm), the lanes
// reading consecutive features; every lane gets the total.
__device__ float WarpSumOfSquares(const float* row, const float* minus, int d, int lane) {
  float squares = 0;
  for (int j = lane; j < d; j += kWarpLanes) {
    const float value = minus ? row[j] - minus[j] : row[j];
    squares += value * value;
  }
  for (int offset = kWarpLanes / 2; offset > 0; offset /= 2) squares += __shfl_xor_sync(0xffffffffu, squares, offset);
  return squares;
}

// The tiled kernels' end: each warp reads its 16 of the block's rows once, coalesced, for their
// distances (a warp sum: with `best_scores`, the row's norm plus its best score ||c||^2 - 2x.c;
// without, ||x - c||^2 to its center in float32) and to add them into the global sums.
__device__ void FinishWarpRows(const float* x, size_t n, int d, size_t row0, const int* block_labels, const float* best_scores,
                               const float* centers, float* distances, double* sums, double* counts, double* inertia) {
  constexpr int rows_per_warp = kTileRows / kWarps;
  const int warp = threadIdx.x / kWarpLanes, lane = threadIdx.x % kWarpLanes;
  const size_t warp_first = row0 + static_cast<size_t>(warp) * rows_per_warp;
  const int count = warp_first >= n ? 0 : static_cast<int>(min(static_cast<size_t>(rows_per_warp), n - warp_first));
  const int* labels = block_labels + warp * rows_per_warp;
  double warp_distances = 0;
  for (int r = 0; r < count; ++r) {
    const float* row = x + (warp_first + r) * static_cast<size_t>(d);
    const float distance = best_scores
        ? DistanceFromScore(WarpSumOfSquares(row, nullptr, d, lane), best_scores[warp * rows_per_warp + r])
        : WarpSumOfSquares(row, centers + static_cast<size_t>(labels[r]) * d, d, lane);
    if (lane == 0) distances[warp_first + r] = distance;
    warp_distances += distance;
  }
  if (lane == 0 && count > 0) atomicAdd(inertia, warp_distances);
  AddRows(lane, x, warp_first, count, d, labels, sums, counts, true);
}

// Sums a value over the block's threads and adds it to *target once per warp.
__device__ void AddWarpTotal(double value, double* target) {
  for (int offset = kWarpLanes / 2; offset > 0; offset /= 2) value += __shfl_down_sync(0xffffffffu, value, offset);
  if ((threadIdx.x & (kWarpLanes - 1)) == 0) atomicAdd(target, value);
}

// The resident kernel's body. kRegisters: the block's sums in its threads' registers (the caller
// checked UsesRegisterSums); a separate kernel, so the other path does not pay for them.
// kChunks: RegisterChunks(d) with kRegisters (else unused).
template <bool kRegisters, int kChunks>
__device__ __forceinline__ void ResidentBody(const float* __restrict__ x, size_t n, int d, const float* __restrict__ centers, int k,
                                             int* labels, float* distances, double* sums, double* counts, double* inertia) {
  extern __shared__ __align__(16) unsigned char shared[];
  const bool warp_sums = !kRegisters && UsesWarpSums(k, d);
  const int kd = k * d;
  double* s_sums = reinterpret_cast<double*>(shared);                    // [warp][k * d], then [warp][k]
  double* s_counts = s_sums + (warp_sums ? kWarps * kd : 0);
  float* s_centers = reinterpret_cast<float*>(s_counts + (warp_sums ? kWarps * k : 0));
  float* s_norms = s_centers + PaddedCenters(k) * PaddedFeatures(d);
  int* s_labels = reinterpret_cast<int*>(s_norms + PaddedCenters(k));  // [kRegisters ? 2 : 1][kBlockThreads]
  const int tid = threadIdx.x, warp = tid / kWarpLanes, lane = tid % kWarpLanes;

  LoadResidentCenters(tid, centers, k, d, s_centers, s_norms);
  if (warp_sums) {
    for (int i = tid; i < kWarps * (kd + k); i += kBlockThreads) s_sums[i] = 0.0;
  }
  RegisterSums r;
  if (kRegisters) StartRegisterSums(&r);
  __syncthreads();

  double row_distances = 0;
  int parity = 0;
  for (size_t first = static_cast<size_t>(blockIdx.x) * kBlockThreads; first < n; first += static_cast<size_t>(gridDim.x) * kBlockThreads) {
    const size_t row = first + tid;
    int label = -1;  // no row
    if (row < n) {
      float distance;
      AssignResidentRow(x + row * d, k, d, s_centers, s_norms, &label, &distance);
      labels[row] = label;
      distances[row] = distance;
      row_distances += distance;
    }
    if (kRegisters) {
      // Two label buffers: a warp still adding this chunk's rows is never overwritten by one that
      // has moved on, so one barrier a chunk suffices.
      int* chunk_labels = s_labels + parity * kBlockThreads;
      chunk_labels[tid] = label;
      __syncthreads();
      AddBlockRowsToRegisters<kChunks>(warp, lane, x, first, k, d, chunk_labels, &r);
      parity ^= 1;
      continue;
    }
    s_labels[tid] = label;
    __syncwarp();
    const size_t warp_first = first + static_cast<size_t>(warp) * kWarpLanes;
    const int count = warp_first >= n ? 0 : static_cast<int>(min(static_cast<size_t>(kWarpLanes), n - warp_first));
    if (warp_sums) {
      AddRows(lane, x, warp_first, count, d, s_labels + warp * kWarpLanes, s_sums + warp * kd, s_counts + warp * k, false);
    } else {
      AddRows(lane, x, warp_first, count, d, s_labels + warp * kWarpLanes, sums, counts, true);
    }
    __syncwarp();
  }
  AddWarpTotal(row_distances, inertia);
  if (kRegisters) {
    FlushRegisterSums<kChunks>(warp, lane, k, d, &r, sums, counts);
    return;
  }
  if (!warp_sums) return;
  __syncthreads();
  // One atomic per value and block: the warps' copies are added here first.
  for (int i = tid; i < kd; i += kBlockThreads) {
    double total = 0;
    for (int w = 0; w < kWarps; ++w) total += s_sums[w * kd + i];
    atomicAdd(sums + i, total);
  }
  for (int c = tid; c < k; c += kBlockThreads) {
    double total = 0;
    for (int w = 0; w < kWarps; ++w) total += s_counts[w * k + c];
    atomicAdd(counts + c, total);
  }
}

__global__ void __launch_bounds__(kBlockThreads) ResidentKernel(const float* __restrict__ x, size_t n, int d,
    const float* __restrict__ centers, int k, int* labels, float* distances, double* sums, double* counts, double* inertia) {
  ResidentBody<false, 1>(x, n, d, centers, k, labels, distances, sums, counts, inertia);
}

// Held to 80 registers, three blocks an SM, the occupancy of ResidentKernel (sm_90: 108 to 116
// bytes of spill stores, about the sums' 64 bytes kept across the scoring; left alone, ptxas
// takes 130 registers and two blocks). Unmeasured: the choice is the profile's to confirm.
template <int kChunks>
__global__ void __launch_bounds__(kBlockThreads, 3) ResidentRegistersKernel(const float* __restrict__ x, size_t n, int d,
    const float* __restrict__ centers, int k, int* labels, float* distances, double* sums, double* counts, double* inertia) {
  ResidentBody<true, kChunks>(x, n, d, centers, k, labels, distances, sums, counts, inertia);
}

using ResidentLaunch = void (*)(const float*, size_t, int, const float*, int, int*, float*, double*, double*, double*);

// The resident kernel for k centers of d features, its sums in registers or not.
ResidentLaunch ResidentKernelFor(int d, bool registers) {
  if (!registers) return ResidentKernel;
  switch (RegisterChunks(d)) {
    case 1: return ResidentRegistersKernel<1>;
    case 2: return ResidentRegistersKernel<2>;
    case 4: return ResidentRegistersKernel<4>;
    default: return ResidentRegistersKernel<8>;
  }
}

__global__ void CenterNormsKernel(const float* centers, int k, int d, float* norms) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= k) return;
  float norm = 0;
  for (int j = 0; j < d; ++j) norm += centers[static_cast<size_t>(c) * d + j] * centers[static_cast<size_t>(c) * d + j];
  norms[c] = norm;
}

__global__ void __launch_bounds__(kBlockThreads, 2) TiledKernel(const float* __restrict__ x, size_t n, int d,
    const float* __restrict__ centers, const float* __restrict__ center_norms, int k, int* labels, float* distances,
    double* sums, double* counts, double* inertia) {
  __shared__ __align__(16) TiledShared s;
  const int tid = threadIdx.x;
  const size_t row0 = static_cast<size_t>(blockIdx.x) * kTileRows;
  TiledThread t;
  StartTiledThread(&t);
  for (int c0 = 0; c0 < k; c0 += kTileCenters) {
    for (int j0 = 0; j0 < d; j0 += kSlab) {
      LoadTiledSlab(tid, x, n, centers, k, d, row0, c0, j0, &s);
      __syncthreads();
      MultiplyTiledSlab(tid, &s, &t);
      __syncthreads();
    }
    FinishTiledSweep(tid, k, c0, center_norms, &t);
  }
  PublishTiledBest(tid, &t, &s);
  __syncthreads();
  if (tid < kTileRows) ReduceTiledRow(tid, n, row0, &s, labels);
  __syncthreads();
  FinishWarpRows(x, n, d, row0, s.labels, s.best_scores, centers, distances, sums, counts, inertia);
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
using Tf32A = nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 8, nvcuda::wmma::precision::tf32, nvcuda::wmma::row_major>;
using Tf32B = nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 8, nvcuda::wmma::precision::tf32, nvcuda::wmma::col_major>;
using Tf32Acc = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float>;

// Phase 2 of kmeans_tf32.h: warp (wr, wc) multiplies its 32 rows by its 64 centers over the slab
// at feature j0 (rows already TF32; centers rounded as they are loaded into fragments).
__device__ __forceinline__ void MultiplyTf32Slab(int wr, int wc, int row_stride, int j0, const float* rows, const float* slab,
                                                 Tf32Acc (&acc)[2][4]) {
  using namespace nvcuda;
#pragma unroll
  for (int kk = 0; kk < kTf32Slab; kk += 8) {
    Tf32A a[2];
    Tf32B b[4];
#pragma unroll
    for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], rows + (wr * kTf32WarpRows + i * 16) * row_stride + j0 + kk, row_stride);
#pragma unroll
    for (int jj = 0; jj < 4; ++jj) {
      wmma::load_matrix_sync(b[jj], slab + (wc * kTf32WarpCenters + jj * 16) * kTf32SlabStride + kk, kTf32SlabStride);
#pragma unroll
      for (int e = 0; e < b[jj].num_elements; ++e) b[jj].x[e] = wmma::__float_to_tf32(b[jj].x[e]);
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
      for (int jj = 0; jj < 4; ++jj) wmma::mma_sync(acc[i][jj], a[i], b[jj], acc[i][jj]);
    }
  }
}
#endif

__global__ void __launch_bounds__(kBlockThreads, 2) Tf32WmmaKernel(const float* __restrict__ x, size_t n, int d,
    const float* __restrict__ centers, const float* __restrict__ center_norms, int k, int* labels, float* distances,
    double* sums, double* counts, double* inertia) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  extern __shared__ __align__(128) unsigned char tf32_shared[];
  const Tf32Shared s = Tf32SharedAt(tf32_shared, d);
  const int tid = threadIdx.x, warp = tid / kWarpLanes, lane = tid % kWarpLanes;
  const int wr = warp / 2, wc = warp % 2, row_stride = Tf32RowStride(d), slabs = RoundUp(d, kTf32Slab) / kTf32Slab;
  const size_t row0 = static_cast<size_t>(blockIdx.x) * kTileRows;
  float* warp_scores = s.scores + warp * kTf32Fragment * kTf32ScoreStride;
  LoadTf32Rows(tid, x, n, d, row0, s);
  __pipeline_commit();
  __pipeline_wait_prior(0);
  __syncthreads();
  RoundTf32Rows(tid, d, s);
  float best = kFloatMax;
  int best_center = 0;
  for (int c0 = 0; c0 < k; c0 += kTileCenters) {
    Tf32Acc acc[2][4];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
      for (int jj = 0; jj < 4; ++jj) wmma::fill_fragment(acc[i][jj], 0.0f);
    }
    LoadTf32CenterSlab(tid, centers, k, d, c0, 0, 0, s);
    __pipeline_commit();
    for (int slab = 0; slab < slabs; ++slab) {
      // The next slab is copied into the other buffer while this one is multiplied.
      if (slab + 1 < slabs) LoadTf32CenterSlab(tid, centers, k, d, c0, (slab + 1) * kTf32Slab, (slab + 1) % 2, s);
      __pipeline_commit();
      __pipeline_wait_prior(1);
      __syncthreads();
      MultiplyTf32Slab(wr, wc, row_stride, slab * kTf32Slab, s.rows, s.centers + (slab % 2) * kTileCenters * kTf32SlabStride, acc);
      __syncthreads();
    }
#pragma unroll
    for (int jj = 0; jj < 4; ++jj) {
#pragma unroll
      for (int i = 0; i < 2; ++i) wmma::store_matrix_sync(warp_scores + i * 16, acc[i][jj], kTf32ScoreStride, wmma::mem_col_major);
      __syncwarp();
      ScanTf32Fragment(lane, warp_scores, c0 + wc * kTf32WarpCenters + jj * kTf32Fragment, k, center_norms, &best, &best_center);
      __syncwarp();
    }
  }
  s.best[wc * kTileRows + wr * kTf32WarpRows + lane] = best;
  s.best_center[wc * kTileRows + wr * kTf32WarpRows + lane] = best_center;
  __syncthreads();
  if (tid < kTileRows) ChooseTf32Row(tid, n, row0, s, labels);
  __syncthreads();
  FinishWarpRows(x, n, d, row0, s.labels, nullptr, centers, distances, sums, counts, inertia);
#endif
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
// D = A B + D on the tensor cores, one m16n8k8 tile: each lane passes its fragments in the
// documented layout (kmeans_tf32.h), as 32-bit registers.
__device__ __forceinline__ void MmaTf32(float (&c)[4], const float (&a)[4], const float (&b)[2]) {
  asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(__float_as_uint(a[0])), "r"(__float_as_uint(a[1])), "r"(__float_as_uint(a[2])), "r"(__float_as_uint(a[3])),
        "r"(__float_as_uint(b[0])), "r"(__float_as_uint(b[1])));
}

// Phase 2 of the mma kernel: warp (wr, wc) multiplies its 32 rows by its 64 centers over the slab
// at feature j0, 8 features at a time.
__device__ __forceinline__ void MultiplyMmaSlab(int lane, int wr, int wc, int row_stride, int j0, const float* rows, const float* slab,
                                                MmaThread* t) {
#pragma unroll
  for (int kk = 0; kk < kTf32Slab; kk += kMmaDepth) {
    float a[kMmaRowTiles][4];
#pragma unroll
    for (int i = 0; i < kMmaRowTiles; ++i) LoadMmaA(lane, MmaRowTile(rows, row_stride, wr, i, j0, kk), row_stride, a[i]);
#pragma unroll
    for (int jn = 0; jn < kMmaCenterTiles; ++jn) {
      float b[2];
      LoadMmaB(lane, MmaCenterTile(slab, wc, jn, kk), b);
#pragma unroll
      for (int i = 0; i < kMmaRowTiles; ++i) MmaTf32(t->acc[i][jn], a[i], b);
    }
  }
}

// The four lanes of a group hold the same rows against different centers: two exchanges leave
// each with the group's best (the harness makes the same exchanges).
__device__ __forceinline__ void AgreeMmaGroup(MmaThread* t) {
#pragma unroll
  for (int offset = 1; offset <= 2; offset *= 2) {
#pragma unroll
    for (int i = 0; i < kMmaRowTiles; ++i) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float score = __shfl_xor_sync(0xffffffffu, t->best[i][h], offset);
        const int center = __shfl_xor_sync(0xffffffffu, t->best_center[i][h], offset);
        TakeBetter(&t->best[i][h], &t->best_center[i][h], score, center);
      }
    }
  }
}
#endif

// The TF32 kernel on mma.sync: as the WMMA kernel, but the argmin is taken on the accumulators in
// registers (no score buffers, so two blocks fit on an SM at d = 128).
__global__ void __launch_bounds__(kBlockThreads, 2) Tf32Kernel(const float* __restrict__ x, size_t n, int d,
    const float* __restrict__ centers, const float* __restrict__ center_norms, int k, int* labels, float* distances,
    double* sums, double* counts, double* inertia) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  extern __shared__ __align__(128) unsigned char mma_shared[];
  const Tf32Shared s = Tf32SharedAt(mma_shared, d, false);
  const int tid = threadIdx.x, warp = tid / kWarpLanes, lane = tid % kWarpLanes;
  const int wr = warp / 2, wc = warp % 2, row_stride = Tf32RowStride(d), slabs = RoundUp(d, kTf32Slab) / kTf32Slab;
  const size_t row0 = static_cast<size_t>(blockIdx.x) * kTileRows;
  LoadTf32Rows(tid, x, n, d, row0, s);
  __pipeline_commit();
  __pipeline_wait_prior(0);
  __syncthreads();
  RoundTf32Rows(tid, d, s);
  MmaThread t;
  StartMmaThread(&t);
  for (int c0 = 0; c0 < k; c0 += kTileCenters) {
    LoadTf32CenterSlab(tid, centers, k, d, c0, 0, 0, s);
    __pipeline_commit();
    for (int slab = 0; slab < slabs; ++slab) {
      // The next slab is copied into the other buffer while this one is multiplied.
      if (slab + 1 < slabs) LoadTf32CenterSlab(tid, centers, k, d, c0, (slab + 1) * kTf32Slab, (slab + 1) % 2, s);
      __pipeline_commit();
      __pipeline_wait_prior(1);
      __syncthreads();
      MultiplyMmaSlab(lane, wr, wc, row_stride, slab * kTf32Slab, s.rows, s.centers + (slab % 2) * kTileCenters * kTf32SlabStride, &t);
      __syncthreads();
    }
    ScanMmaSweep(lane, wc, c0, k, center_norms, &t);
  }
  AgreeMmaGroup(&t);
  PublishMmaBest(lane, wr, wc, &t, s);
  __syncthreads();
  if (tid < kTileRows) ChooseTf32Row(tid, n, row0, s, labels);
  __syncthreads();
  FinishWarpRows(x, n, d, row0, s.labels, nullptr, centers, distances, sums, counts, inertia);
#endif
}

// The tiled kernels read each center's squared norm from global memory.
void LaunchCenterNorms(const DeviceAssign& a) {
  CenterNormsKernel<<<static_cast<unsigned>((a.k + 255) / 256), 256>>>(a.centers, static_cast<int>(a.k), static_cast<int>(a.d), a.center_norms);
  Check(cudaGetLastError(), "CenterNormsKernel launch");
}

}  // namespace

int CudaDeviceCount() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

AssignKernel ChooseAssignKernel(size_t k, size_t d) {
  return PaddedCenters(static_cast<int>(k)) <= 64 && FitsResident(static_cast<int>(k), static_cast<int>(d)) ? AssignKernel::kResident
                                                                                                          : AssignKernel::kTiled;
}

void AssignCudaOnDevice(const DeviceAssign& a) {
  const int d = static_cast<int>(a.d), k = static_cast<int>(a.k);
  // Every caller checks first; checked here too, as a forced kernel that does not fit would
  // otherwise run with too few register sums and drop centers silently.
  const std::string refusal = ResidentRefusal("kmeans.assign (CUDA)", a.kernel, a.k, a.d);
  if (!refusal.empty()) throw std::invalid_argument(refusal);
  Check(cudaMemsetAsync(a.sums, 0, a.k * a.d * sizeof(double)), "cudaMemsetAsync(sums)");
  Check(cudaMemsetAsync(a.counts, 0, a.k * sizeof(double)), "cudaMemsetAsync(counts)");
  Check(cudaMemsetAsync(a.inertia, 0, sizeof(double)), "cudaMemsetAsync(inertia)");
  if (a.n == 0) return;
  if (IsResident(a.kernel)) {
    const bool registers = ResidentRegisters(a.kernel, k, d);
    const size_t shared_bytes = ResidentSharedBytes(k, d, registers);
    const ResidentLaunch kernel = ResidentKernelFor(d, registers);
    Check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared_bytes)),
          registers ? "cudaFuncSetAttribute(ResidentRegistersKernel)" : "cudaFuncSetAttribute(ResidentKernel)");
    int device = 0, sms = 0, per_sm = 0;
    Check(cudaGetDevice(&device), "cudaGetDevice");
    Check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    Check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kBlockThreads, shared_bytes),
          "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
    // A persistent grid: each block loads the centers once and walks chunks of rows.
    const size_t chunks = (a.n + kBlockThreads - 1) / kBlockThreads;
    const unsigned blocks = static_cast<unsigned>(std::min<size_t>(chunks, static_cast<size_t>(std::max(per_sm, 1)) * sms));
    kernel<<<blocks, kBlockThreads, shared_bytes>>>(a.x, a.n, d, a.centers, k, a.labels, a.distances, a.sums, a.counts, a.inertia);
    Check(cudaGetLastError(), registers ? "ResidentRegistersKernel launch" : "ResidentKernel launch");
  } else if (a.kernel == AssignKernel::kTf32 || a.kernel == AssignKernel::kTf32Wmma) {
    int device = 0, major = 0;
    Check(cudaGetDevice(&device), "cudaGetDevice");
    Check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
    if (major < 8) throw std::runtime_error("kmeans_assign (CUDA): TF32 needs a GPU of compute capability 8.0 or newer");
    // Both refuse rows wider than the WMMA kernel's tile allows (one limit for the TF32 backend).
    if (Tf32LayoutFor(d).total > kTf32MaxSharedBytes) throw std::invalid_argument(Tf32TooWide(a.d));
    const bool mma = a.kernel == AssignKernel::kTf32;
    const size_t shared_bytes = Tf32LayoutFor(d, !mma).total;
    void (*kernel)(const float*, size_t, int, const float*, const float*, int, int*, float*, double*, double*, double*) =
        mma ? Tf32Kernel : Tf32WmmaKernel;
    LaunchCenterNorms(a);
    Check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared_bytes)),
          mma ? "cudaFuncSetAttribute(Tf32Kernel)" : "cudaFuncSetAttribute(Tf32WmmaKernel)");
    const size_t blocks = (a.n + kTileRows - 1) / kTileRows;
    kernel<<<static_cast<unsigned>(blocks), kBlockThreads, shared_bytes>>>(a.x, a.n, d, a.centers, a.center_norms, k, a.labels,
                                                                         a.distances, a.sums, a.counts, a.inertia);
    Check(cudaGetLastError(), mma ? "Tf32Kernel launch" : "Tf32WmmaKernel launch");
  } else {
    LaunchCenterNorms(a);
    const size_t blocks = (a.n + kTileRows - 1) / kTileRows;
    TiledKernel<<<static_cast<unsigned>(blocks), kBlockThreads>>>(a.x, a.n, d, a.centers, a.center_norms, k, a.labels, a.distances,
                                                                   a.sums, a.counts, a.inertia);
    Check(cudaGetLastError(), "TiledKernel launch");
  }
}

namespace {

// One assignment of rows already on the device: the centers go in, the results come out.
AssignResult AssignDeviceRows(const float* device_x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  const std::string refusal = ResidentRefusal("kmeans.assign (CUDA)", kernel, k, d);
  if (!refusal.empty()) throw std::invalid_argument(refusal);
  AssignResult result;
  result.labels.resize(n);
  result.distances.resize(n);
  result.sums.assign(k * d, 0.0);
  result.counts.assign(k, 0.0);
  DeviceBuffer<float> dc(k * d), dnorms(k), ddist(n);
  DeviceBuffer<int> dlabels(n);
  DeviceBuffer<double> dsums(k * d), dcounts(k), dinertia(1);
  Check(cudaMemcpy(dc.ptr, centers, k * d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(centers)");
  AssignCudaOnDevice({device_x, n, d, dc.ptr, k, dnorms.ptr, dlabels.ptr, ddist.ptr, dsums.ptr, dcounts.ptr, dinertia.ptr, kernel});
  Check(cudaDeviceSynchronize(), "cudaDeviceSynchronize (kernel execution)");
  Check(cudaMemcpy(result.labels.data(), dlabels.ptr, n * sizeof(int), cudaMemcpyDeviceToHost), "cudaMemcpy(labels)");
  Check(cudaMemcpy(result.distances.data(), ddist.ptr, n * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy(distances)");
  Check(cudaMemcpy(result.sums.data(), dsums.ptr, k * d * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(sums)");
  Check(cudaMemcpy(result.counts.data(), dcounts.ptr, k * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(counts)");
  Check(cudaMemcpy(&result.inertia, dinertia.ptr, sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(inertia)");
  return result;
}

}  // namespace

AssignResult AssignCuda(const float* x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  DeviceBuffer<float> dx(n * d);
  Check(cudaMemcpy(dx.ptr, x, n * d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(x)");
  return AssignDeviceRows(dx.ptr, n, d, centers, k, kernel);
}

AssignResult AssignCudaDeviceRows(const float* device_x, size_t n, size_t d, const float* centers, size_t k, AssignKernel kernel) {
  return AssignDeviceRows(device_x, n, d, centers, k, kernel);
}

}  // namespace sm
