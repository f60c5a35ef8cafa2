#include "kmeans_cpu.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <thread>

namespace sm {
namespace {

// The hot loop: one dot product. Written plainly so the compiler vectorises it; compiled twice,
// for the portable x86-64 baseline and for AVX2+FMA, and chosen once at run time.
template <int kUnused>
inline float DotGeneric(const float* a, const float* b, size_t d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < d; ++i) sum += a[i] * b[i];
  return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, size_t d) { return DotGeneric<1>(a, b, d); }
#endif
float DotBaseline(const float* a, const float* b, size_t d) { return DotGeneric<0>(a, b, d); }

using DotFn = float (*)(const float*, const float*, size_t);

DotFn ChooseDot() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DotAvx2;
#endif
  return DotBaseline;
}

const DotFn kDot = ChooseDot();

struct Partial {
  std::vector<double> sums;
  std::vector<double> counts;
  double inertia = 0;
};

void AssignRange(const float* x, size_t begin, size_t end, size_t d, const float* centers, const float* center_norms,
                 size_t k, int32_t* labels, float* distances, Partial* partial) {
  for (size_t row = begin; row < end; ++row) {
    const float* xr = x + row * d;
    const float x_norm = kDot(xr, xr, d);
    float best = std::numeric_limits<float>::infinity();
    int32_t best_center = 0;
    for (size_t c = 0; c < k; ++c) {
      const float distance = x_norm - 2.0f * kDot(xr, centers + c * d, d) + center_norms[c];
      if (distance < best) {
        best = distance;
        best_center = static_cast<int32_t>(c);
      }
    }
    best = std::max(best, 0.0f);  // cancellation can make a tiny distance negative
    labels[row] = best_center;
    distances[row] = best;
    partial->inertia += best;
    partial->counts[best_center] += 1;
    double* sum = partial->sums.data() + static_cast<size_t>(best_center) * d;
    for (size_t j = 0; j < d; ++j) sum[j] += xr[j];
  }
}

}  // namespace

bool UsesAvx2() {
#if defined(__x86_64__)
  return kDot == DotAvx2;
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

  std::vector<float> center_norms(k);
  for (size_t c = 0; c < k; ++c) center_norms[c] = kDot(centers + c * d, centers + c * d, d);

  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Enough rows per thread that starting it pays off.
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, n / 1024)));
  std::vector<Partial> partials(threads, Partial{std::vector<double>(k * d, 0.0), std::vector<double>(k, 0.0), 0});
  std::vector<std::thread> workers;
  const size_t chunk = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    const size_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    auto work = [&, t, begin, end] {
      AssignRange(x, begin, end, d, centers, center_norms.data(), k, result.labels.data(), result.distances.data(), &partials[t]);
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
