#include "linear_update_cpu.h"

#include <cmath>

namespace sm {
namespace {

// The constants of one step: divisions by them become products by their reciprocals, which
// left one division and one square root per parameter where there were four (a step of eight
// models was a tenth of an epoch on two threads, each taking every step on its own copy).
struct StepConstants {
  double inverse_rows, inverse_correction1, inverse_sqrt_correction2;
};

// One parameter per lane, eight lanes a feature. Plain loops over the lanes, which the compiler
// turns into vector arithmetic for each path (float64 division and square root included: the
// addon is built with -fno-math-errno and -fno-trapping-math, without which the compiler keeps
// scalar branches around float64 operations that could trap).
template <BlockOptimizerKind kOptimizer>
__attribute__((always_inline)) inline void StepLanes(const BlockStep& s, float* __restrict param, float* __restrict m, float* __restrict v,
                                                     const float* __restrict grad_sum, const float* __restrict lr, const StepConstants& k,
                                                     double wd, double l1) {
#pragma GCC ivdep
  for (int lane = 0; lane < 8; ++lane) {
    const double grad = grad_sum[lane] * k.inverse_rows + wd * param[lane];
    double update = grad;
    if (kOptimizer == BlockOptimizerKind::kAdam) {
      m[lane] = static_cast<float>(s.beta1 * m[lane] + (1 - s.beta1) * grad);
      v[lane] = static_cast<float>(s.beta2 * v[lane] + (1 - s.beta2) * grad * grad);
      // (m / c1) / (sqrt(v / c2) + epsilon), the bias-corrected moments.
      update = (m[lane] * k.inverse_correction1) / (std::sqrt(static_cast<double>(v[lane])) * k.inverse_sqrt_correction2 + s.epsilon);
    } else if (kOptimizer == BlockOptimizerKind::kRmsProp) {
      v[lane] = static_cast<float>(s.rmsprop_decay * v[lane] + (1 - s.rmsprop_decay) * grad * grad);
      update = grad / (std::sqrt(static_cast<double>(v[lane])) + s.epsilon);
    }
    const double next = param[lane] - lr[lane] * update;
    // L1 by proximal soft-thresholding (l1 is 0 for the biases and without L1): next moved toward 0
    // by lr l1, and 0 (NaN included) where that would cross it. Written without branches so the
    // lanes vectorise.
    const double shrunk = std::fabs(next) - lr[lane] * l1;
    param[lane] = static_cast<float>(shrunk > 0 ? std::copysign(shrunk, next) : (l1 > 0 ? 0.0 : next));
  }
}

template <BlockOptimizerKind kOptimizer>
__attribute__((always_inline)) inline void StepBlock(const BlockStep& s, size_t block, size_t first, size_t last, bool with_bias, size_t rows,
                                                     double correction1, double correction2) {
  const float* lr = s.learning_rates + block * 8;
  const StepConstants k{1.0 / static_cast<double>(rows), 1.0 / correction1, 1.0 / std::sqrt(correction2)};
  for (size_t j = first; j < last; ++j) {
    const size_t at = (block * s.d + j) * 8;
    StepLanes<kOptimizer>(s, s.weights + at, s.m1 + at, s.v1 + at, s.grad_w + at, lr, k, s.wd, s.l1);
  }
  // The biases take no L2 and no L1.
  if (with_bias && s.use_bias) {
    const size_t at = block * 8;
    StepLanes<kOptimizer>(s, s.bias + at, s.mb + at, s.vb + at, s.grad_b + at, lr, k, 0.0, 0.0);
  }
}

__attribute__((always_inline)) inline void Step(const BlockStep& s, size_t block, size_t first, size_t last, bool with_bias, size_t rows,
                                                double correction1, double correction2) {
  switch (s.optimizer) {
    case BlockOptimizerKind::kAdam:
      return StepBlock<BlockOptimizerKind::kAdam>(s, block, first, last, with_bias, rows, correction1, correction2);
    case BlockOptimizerKind::kRmsProp:
      return StepBlock<BlockOptimizerKind::kRmsProp>(s, block, first, last, with_bias, rows, correction1, correction2);
    default:
      return StepBlock<BlockOptimizerKind::kSgd>(s, block, first, last, with_bias, rows, correction1, correction2);
  }
}

void StepBaseline(const BlockStep& s, size_t block, size_t first, size_t last, bool with_bias, size_t rows, double c1, double c2) {
  Step(s, block, first, last, with_bias, rows, c1, c2);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void StepAvx2(const BlockStep& s, size_t block, size_t first, size_t last, bool with_bias, size_t rows,
                                                  double c1, double c2) {
  Step(s, block, first, last, with_bias, rows, c1, c2);
}

__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void StepAvx512(const BlockStep& s, size_t block, size_t first, size_t last,
                                                                                      bool with_bias, size_t rows, double c1, double c2) {
  Step(s, block, first, last, with_bias, rows, c1, c2);
}
#endif

}  // namespace

BlockUpdateFn BlockUpdateFor(CpuPath path) {
#if defined(__x86_64__)
  if (path == CpuPath::kAvx512) return StepAvx512;
  if (path == CpuPath::kAvx2) return StepAvx2;
#endif
  (void)path;
  return StepBaseline;
}

}  // namespace sm
