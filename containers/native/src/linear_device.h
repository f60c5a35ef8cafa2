// The per-thread work of the CUDA Linear Learner step, as plain functions of explicit indices, so
// the same code runs on the GPU and, block by block and phase by phase, in the CPU harness
// (linear_harness.cc) the tests use on machines without a GPU.
//
// One kernel launch per mini-batch trains every model at once. Each block takes `rows` rows of
// the batch into shared memory (phase 1), scores them for every weight column (phase 2), turns
// the scores into the loss's gradient with respect to the score, in place (phase 3), and adds its
// rows' share of the weights' and biases' gradients into global memory (phase 4). The block that
// finishes last (a ticket taken after a memory fence) applies the optimiser's update to every
// parameter and clears the gradients for the next launch (phase 5). Semantics are those of the
// CPU kernel (linear_cpu.cc): mean gradient over the batch's rows, L2 on the weights, SGD, Adam or
// RMSProp, then L1 by proximal soft-thresholding.
#pragma once
#include <cmath>
#include <cstddef>
#include "kmeans_device.h"  // SM_HD, AtomicAddDouble

namespace sm {

constexpr int kLinearThreads = 256;
constexpr int kLinearMaxRows = 32;
// Shared memory of a block, in floats (48 KiB, the most without opting in).
constexpr int kLinearSharedFloats = 12 * 1024;

enum LinearLossKind : int { kLinearLogistic = 0, kLinearHinge, kLinearSquared, kLinearAbsolute, kLinearSoftmax };

struct LinearStepShape {
  int d;
  int columns;  // models x classes
  int classes;  // 1, or the classes of softmax_loss
  int rows;     // rows per block
  int loss;     // LinearLossKind
  bool use_bias;
  bool staged_weights;  // the weights and biases are copied into shared memory first
};

// The weights and biases are staged in shared memory when they take at most this many floats
// (32 KiB): scoring then reads them there instead of making one global round trip per feature
// (measured on an H100: a step was latency-bound at about 50 us with weights read from global).
constexpr int kLinearStagedWeightFloats = 8 * 1024;
SM_HD inline bool StagesWeights(int d, int columns) {
  return static_cast<long long>(columns) * (d + 1) <= kLinearStagedWeightFloats;
}

// Rows a block takes for d features and `columns` outputs: as many as fit in shared memory beside
// the staged weights, at most 32; 0 when not one fits (the caller refuses such shapes).
SM_HD inline int LinearRowsPerBlock(int d, int columns, int models) {
  const int per_row = (d + 1) + 1 + columns + models;
  const int fit = (kLinearSharedFloats - (StagesWeights(d, columns) ? columns * (d + 1) : 0)) / per_row;
  return fit < kLinearMaxRows ? fit : kLinearMaxRows;
}

// Floats of one block's shared memory.
SM_HD inline int LinearSharedFloats(const LinearStepShape& s) {
  return s.rows * ((s.d + 1) + 1 + s.columns + s.columns / s.classes) + (s.staged_weights ? s.columns * (s.d + 1) : 0);
}

// The block's shared arrays inside one float buffer: rows of x padded to d + 1 (so threads that
// read the same feature of different rows hit different banks), labels, scores then gradients
// (rows x columns), and each row's loss per model.
struct LinearSharedView {
  float* x;
  float* y;
  float* g;
  float* loss;
  float* weights;  // columns x d, then columns biases (staged_weights only)
};
SM_HD inline LinearSharedView LinearShared(float* base, const LinearStepShape& s) {
  LinearSharedView v;
  v.x = base;
  v.y = v.x + s.rows * (s.d + 1);
  v.g = v.y + s.rows;
  v.loss = v.g + s.rows * s.columns;
  v.weights = v.loss + s.rows * (s.columns / s.classes);
  return v;
}

// Phase 1b (staged weights): the weights and biases into shared memory, coalesced.
SM_HD inline void LoadLinearWeights(int tid, const LinearStepShape& s, const float* weights, const float* bias, LinearSharedView v) {
  for (int i = tid; i < s.columns * s.d; i += kLinearThreads) v.weights[i] = weights[i];
  for (int c = tid; c < s.columns; c += kLinearThreads) v.weights[s.columns * s.d + c] = bias[c];
}

SM_HD SM_FORCEINLINE void AtomicAddFloat(float* target, float value) {
#if defined(__CUDA_ARCH__)
  atomicAdd(target, value);
#else
  *target += value;
#endif
}

// Phase 1: the block's rows [first, first + valid) of x and y into shared memory.
SM_HD inline void LoadLinearRows(int tid, const float* x, const float* y, size_t first, int valid, const LinearStepShape& s,
                                 LinearSharedView v) {
  for (int i = tid; i < valid * s.d; i += kLinearThreads) {
    const int r = i / s.d, j = i % s.d;
    v.x[r * (s.d + 1) + j] = x[(first + r) * s.d + j];
  }
  for (int r = tid; r < valid; r += kLinearThreads) v.y[r] = y[first + r];
}

// Phase 2: score w.x + b of each (row, column). Threads of a warp share a column (one weight
// read, broadcast) and take different rows.
SM_HD inline void ScoreLinearRows(int tid, int valid, const LinearStepShape& s, const float* weights, const float* bias,
                                  LinearSharedView v) {
  for (int i = tid; i < valid * s.columns; i += kLinearThreads) {
    const int column = i / valid, r = i % valid;
    const float* w = weights + static_cast<size_t>(column) * s.d;
    const float* xr = v.x + r * (s.d + 1);
    float score = s.use_bias ? bias[column] : 0.0f;
    for (int j = 0; j < s.d; ++j) score += xr[j] * w[j];
    v.g[r * s.columns + column] = score;
  }
}

// The loss of one score and its derivative (the CPU kernel's formulas).
SM_HD inline float ScalarLoss(int loss, float score, float label, float* gradient) {
  switch (loss) {
    case kLinearLogistic: {
      const float e = expf(-fabsf(score));
      const float sigmoid = score >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
      *gradient = sigmoid - label;
      const float z = label > 0.5f ? score : -score;
      return (-z > 0 ? -z : 0.0f) + log1pf(e);
    }
    case kLinearHinge: {
      const float t = label > 0.5f ? 1.0f : -1.0f;
      *gradient = t * score < 1 ? -t : 0.0f;
      return 1 - t * score > 0 ? 1 - t * score : 0.0f;
    }
    case kLinearSquared:
      *gradient = score - label;
      return 0.5f * (score - label) * (score - label);
    default:
      *gradient = score > label ? 1.0f : (score < label ? -1.0f : 0.0f);
      return fabsf(score - label);
  }
}

// Phase 3: each (row, model) turns its scores into gradients in place and records its loss.
SM_HD inline void LinearResiduals(int tid, int valid, const LinearStepShape& s, LinearSharedView v) {
  const int models = s.columns / s.classes;
  for (int i = tid; i < valid * models; i += kLinearThreads) {
    const int r = i / models, model = i % models;
    float* g = v.g + r * s.columns + model * s.classes;
    if (s.loss != kLinearSoftmax) {
      float gradient;
      v.loss[r * models + model] = ScalarLoss(s.loss, g[0], v.y[r], &gradient);
      g[0] = gradient;
      continue;
    }
    float top = g[0];
    for (int c = 1; c < s.classes; ++c) top = g[c] > top ? g[c] : top;
    double total = 0;
    for (int c = 0; c < s.classes; ++c) total += exp(static_cast<double>(g[c] - top));
    const int label = static_cast<int>(v.y[r]);
    v.loss[r * models + model] = static_cast<float>(log(total) + top - g[label]);
    for (int c = 0; c < s.classes; ++c) {
      g[c] = static_cast<float>(exp(static_cast<double>(g[c] - top)) / total - (c == label ? 1.0 : 0.0));
    }
  }
}

// Phase 4: the block's rows' sums of g x (each weight), g (each bias) and loss (each model) are
// added into the global accumulators. Threads of a warp take consecutive features of a column.
SM_HD inline void AddLinearGradients(int tid, int valid, const LinearStepShape& s, LinearSharedView v, float* grad_w,
                                     float* grad_b, double* losses) {
  for (int i = tid; i < s.columns * s.d; i += kLinearThreads) {
    const int column = i / s.d, j = i % s.d;
    float sum = 0;
    for (int r = 0; r < valid; ++r) sum += v.g[r * s.columns + column] * v.x[r * (s.d + 1) + j];
    AtomicAddFloat(grad_w + i, sum);
  }
  for (int column = tid; column < s.columns; column += kLinearThreads) {
    float sum = 0;
    for (int r = 0; r < valid; ++r) sum += v.g[r * s.columns + column];
    AtomicAddFloat(grad_b + column, sum);
  }
  const int models = s.columns / s.classes;
  for (int model = tid; model < models; model += kLinearThreads) {
    double sum = 0;
    for (int r = 0; r < valid; ++r) sum += v.loss[r * models + model];
    AtomicAddDouble(losses + model, sum);
  }
}

// What the last block needs to update the parameters after one batch.
enum LinearOptimizer : int { kLinearSgd = 0, kLinearAdam, kLinearRmsProp };

struct LinearUpdate {
  int batch_rows;
  int optimizer;  // LinearOptimizer
  double rmsprop_decay;
  double l1, wd, beta1, beta2, epsilon;
  double correction1, correction2;  // 1 - beta^step
  const float* learning_rates;      // one per model
};

// Reads a value other blocks added with atomics: from L2 on the GPU, past the SM's L1.
SM_HD SM_FORCEINLINE float LoadAccumulated(const float* p) {
#if defined(__CUDA_ARCH__)
  return __ldcg(p);
#else
  return *p;
#endif
}

// Phase 5 (the last block only): parameter i of columns x (d + 1) — the weights, then the biases —
// takes its optimiser step; the gradient accumulators are cleared for the next batch.
SM_HD inline void ApplyLinearUpdate(int tid, const LinearStepShape& s, const LinearUpdate& u, float* weights, float* bias,
                                    float* m1, float* v1, float* mb, float* vb, float* grad_w, float* grad_b) {
  const int weights_count = s.columns * s.d;
  for (int i = tid; i < weights_count + s.columns; i += kLinearThreads) {
    const bool is_bias = i >= weights_count;
    const int column = is_bias ? i - weights_count : i / s.d;
    if (is_bias && !s.use_bias) {
      grad_b[column] = 0;
      continue;
    }
    float* param = is_bias ? bias + column : weights + i;
    float* gradient = is_bias ? grad_b + column : grad_w + i;
    double grad = static_cast<double>(LoadAccumulated(gradient)) / u.batch_rows;
    *gradient = 0;
    if (!is_bias) grad += static_cast<double>(u.wd) * *param;
    double update = grad;
    const double lr = u.learning_rates[column / s.classes];
    if (u.optimizer == kLinearAdam) {
      float* m = is_bias ? mb + column : m1 + i;
      float* vv = is_bias ? vb + column : v1 + i;
      *m = static_cast<float>(u.beta1 * *m + (1 - u.beta1) * grad);
      *vv = static_cast<float>(u.beta2 * *vv + (1 - u.beta2) * grad * grad);
      update = (*m / u.correction1) / (sqrt(*vv / u.correction2) + u.epsilon);
    } else if (u.optimizer == kLinearRmsProp) {
      float* vv = is_bias ? vb + column : v1 + i;
      *vv = static_cast<float>(u.rmsprop_decay * *vv + (1 - u.rmsprop_decay) * grad * grad);
      update = grad / (sqrt(static_cast<double>(*vv)) + u.epsilon);
    }
    double next = *param - lr * update;
    if (!is_bias && u.l1 > 0) {
      const double shrink = lr * u.l1;
      next = next > shrink ? next - shrink : (next < -shrink ? next + shrink : 0.0);
    }
    *param = static_cast<float>(next);
  }
}

}  // namespace sm
