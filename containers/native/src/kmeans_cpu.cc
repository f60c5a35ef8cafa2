#include "kmeans_cpu.h"
#include "vector8.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

namespace sm {
namespace {

// The hot loops (vector8.h) are always inlined into the assignment loop below, which is compiled
// for the baseline and for AVX2 and chosen once at run time (a call per (row, center) pair would
// cost more than the arithmetic).
__attribute__((always_inline)) inline float Sum8(V8 v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

__attribute__((always_inline)) inline float Dot(const float* a, const float* b, size_t d) {
  V8 acc = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= d; i += 8) acc += Load8(a + i) * Load8(b + i);
  float sum = Sum8(acc);
  for (; i < d; ++i) sum += a[i] * b[i];
  return sum;
}

// Centers transposed into blocks of eight, [block][feature][lane], so one vector FMA advances
// eight centers' dot products with one row: no horizontal sums in the hot loop. Missing centers of
// the last block have an infinite norm and are never chosen.
struct CenterBlocks {
  size_t blocks = 0;
  std::vector<float> values;  // blocks * d * 8
  std::vector<float> norms;   // blocks * 8
};

CenterBlocks Transpose(const float* centers, size_t k, size_t d) {
  CenterBlocks out;
  out.blocks = (k + 7) / 8;
  out.values.assign(out.blocks * d * 8, 0.0f);
  out.norms.assign(out.blocks * 8, std::numeric_limits<float>::infinity());
  for (size_t c = 0; c < k; ++c) {
    double norm = 0;
    for (size_t j = 0; j < d; ++j) {
      const float v = centers[c * d + j];
      out.values[(c / 8) * d * 8 + j * 8 + (c % 8)] = v;
      norm += static_cast<double>(v) * v;
    }
    out.norms[c] = static_cast<float>(norm);
  }
  return out;
}

// Dot products of four rows with the centers of `count` (1 or 2) consecutive blocks. Two blocks
// per pass load each row value once for sixteen centers: with one block, the four broadcasts and
// one center load per four FMAs kept the load ports, not the FMA units, busy.
__attribute__((always_inline)) inline void DotRowsBlocks(const float* const r[4], const float* block, size_t d, size_t count, V8 out[2][4]) {
  const V8 zero = {0, 0, 0, 0, 0, 0, 0, 0};
  V8 a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
  if (count == 2) {
    const float* second = block + d * 8;
    for (size_t j = 0; j < d; ++j) {
      const V8 c0 = Load8(block + j * 8), c1 = Load8(second + j * 8);
      const float x0 = r[0][j], x1 = r[1][j], x2 = r[2][j], x3 = r[3][j];
      a0 += x0 * c0; a1 += x1 * c0; a2 += x2 * c0; a3 += x3 * c0;
      b0 += x0 * c1; b1 += x1 * c1; b2 += x2 * c1; b3 += x3 * c1;
    }
  } else {
    for (size_t j = 0; j < d; ++j) {
      const V8 c0 = Load8(block + j * 8);
      a0 += r[0][j] * c0; a1 += r[1][j] * c0; a2 += r[2][j] * c0; a3 += r[3][j] * c0;
    }
  }
  out[0][0] = a0; out[0][1] = a1; out[0][2] = a2; out[0][3] = a3;
  out[1][0] = b0; out[1][1] = b1; out[1][2] = b2; out[1][3] = b3;
}

const float kInfinity8[8] = {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(),
                             std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(),
                             std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(),
                             std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
const V8i kLanes = {0, 1, 2, 3, 4, 5, 6, 7};

struct Partial {
  std::vector<double> sums;
  std::vector<double> counts;
  double inertia = 0;
};

typedef float V4 __attribute__((vector_size(16)));
typedef double V4d __attribute__((vector_size(32)));

// Records a row's assignment in the thread's partial sums. The sums stay float64 (the issue asks
// for float64 accumulation, and the tests hold them to 1e-6 of an exact sum); four features are
// widened and added per vector operation, which made the scalar per-feature add no longer a third
// of an iteration's fixed cost.
__attribute__((always_inline)) inline void Record(const float* xr, size_t row, size_t d, float best, int32_t best_center,
                                                  int32_t* labels, float* distances, Partial* partial) {
  best = std::max(best, 0.0f);  // cancellation can make a tiny distance negative
  labels[row] = best_center;
  distances[row] = best;
  partial->inertia += best;
  partial->counts[best_center] += 1;
  double* sum = partial->sums.data() + static_cast<size_t>(best_center) * d;
  size_t j = 0;
  for (; j + 4 <= d; j += 4) {
    V4 x4;
    V4d s4;
    std::memcpy(&x4, xr + j, sizeof(x4));
    std::memcpy(&s4, sum + j, sizeof(s4));
    s4 += __builtin_convertvector(x4, V4d);
    std::memcpy(sum + j, &s4, sizeof(s4));
  }
  for (; j < d; ++j) sum[j] += xr[j];
}

__attribute__((always_inline)) inline void AssignRangeBody(const float* x, size_t begin, size_t end, size_t d, const CenterBlocks& centers,
                                                            int32_t* labels, float* distances, Partial* partial) {
  for (size_t row = begin; row < end; row += 4) {
    const size_t rows = std::min<size_t>(4, end - row);
    // A short last group repeats its first row; only the real rows are recorded.
    const float* r[4];
    for (size_t i = 0; i < 4; ++i) r[i] = x + (row + (i < rows ? i : 0)) * d;
    float norm[4];
    // Each lane keeps the nearest of its centers (the first on ties) across the blocks; the lanes
    // are compared once per row at the end, not eight scalar compares per row and block.
    V8 best_distance[4];
    V8i best_index[4];
    for (int i = 0; i < 4; ++i) {
      norm[i] = Dot(r[i], r[i], d);
      best_distance[i] = Load8(kInfinity8);
      best_index[i] = V8i{0, 0, 0, 0, 0, 0, 0, 0};
    }
    V8 dots[2][4];
    for (size_t b = 0; b < centers.blocks; b += 2) {
      const size_t count = std::min<size_t>(2, centers.blocks - b);
      DotRowsBlocks(r, centers.values.data() + b * d * 8, d, count, dots);
      for (size_t h = 0; h < count; ++h) {
        const V8 center_norms = Load8(centers.norms.data() + (b + h) * 8);
        const V8i index = kLanes + static_cast<int32_t>((b + h) * 8);
        for (int i = 0; i < 4; ++i) {
          const V8 distance = norm[i] - 2.0f * dots[h][i] + center_norms;
          const V8i nearer = distance < best_distance[i];
          best_distance[i] = nearer ? distance : best_distance[i];
          best_index[i] = nearer ? index : best_index[i];
        }
      }
    }
    float best[4];
    int32_t best_center[4];
    for (int i = 0; i < 4; ++i) {
      best[i] = best_distance[i][0];
      best_center[i] = best_index[i][0];
      for (int lane = 1; lane < 8; ++lane) {
        const float distance = best_distance[i][lane];
        const int32_t center = best_index[i][lane];
        if (distance < best[i] || (distance == best[i] && center < best_center[i])) {
          best[i] = distance;
          best_center[i] = center;
        }
      }
    }
    for (size_t i = 0; i < rows; ++i) Record(r[i], row + i, d, best[i], best_center[i], labels, distances, partial);
  }
}

using AssignRangeFn = void (*)(const float*, size_t, size_t, size_t, const CenterBlocks&, int32_t*, float*, Partial*);

void AssignRangeBaseline(const float* x, size_t begin, size_t end, size_t d, const CenterBlocks& centers,
                         int32_t* labels, float* distances, Partial* partial) {
  AssignRangeBody(x, begin, end, d, centers, labels, distances, partial);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void AssignRangeAvx2(const float* x, size_t begin, size_t end, size_t d, const CenterBlocks& centers,
                                                         int32_t* labels, float* distances, Partial* partial) {
  AssignRangeBody(x, begin, end, d, centers, labels, distances, partial);
}
#endif

AssignRangeFn ChooseAssignRange() {
#if defined(__x86_64__)
  if (HasAvx2Fma()) return AssignRangeAvx2;
#endif
  return AssignRangeBaseline;
}

const AssignRangeFn kAssignRange = ChooseAssignRange();

}  // namespace

bool UsesAvx2() {
#if defined(__x86_64__)
  return kAssignRange == AssignRangeAvx2;
#else
  return false;
#endif
}

AssignResult AssignCpu(const float* x, size_t n, size_t d, const float* centers, size_t k, unsigned threads) {
  if (d == 0 || k == 0) throw std::invalid_argument("kmeans.assign: d and k must be at least 1");
  AssignResult result;
  result.labels.resize(n);
  result.distances.resize(n);
  result.sums.assign(k * d, 0.0);
  result.counts.assign(k, 0.0);

  const CenterBlocks blocks = Transpose(centers, k, d);

  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Enough rows per thread that starting it pays off.
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, n / 1024)));
  std::vector<Partial> partials(threads, Partial{std::vector<double>(k * d, 0.0), std::vector<double>(k, 0.0), 0});
  std::vector<std::thread> workers;
  const size_t chunk = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    const size_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    auto work = [&, t, begin, end] {
      kAssignRange(x, begin, end, d, blocks, result.labels.data(), result.distances.data(), &partials[t]);
    };
    if (t + 1 == threads) work(); else workers.emplace_back(work);
  }
  for (auto& worker : workers) worker.join();
  for (const Partial& partial : partials) {
    result.inertia += partial.inertia;
    for (size_t i = 0; i < k * d; ++i) result.sums[i] += partial.sums[i];
    for (size_t c = 0; c < k; ++c) result.counts[c] += partial.counts[c];
  }
  return result;
}

}  // namespace sm
