// Linear Learner evaluation on the CPU: every model's metric sums (linear_eval.h) in one pass over
// the rows, threads splitting the rows. Scores come from the same blocked weights as training
// (linear_blocks.h), four rows at a time; logistic loss from the same vector formula.
#include <algorithm>
#include <cmath>
#include <thread>
#include "linear_blocks.h"
#include "linear_eval.h"
#include "linear_step.h"
#include "logistic8.h"
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

// Adds one (row, model)'s outcome to the model's sums: `predicted` is a class for classifiers,
// the error for regression; `loss` is not added for logistic loss (summed by lanes instead).
inline void AddOutcome(const EvalJob& job, double* sums, double loss, float predicted_or_error, float label) {
  const int counted = LinearCountedClasses(job.loss, static_cast<int>(job.layout->classes));
  sums[kLinearStatLoss] += loss;
  if (!counted) {
    sums[kLinearStatSquared] += static_cast<double>(predicted_or_error) * predicted_or_error;
    sums[kLinearStatAbsolute] += std::fabs(static_cast<double>(predicted_or_error));
    return;
  }
  const int predicted = static_cast<int>(predicted_or_error);
  const int actual = job.loss == kLinearSoftmax ? static_cast<int>(label) : (label > 0.5f ? 1 : 0);
  double* counts = sums + kLinearStatCounts;
  if (predicted == actual) {
    sums[kLinearStatCorrect] += 1;
    counts[predicted] += 1;
  }
  counts[counted + predicted] += 1;
  counts[2 * counted + actual] += 1;
}

// One row's scores of a block of eight models into their sums (`lanes` of them are models).
// Logistic losses are summed by lane into `logistic_sums`, with the training's vector formula.
__attribute__((always_inline)) inline void BlockOutcome(const EvalJob& job, V8 score, size_t row, size_t lanes, double* logistic_sums,
                                                        double* block_sums) {
  const float label = job.y[row];
  if (job.loss == kLinearLogistic) LogisticGradient8(score, label, logistic_sums);
  for (size_t lane = 0; lane < lanes; ++lane) {
    float unused;
    const double loss = job.loss == kLinearLogistic ? 0.0 : ScalarLoss(job.loss, score[lane], label, &unused);
    const float value = job.loss == kLinearLogistic || job.loss == kLinearHinge ? (score[lane] > 0 ? 1.0f : 0.0f) : score[lane] - label;
    AddOutcome(job, block_sums + lane * job.width, loss, value, label);
  }
}

// Single-output models: per block of eight, four rows' scores as four independent FMA chains.
__attribute__((always_inline)) inline void EvaluateBlocks(const EvalJob& job, size_t first, size_t last, double* sums) {
  const LinearBlocks& b = *job.layout;
  const size_t d = b.d;
  for (size_t block = 0; block < b.blocks; ++block) {
    const float* wt = job.wt + block * d * 8;
    const V8 bias = Load8(job.bias8 + block * 8);
    const size_t lanes = std::min<size_t>(8, b.columns - block * 8);
    double logistic_sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    double* block_sums = sums + block * 8 * job.width;
    size_t row = first;
    for (; row + 4 <= last; row += 4) {
      const float* x0 = job.x + row * d;
      const float *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
      V8 s0 = bias, s1 = bias, s2 = bias, s3 = bias;
      for (size_t j = 0; j < d; ++j) {
        const V8 w = Load8(wt + j * 8);
        s0 += x0[j] * w;
        s1 += x1[j] * w;
        s2 += x2[j] * w;
        s3 += x3[j] * w;
      }
      BlockOutcome(job, s0, row, lanes, logistic_sums, block_sums);
      BlockOutcome(job, s1, row + 1, lanes, logistic_sums, block_sums);
      BlockOutcome(job, s2, row + 2, lanes, logistic_sums, block_sums);
      BlockOutcome(job, s3, row + 3, lanes, logistic_sums, block_sums);
    }
    for (; row < last; ++row) {
      V8 score = bias;
      for (size_t j = 0; j < d; ++j) score += job.x[row * d + j] * Load8(wt + j * 8);
      BlockOutcome(job, score, row, lanes, logistic_sums, block_sums);
    }
    for (size_t lane = 0; lane < lanes; ++lane) sums[(block * 8 + lane) * job.width + kLinearStatLoss] += logistic_sums[lane];
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
      AddOutcome(job, sums + model * job.width, loss, static_cast<float>(top), job.y[row]);
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
const EvaluateFn kEvaluate = HasAvx2Fma() ? EvaluateAvx2 : EvaluateBaseline;
#else
const EvaluateFn kEvaluate = EvaluateBaseline;
#endif

// A thread takes at least this many rows: fewer are not worth starting one for.
constexpr size_t kEvalRowsPerThread = 4096;

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
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::max<size_t>(1, std::min<size_t>(cores, n / kEvalRowsPerThread));
  std::vector<std::vector<double>> parts(threads, std::vector<double>(lanes * width, 0.0));
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back([&, t] { kEvaluate(job, n * t / threads, n * (t + 1) / threads, parts[t].data()); });
  kEvaluate(job, 0, n / threads, parts[0].data());
  for (std::thread& worker : workers) worker.join();
  std::vector<double> sums(layout.models * width, 0.0);
  for (size_t model = 0; model < layout.models; ++model) {
    for (int field = 0; field < width; ++field) {
      for (size_t t = 0; t < threads; ++t) sums[model * width + field] += parts[t][model * width + field];
    }
  }
  return sums;
}

}  // namespace sm
