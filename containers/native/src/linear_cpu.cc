#include "linear_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace sm {
namespace {

enum class LossKind { kLogistic, kSquared, kAbsolute };

LossKind ParseLoss(const std::string& loss) {
  if (loss == "logistic") return LossKind::kLogistic;
  if (loss == "squared_loss") return LossKind::kSquared;
  if (loss == "absolute_loss") return LossKind::kAbsolute;
  throw std::invalid_argument("linear.epoch: unknown loss " + loss);
}

// The loss of one score and its derivative d loss / d score. For logistic loss (label in {0, 1})
// both come from one exp(-|score|), which keeps log(1 + e^-z) and the sigmoid stable either side of 0.
__attribute__((always_inline)) inline double LossAndGradient(LossKind kind, double score, double label, double* gradient) {
  switch (kind) {
    case LossKind::kLogistic: {
      // In float: the scores and gradients are float32 anyway, and this is the epoch's most
      // expensive scalar step (measured 4% faster per epoch than in double).
      const float e = std::exp(-std::fabs(static_cast<float>(score)));
      const float sigmoid = score >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
      *gradient = sigmoid - label;
      const double z = label > 0.5 ? score : -score;
      return std::max(-z, 0.0) + static_cast<double>(std::log1p(e));
    }
    case LossKind::kSquared:
      *gradient = score - label;
      return 0.5 * (score - label) * (score - label);
    default:
      *gradient = score > label ? 1.0 : (score < label ? -1.0 : 0.0);
      return std::fabs(score - label);
  }
}

// The epoch's hot loops work on blocks of eight models laid out [feature][model], so one vector
// FMA advances eight models' scores (and their gradients) by one feature of one row: the forward
// pass and the gradient are each d FMAs per row per block of models, with no horizontal sums.
typedef float V8 __attribute__((vector_size(32)));

__attribute__((always_inline)) inline V8 Load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

__attribute__((always_inline)) inline void Store8(float* p, V8 v) { std::memcpy(p, &v, sizeof(v)); }

struct Batch {
  const float* x;
  const float* y;
  size_t rows;
};

// Gradients of one mini-batch for one block of eight models: scores, per-model dloss/dscore,
// then gw[j] += x_j * g, all eight models per vector operation; adds the rows' losses to `losses`.
__attribute__((always_inline)) inline void BlockGradients(const Batch& batch, size_t d, const float* wt, const float* bias8,
                                                          LossKind loss, float* gw, float* gb, double* losses) {
  // The bias gradient and loss sums stay in registers until the batch ends: blocks trained on other
  // threads keep theirs in the same cache lines.
  V8 bias_gradient = Load8(gb);
  double loss_sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t row = 0; row < batch.rows; ++row) {
    const float* xr = batch.x + row * d;
    V8 score = Load8(bias8);
    for (size_t j = 0; j < d; ++j) score += xr[j] * Load8(wt + j * 8);
    V8 g;
    for (int lane = 0; lane < 8; ++lane) {
      double gradient;
      loss_sums[lane] += LossAndGradient(loss, score[lane], batch.y[row], &gradient);
      g[lane] = static_cast<float>(gradient);
    }
    for (size_t j = 0; j < d; ++j) Store8(gw + j * 8, Load8(gw + j * 8) + xr[j] * g);
    bias_gradient += g;
  }
  Store8(gb, bias_gradient);
  for (int lane = 0; lane < 8; ++lane) losses[lane] += loss_sums[lane];
}

using BlockGradientsFn = void (*)(const Batch&, size_t, const float*, const float*, LossKind, float*, float*, double*);

void BlockGradientsBaseline(const Batch& b, size_t d, const float* wt, const float* bias8, LossKind loss, float* gw, float* gb, double* losses) {
  BlockGradients(b, d, wt, bias8, loss, gw, gb, losses);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void BlockGradientsAvx2(const Batch& b, size_t d, const float* wt, const float* bias8, LossKind loss,
                                                            float* gw, float* gb, double* losses) {
  BlockGradients(b, d, wt, bias8, loss, gw, gb, losses);
}
#endif

BlockGradientsFn ChooseBlockGradients() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return BlockGradientsAvx2;
#endif
  return BlockGradientsBaseline;
}

const BlockGradientsFn kBlockGradients = ChooseBlockGradients();

}  // namespace

