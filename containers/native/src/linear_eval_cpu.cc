// Linear Learner evaluation on the CPU: every model's metric sums (linear_eval.h) in one pass over
// the rows, threads splitting the rows. Scores come from the same blocked weights as training
// (linear_blocks.h), eight rows at a time; logistic loss from the same vector formula.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include "linear_blocks.h"
#include "linear_eval.h"
#include "linear_step.h"
#include "cpu_paths.h"
#include "logistic8.h"
#include "thread_pool.h"
#include "vector8.h"

namespace sm {
namespace {

struct EvalJob {
  const float* x;
  const float* y;
  const LinearBlocks* layout;
  const float* wt;
  const float* bias8;
  int loss;   // LinearLossKind
  int width;  // LinearStatWidth
};

// A multiclass model's outcome on one row: its loss, its predicted class and the row's class.
inline void AddClassOutcome(double* sums, int classes, double loss, int predicted, int actual) {
  double* counts = sums + kLinearStatCounts;
  sums[kLinearStatLoss] += loss;
  if (predicted == actual) {
    sums[kLinearStatCorrect] += 1;
    counts[predicted] += 1;
  }
  counts[classes + predicted] += 1;
  counts[2 * classes + actual] += 1;
}

// A block of eight single-output models' running sums over some rows: losses and errors per lane
// in float64; a binary classifier's outcomes as integer lanes (exact below 2^31 rows, which the
// caller keeps to), from which its counts of both classes follow.
struct BlockSums {
  double loss[8], squared[8], absolute[8];
  V8i predicted_one, right, right_one;
  int64_t rows, actual_one;
};

// A classifier's outcomes of one row's eight scores: predicted 1 or not, right or not.
__attribute__((always_inline)) inline void AddBlockOutcome(V8 score, float label, BlockSums* b) {
  const V8i predicted = score > V8{};  // -1 where the model predicts 1
  b->predicted_one -= predicted;
  if (label > 0.5f) {
    b->right -= predicted;
    b->right_one -= predicted;
    b->actual_one++;
  } else {
    b->right -= ~predicted;
  }
}

// One row's eight scores into the block's sums, every lane at once where it can be.
__attribute__((always_inline)) inline void AddBlockRow(int loss, V8 score, float label, BlockSums* b) {
  const V8 zero = score * 0.0f;
  b->rows++;
  if (loss == kLinearLogistic || loss == kLinearHinge) {
    if (loss == kLinearLogistic) {
      LogisticGradient8(score, label, b->loss);
    } else {
      const V8 margin = 1.0f - (label > 0.5f ? score : -score);
      const V8 hinge = margin > zero ? margin : zero;
      for (int lane = 0; lane < 8; ++lane) b->loss[lane] += hinge[lane];
    }
    AddBlockOutcome(score, label, b);
    return;
  }
  const V8 error = score - label;
  const V8 absolute = error < zero ? -error : error;
  for (int lane = 0; lane < 8; ++lane) {
    const double e = error[lane], a = absolute[lane];
    b->squared[lane] += e * e;
    b->absolute[lane] += a;
    b->loss[lane] += loss == kLinearSquared ? 0.5 * e * e : a;
  }
}

// Eight rows' logistic losses, four rows at a time in lock-step (LogisticGradients: one row's loss
// is a long chain of dependent operations), added in float to `chunk_loss`, and their outcomes.
__attribute__((always_inline)) inline void AddLogisticRows(const V8 (&scores)[8], const float* labels, V8& chunk_loss, BlockSums* b) {
  for (int half = 0; half < 2; ++half) {
    V8 four[4] = {scores[4 * half], scores[4 * half + 1], scores[4 * half + 2], scores[4 * half + 3]};
    LogisticGradients(four, labels + 4 * half, chunk_loss);  // the gradients are not used
  }
  for (int i = 0; i < 8; ++i) AddBlockOutcome(scores[i], labels[i], b);
  b->rows += 8;
}

// The block's running sums into its models' sums (`lanes` of the eight are models).
inline void FinishBlock(const BlockSums& b, const EvalJob& job, size_t lanes, double* block_sums) {
  for (size_t lane = 0; lane < lanes; ++lane) {
    double* sums = block_sums + lane * job.width;
    sums[kLinearStatLoss] += b.loss[lane];
    if (job.loss != kLinearLogistic && job.loss != kLinearHinge) {
      sums[kLinearStatSquared] += b.squared[lane];
      sums[kLinearStatAbsolute] += b.absolute[lane];
      continue;
    }
    const double right = b.right[lane], right_one = b.right_one[lane], predicted_one = b.predicted_one[lane];
    const double rows = static_cast<double>(b.rows), actual_one = static_cast<double>(b.actual_one);
    double* counts = sums + kLinearStatCounts;
    sums[kLinearStatCorrect] += right;
    counts[0] += right - right_one;
    counts[1] += right_one;
    counts[2] += rows - predicted_one;
    counts[3] += predicted_one;
    counts[4] += rows - actual_one;
    counts[5] += actual_one;
  }
}

// Single-output models: per block of eight, eight rows' scores at a time (ScoreRows).
__attribute__((always_inline)) inline void EvaluateBlocks(const EvalJob& job, size_t first, size_t last, double* sums) {
  const LinearBlocks& b = *job.layout;
  const size_t d = b.d;
  for (size_t block = 0; block < b.blocks; ++block) {
    const float* wt = job.wt + block * d * 8;
    const V8 bias = Load8(job.bias8 + block * 8);
    BlockSums running{};
    size_t row = first;
    V8 chunk_loss = V8{};
    for (; row + 8 <= last; row += 8) {
      V8 s[8];
      ScoreRows(job.x + row * d, d, wt, bias, s);
      if (job.loss != kLinearLogistic) {
        for (int i = 0; i < 8; ++i) AddBlockRow(job.loss, s[i], job.y[row + i], &running);
        continue;
      }
      AddLogisticRows(s, job.y + row, chunk_loss, &running);
      if ((row - first + 8) % kLogisticChunkRows == 0) {
        for (int lane = 0; lane < 8; ++lane) running.loss[lane] += chunk_loss[lane];
        chunk_loss = V8{};
      }
    }
    for (int lane = 0; lane < 8; ++lane) running.loss[lane] += chunk_loss[lane];
    for (; row < last; ++row) AddBlockRow(job.loss, ScoreRow(job.x + row * d, d, wt, bias), job.y[row], &running);
    FinishBlock(running, job, std::min<size_t>(8, b.columns - block * 8), sums + block * 8 * job.width);
  }
}

// Multiclass models: a model's class scores fill its `units` blocks; cross-entropy and the first
// largest score per row.
__attribute__((always_inline)) inline void EvaluateSoftmax(const EvalJob& job, size_t first, size_t last, double* sums) {
  const LinearBlocks& b = *job.layout;
  std::vector<float> score(b.units * 8);
  for (size_t model = 0; model < b.models; ++model) {
    const float* wt = job.wt + model * b.units * b.d * 8;
    for (size_t row = first; row < last; ++row) {
      const float* xr = job.x + row * b.d;
      for (size_t u = 0; u < b.units; ++u) {
        V8 acc = Load8(job.bias8 + (model * b.units + u) * 8);
        for (size_t j = 0; j < b.d; ++j) acc += xr[j] * Load8(wt + u * b.d * 8 + j * 8);
        Store8(score.data() + u * 8, acc);
      }
      size_t top = 0;
      for (size_t c = 1; c < b.classes; ++c) top = score[c] > score[top] ? c : top;
      double total = 0;
      for (size_t c = 0; c < b.classes; ++c) total += std::exp(static_cast<double>(score[c] - score[top]));
      const double loss = std::log(total) - static_cast<double>(score[static_cast<size_t>(job.y[row])] - score[top]);
      AddClassOutcome(sums + model * job.width, static_cast<int>(b.classes), loss, static_cast<int>(top), static_cast<int>(job.y[row]));
    }
  }
}

using EvaluateFn = void (*)(const EvalJob&, size_t, size_t, double*);

void EvaluateBaseline(const EvalJob& job, size_t first, size_t last, double* sums) {
  if (job.loss == kLinearSoftmax) EvaluateSoftmax(job, first, last, sums); else EvaluateBlocks(job, first, last, sums);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void EvaluateAvx2(const EvalJob& job, size_t first, size_t last, double* sums) {
  if (job.loss == kLinearSoftmax) EvaluateSoftmax(job, first, last, sums); else EvaluateBlocks(job, first, last, sums);
}

// The AVX-512 build (F, VL, BW, DQ) of the same eight-lane loops, as in linear_cpu.cc.
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void EvaluateAvx512(const EvalJob& job, size_t first, size_t last, double* sums) {
  if (job.loss == kLinearSoftmax) EvaluateSoftmax(job, first, last, sums); else EvaluateBlocks(job, first, last, sums);
}
#endif

EvaluateFn ChooseEvaluate(CpuPath path) {
#if defined(__x86_64__)
  if (path == CpuPath::kAvx512) return EvaluateAvx512;
  if (path == CpuPath::kAvx2) return EvaluateAvx2;
#endif
  (void)path;
  return EvaluateBaseline;
}

// A thread takes at least this many rows: fewer are not worth starting one for.
constexpr size_t kEvalRowsPerThread = 4096;
constexpr size_t kEvalRowsPerCall = size_t{1} << 20;

}  // namespace

std::vector<double> LinearEvaluate(const float* x, const float* y, size_t n, const LinearState& state, const LinearConfig& config) {
  const LinearStepShape shape = CheckLinearModels(y, n, state, config, "linearEvaluate");
  const LinearBlocks layout(state.d, state.models, static_cast<size_t>(shape.classes));
  std::vector<float> wt, bias8;
  layout.Transpose(state, config.use_bias, &wt, &bias8);
  const int width = LinearStatWidth(shape.loss, shape.classes);
  // Sums are kept per lane position (as the blocks lay the columns out) and gathered per model at the end.
  const size_t lanes = layout.classes == 1 ? layout.blocks * 8 : layout.models;
  const EvalJob job{x, y, &layout, wt.data(), bias8.data(), shape.loss, width};
  const EvaluateFn evaluate = ChooseEvaluate(ActiveCpuPath());
  const size_t threads = std::max<size_t>(1, std::min<size_t>(Parallelism(), n / kEvalRowsPerThread));
  std::vector<std::vector<double>> parts(threads, std::vector<double>(lanes * width, 0.0));
  // A thread's rows go a million at a time: the binary counts are kept in 32-bit lanes.
  auto evaluate_rows = [&](size_t t) {
    for (size_t first = n * t / threads, last = n * (t + 1) / threads; first < last; first += kEvalRowsPerCall) {
      evaluate(job, first, std::min(last, first + kEvalRowsPerCall), parts[t].data());
    }
  };
  ParallelFor(threads, evaluate_rows);
  std::vector<double> sums(layout.models * width, 0.0);
  for (size_t model = 0; model < layout.models; ++model) {
    for (int field = 0; field < width; ++field) {
      for (size_t t = 0; t < threads; ++t) sums[model * width + field] += parts[t][model * width + field];
    }
  }
  return sums;
}

}  // namespace sm
