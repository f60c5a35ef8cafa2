#include "kmeans_cpu.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

namespace sm {
namespace {

// The hot loops are written with GCC's vector extension (8 floats): the same source compiles to
// SSE pairs for the x86-64 baseline and to 256-bit FMA for AVX2, and is always inlined into the
// assignment loop below, which is compiled for both and chosen once at run time (a call per
// (row, center) pair would cost more than the arithmetic).
typedef float V8 __attribute__((vector_size(32)));

__attribute__((always_inline)) inline V8 Load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

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

// Dot products of four rows with the eight centers of one block.
__attribute__((always_inline)) inline void DotRowsBlock(const float* const r[4], const float* block, size_t d, V8 out[4]) {
  V8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
  for (size_t j = 0; j < d; ++j) {
    const V8 cv = Load8(block + j * 8);
    a0 += r[0][j] * cv;
    a1 += r[1][j] * cv;
    a2 += r[2][j] * cv;
    a3 += r[3][j] * cv;
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
}

struct Partial {
  std::vector<double> sums;
  std::vector<double> counts;
  double inertia = 0;
};

// Records a row's assignment in the thread's partial sums.
__attribute__((always_inline)) inline void Record(const float* xr, size_t row, size_t d, float best, int32_t best_center,
                                                  int32_t* labels, float* distances, Partial* partial) {
  best = std::max(best, 0.0f);  // cancellation can make a tiny distance negative
  labels[row] = best_center;
  distances[row] = best;
  partial->inertia += best;
  partial->counts[best_center] += 1;
  double* sum = partial->sums.data() + static_cast<size_t>(best_center) * d;
  for (size_t j = 0; j < d; ++j) sum[j] += xr[j];
}

__attribute__((always_inline)) inline void AssignRangeBody(const float* x, size_t begin, size_t end, size_t d, const CenterBlocks& centers,
                                                            int32_t* labels, float* distances, Partial* partial) {
  for (size_t row = begin; row < end; row += 4) {
    const size_t rows = std::min<size_t>(4, end - row);
    // A short last group repeats its first row; only the real rows are recorded.
    const float* r[4];
    for (size_t i = 0; i < 4; ++i) r[i] = x + (row + (i < rows ? i : 0)) * d;
    float norm[4], best[4];
    int32_t best_center[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; ++i) {
      norm[i] = Dot(r[i], r[i], d);
      best[i] = std::numeric_limits<float>::infinity();
    }
    V8 dots[4];
    for (size_t b = 0; b < centers.blocks; ++b) {
      DotRowsBlock(r, centers.values.data() + b * d * 8, d, dots);
      const V8 center_norms = Load8(centers.norms.data() + b * 8);
      for (int i = 0; i < 4; ++i) {
        const V8 distance = norm[i] - 2.0f * dots[i] + center_norms;
        for (int lane = 0; lane < 8; ++lane) {
          if (distance[lane] < best[i]) {
            best[i] = distance[lane];
            best_center[i] = static_cast<int32_t>(b * 8 + lane);
          }
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
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return AssignRangeAvx2;
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