std::vector<double> LinearEpoch(const float* x, const float* y, size_t n, LinearState* s, const LinearConfig& c) {
  const LossKind loss = ParseLoss(c.loss);
  if (c.optimizer != "sgd" && c.optimizer != "adam") throw std::invalid_argument("linear.epoch: unknown optimizer " + c.optimizer);
  if (c.learning_rates.size() != s->models) throw std::invalid_argument("linear.epoch: one learning rate per model");
  const bool adam = c.optimizer == "adam";
  const size_t d = s->d, m = s->models, batch = std::max<size_t>(1, c.batch_size), blocks = (m + 7) / 8;
  const double first_step = s->step;
  // Transposed parameters and gradients, [block][feature][8]; lanes past m stay zero.
  std::vector<float> wt(blocks * d * 8, 0.0f), bias8(blocks * 8, 0.0f), gw(blocks * d * 8), gb(blocks * 8);
  std::vector<double> losses(blocks * 8, 0.0);
  for (size_t model = 0; model < m; ++model) {
    for (size_t j = 0; j < d; ++j) wt[(model / 8) * d * 8 + j * 8 + model % 8] = s->weights[model * d + j];
    bias8[model] = c.use_bias ? s->bias[model] : 0.0f;
  }

  // One model's step from its mean gradient over a mini-batch, written to both layouts.
  auto update_model = [&](size_t model, size_t rows, double step) {
    // Adam's bias corrections depend on the step alone.
    const double correction1 = 1 - std::pow(c.beta1, step), correction2 = 1 - std::pow(c.beta2, step);
    const double lr = c.learning_rates[model];
    float* w = s->weights.data() + model * d;
    for (size_t j = 0; j <= d; ++j) {
      const bool is_bias = j == d;
      if (is_bias && !c.use_bias) continue;
      const size_t lane = (model / 8) * d * 8 + j * 8 + model % 8;
      double grad = (is_bias ? gb[model] : gw[lane]) / static_cast<double>(rows);
      float& param = is_bias ? s->bias[model] : w[j];
      if (!is_bias) grad += c.wd * param;  // L2 (weight decay) on weights only
      double update = grad;
      if (adam) {
        float& m1 = is_bias ? s->mb[model] : s->m1[model * d + j];
        float& v1 = is_bias ? s->vb[model] : s->v1[model * d + j];
        m1 = static_cast<float>(c.beta1 * m1 + (1 - c.beta1) * grad);
        v1 = static_cast<float>(c.beta2 * v1 + (1 - c.beta2) * grad * grad);
        update = (m1 / correction1) / (std::sqrt(v1 / correction2) + c.epsilon);
      }
      double next = param - lr * update;
      if (!is_bias && c.l1 > 0) {  // L1 by proximal soft-thresholding
        const double shrink = lr * c.l1;
        next = next > shrink ? next - shrink : (next < -shrink ? next + shrink : 0.0);
      }
      param = static_cast<float>(next);
      if (is_bias) bias8[model] = param; else wt[lane] = param;
    }
  };

  // Models never share parameters, so each thread trains its own blocks of eight through the whole
  // epoch with no synchronisation between mini-batches; each block's memory is its own.
  auto train_blocks = [&](size_t first, size_t last) {
    size_t batches = 0;
    for (size_t start = 0; start < n; start += batch, ++batches) {
      const size_t rows = std::min(n, start + batch) - start;
      const Batch current{x + start * d, y + start, rows};
      for (size_t block = first; block < last; ++block) {
        float* block_gw = gw.data() + block * d * 8;
        float* block_gb = gb.data() + block * 8;
        std::fill(block_gw, block_gw + d * 8, 0.0f);
        std::fill(block_gb, block_gb + 8, 0.0f);
        kBlockGradients(current, d, wt.data() + block * d * 8, bias8.data() + block * 8, loss, block_gw, block_gb, losses.data() + block * 8);
        for (size_t model = block * 8; model < std::min(m, block * 8 + 8); ++model) update_model(model, rows, first_step + batches + 1);
      }
    }
  };
  const size_t threads = std::min<size_t>(blocks, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    const size_t first = blocks * t / threads, last = blocks * (t + 1) / threads;
    if (t + 1 == threads) train_blocks(first, last); else workers.emplace_back(train_blocks, first, last);
  }
  for (std::thread& worker : workers) worker.join();
  s->step = first_step + static_cast<double>((n + batch - 1) / batch);

  losses.resize(m);
  for (double& loss : losses) loss /= std::max<size_t>(1, n);
  return losses;
}

std::vector<float> LinearScores(const float* x, size_t n, const LinearState& s, size_t model) {
  if (model >= s.models) throw std::invalid_argument("linear.scores: no such model");
  std::vector<float> out(n);
  const float* w = s.weights.data() + model * s.d;
  for (size_t row = 0; row < n; ++row) {
    double score = s.bias[model];
    for (size_t j = 0; j < s.d; ++j) score += static_cast<double>(w[j]) * x[row * s.d + j];
    out[row] = static_cast<float>(score);
  }
  return out;
}

}  // namespace sm
