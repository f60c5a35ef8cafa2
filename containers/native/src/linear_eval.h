// Evaluating Linear Learner models on labelled rows: every model's sums over the rows from which
// the built-in's metrics follow (objective loss, accuracy, precision, recall, F-beta, MSE, RMSE,
// absolute loss), all models in one pass. The layout of those sums is shared by the CPU kernel
// (linear_eval_cpu.cc), the CUDA kernel (linear_cuda.cu) and the TypeScript that reads them
// (containers/linear-learner/metrics.ts); the CUDA kernel's per-thread phases are here, so its CPU
// harness (linear_harness.cc) runs the same code.
#pragma once
#include <cstddef>
#include <vector>
#include "linear_cpu.h"
#include "linear_device.h"

namespace sm {

// One model's sums, `LinearStatWidth` doubles: the loss (the training loss of each row), the
// squared and absolute errors (regression), the rows predicted right (classifiers), then per
// counted class c: rows predicted c that are c, rows predicted c, rows that are c.
enum LinearStatistic : int { kLinearStatLoss = 0, kLinearStatSquared, kLinearStatAbsolute, kLinearStatCorrect, kLinearStatCounts };

// Classes counted: softmax's classes, 2 for a binary classifier (0 and 1), none for regression.
SM_HD inline int LinearCountedClasses(int loss, int classes) {
  return loss == kLinearSoftmax ? classes : (loss == kLinearLogistic || loss == kLinearHinge ? 2 : 0);
}
SM_HD inline int LinearStatWidth(int loss, int classes) { return kLinearStatCounts + 3 * LinearCountedClasses(loss, classes); }

// Every model's sums over the rows (models x LinearStatWidth). Threads split the rows.
std::vector<double> LinearEvaluate(const float* x, const float* y, size_t n, const LinearState& state, const LinearConfig& config);

// The CUDA kernel: copies the rows and weights in and the sums out. Throws naming the call, and
// for shapes whose rows and sums do not fit a block's shared memory (LinearEvalFitsBlock).
std::vector<double> LinearEvaluateCuda(const float* x, const float* y, size_t n, const LinearState& state, const LinearConfig& config);

// The same with the rows and labels already on the GPU (a dataset, dataset.h): only the weights go
// in and the sums come out, so a job's evaluation every epoch copies no rows. host_y, the dataset's
// host copy of the labels, is what the checks read (a class index out of range would count past the
// sums on the GPU). Throws, as LinearEvaluateCuda does, for shapes that do not fit a block.
std::vector<double> LinearEvaluateCudaDeviceRows(const float* device_x, const float* device_y, const float* host_y, size_t n,
                                                 const LinearState& state, const LinearConfig& config);

// The same on device memory already in place (the GPU benchmark calls this on PyTorch's tensors):
// x n x d, y n, weights columns x d, bias columns, sums models x width (cleared here). Enqueued on
// the default stream.
void LinearEvaluateCudaOnDevice(const float* x, const float* y, size_t n, const float* weights, const float* bias, const LinearState& state,
                                const LinearConfig& config, double* sums);

// The CUDA kernel's per-thread code run on the CPU, block by block, with a grid of `grid_blocks`.
std::vector<double> LinearEvaluateCudaHarness(const float* x, const float* y, size_t n, const LinearState& state, const LinearConfig& config,
                                              size_t grid_blocks);

// --- The CUDA kernel's phases. A block walks its share of the rows a chunk of `rows` at a time:
// rows into shared memory and scores (the step's phases 1 and 2, linear_device.h), then these.

// Rows a block takes: as for the step, beside its own sums in shared memory.
SM_HD inline int LinearEvalRowsPerBlock(int d, int columns, int models, int width) {
  const int per_row = (d + 1) + 1 + columns + models;
  const int stats_floats = 2 * models * width + 1;  // doubles, plus one float to align them
  const int fit = (kLinearSharedFloats - stats_floats - (StagesWeights(d, columns) ? columns * (d + 1) : 0)) / per_row;
  return fit < kLinearMaxRows ? fit : kLinearMaxRows;
}

SM_HD inline bool LinearEvalFitsBlock(int d, int columns, int models, int loss, int classes) {
  return LinearEvalRowsPerBlock(d, columns, models, LinearStatWidth(loss, classes)) >= 1;
}

// The block's sums, after the step's shared arrays, 8-byte aligned.
SM_HD inline double* LinearEvalSums(float* base, const LinearStepShape& s) {
  const int offset = LinearSharedFloats(s);
  return reinterpret_cast<double*>(base + offset + (offset & 1));
}
SM_HD inline int LinearEvalSharedFloats(const LinearStepShape& s) {
  const int offset = LinearSharedFloats(s);
  return offset + (offset & 1) + 2 * (s.columns / s.classes) * LinearStatWidth(s.loss, s.classes);
}

// Phase E1: each (row, model) records its loss and, in place of its first score, its predicted
// class (classifiers: score > 0, or the first of the largest class scores) or its error (regression).
SM_HD inline void EvaluateLinearRows(int tid, int valid, const LinearStepShape& s, LinearSharedView v) {
  const int models = s.columns / s.classes;
  for (int i = tid; i < valid * models; i += kLinearThreads) {
    const int r = i / models, model = i % models;
    float* g = v.g + r * s.columns + model * s.classes;
    if (s.loss == kLinearSoftmax) {
      int top = 0;
      for (int c = 1; c < s.classes; ++c) top = g[c] > g[top] ? c : top;
      double total = 0;
      for (int c = 0; c < s.classes; ++c) total += exp(static_cast<double>(g[c] - g[top]));
      v.loss[r * models + model] = static_cast<float>(log(total) - static_cast<double>(g[static_cast<int>(v.y[r])] - g[top]));
      g[0] = static_cast<float>(top);
      continue;
    }
    float unused;
    v.loss[r * models + model] = ScalarLoss(s.loss, g[0], v.y[r], &unused);
    g[0] = LinearCountedClasses(s.loss, s.classes) ? (g[0] > 0 ? 1.0f : 0.0f) : g[0] - v.y[r];
  }
}

// Phase E2: each (model, field) of the sums adds the chunk's rows into the block's sums. A thread
// always owns the same entries, so the block's sums need no atomics.
SM_HD inline void AddLinearStatistics(int tid, int valid, const LinearStepShape& s, LinearSharedView v, double* sums) {
  const int models = s.columns / s.classes, counted = LinearCountedClasses(s.loss, s.classes);
  const int width = LinearStatWidth(s.loss, s.classes);
  for (int i = tid; i < models * width; i += kLinearThreads) {
    const int model = i / width, field = i % width;
    const int kind = (field - kLinearStatCounts) / (counted ? counted : 1), c = (field - kLinearStatCounts) % (counted ? counted : 1);
    double sum = 0;
    for (int r = 0; r < valid; ++r) {
      const float value = v.g[r * s.columns + model * s.classes];
      const int predicted = static_cast<int>(value);
      const int actual = s.loss == kLinearSoftmax ? static_cast<int>(v.y[r]) : (v.y[r] > 0.5f ? 1 : 0);
      if (field == kLinearStatLoss) sum += v.loss[r * models + model];
      else if (field == kLinearStatSquared) sum += counted ? 0.0 : static_cast<double>(value) * value;
      else if (field == kLinearStatAbsolute) sum += counted ? 0.0 : fabs(static_cast<double>(value));
      else if (field == kLinearStatCorrect) sum += counted && predicted == actual ? 1.0 : 0.0;
      else if (kind == 0) sum += predicted == c && actual == c ? 1.0 : 0.0;
      else if (kind == 1) sum += predicted == c ? 1.0 : 0.0;
      else sum += actual == c ? 1.0 : 0.0;
    }
    sums[i] += sum;
  }
}

}  // namespace sm
