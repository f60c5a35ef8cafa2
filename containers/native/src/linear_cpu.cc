#include "linear_cpu.h"
#include "linear_blocks.h"
#include "linear_step.h"
#include "cpu_paths.h"
#include "logistic8.h"
#include "thread_pool.h"
#include "vector8.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace sm {
namespace {

// The losses, numbered as the shared checks (linear_step.h) number them.
enum class LossKind { kLogistic = kLinearLogistic, kHinge = kLinearHinge, kSquared = kLinearSquared, kAbsolute = kLinearAbsolute, kSoftmax = kLinearSoftmax };

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
    case LossKind::kHinge: {
      // Labels 0/1 as -1/+1, margin 1: max(0, 1 - t s).
      const double t = label > 0.5 ? 1.0 : -1.0;
      *gradient = t * score < 1 ? -t : 0.0;
      return std::max(0.0, 1 - t * score);
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
struct Batch {
  const float* x;
  const float* y;
  size_t rows;
};

// dloss/dscore of eight models' scores for one row's label; adds their losses to `loss_sums`.
// Always inlined (as is everything taking a V8 by value here): a call between code built for the
// baseline and for AVX2 would pass the vector differently on each side (the psabi warning).
__attribute__((always_inline)) inline V8 GradientOf(LossKind loss, V8 score, float label, double* loss_sums) {
  if (loss == LossKind::kLogistic) return LogisticGradient8(score, label, loss_sums);
  V8 g;
  for (int lane = 0; lane < 8; ++lane) {
    double gradient;
    loss_sums[lane] += LossAndGradient(loss, score[lane], label, &gradient);
    g[lane] = static_cast<float>(gradient);
  }
  return g;
}

// Gradients of one mini-batch for one block of eight models: scores, per-model dloss/dscore,
// then gw[j] += x_j * g, all eight models per vector operation; adds the rows' losses to `losses`.
// Rows go four at a time: the four score sums are independent FMA chains (one chain of d FMAs
// would wait on each FMA's latency), and each gw[j] is loaded and stored once per four rows.
__attribute__((always_inline)) inline void BlockGradients(const Batch& batch, size_t d, const float* wt, const float* bias8,
                                                          LossKind loss, float* gw, float* gb, double* losses) {
  // The bias gradient and loss sums stay in registers until the batch ends: blocks trained on other
  // threads keep theirs in the same cache lines.
  V8 bias_gradient = Load8(gb);
  double loss_sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const V8 bias = Load8(bias8);
  size_t row = 0;
  for (; row + 4 <= batch.rows; row += 4) {
    const float* x0 = batch.x + row * d;
    const float *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    V8 s[4];
    ScoreFourRows(x0, d, wt, bias, s);
    const V8 g0 = GradientOf(loss, s[0], batch.y[row], loss_sums), g1 = GradientOf(loss, s[1], batch.y[row + 1], loss_sums);
    const V8 g2 = GradientOf(loss, s[2], batch.y[row + 2], loss_sums), g3 = GradientOf(loss, s[3], batch.y[row + 3], loss_sums);
    for (size_t j = 0; j < d; ++j) Store8(gw + j * 8, Load8(gw + j * 8) + x0[j] * g0 + x1[j] * g1 + x2[j] * g2 + x3[j] * g3);
    bias_gradient += (g0 + g1) + (g2 + g3);
  }
  for (; row < batch.rows; ++row) {
    const float* xr = batch.x + row * d;
    const V8 score = ScoreRow(xr, d, wt, bias);
    const V8 g = GradientOf(loss, score, batch.y[row], loss_sums);
    for (size_t j = 0; j < d; ++j) Store8(gw + j * 8, Load8(gw + j * 8) + xr[j] * g);
    bias_gradient += g;
  }
  Store8(gb, bias_gradient);
  for (int lane = 0; lane < 8; ++lane) losses[lane] += loss_sums[lane];
}

// Gradients of one mini-batch for one multiclass model under softmax loss: its `classes` columns
// fill `units` blocks of eight lanes (lanes past `classes` stay zero), so the per-row scores are
// `units` vector FMA chains as above; then the softmax over the row's class scores, and
// gw[j] += x_j * (p - onehot(label)). Adds the rows' cross-entropy to `*loss`.
__attribute__((always_inline)) inline void SoftmaxGradients(const Batch& batch, size_t d, size_t units, size_t classes, const float* wt,
                                                            const float* bias8, float* gw, float* gb, double* loss) {
  // Plain float scratch, not std::vector<V8>: its template code is shared between this function's
  // baseline and AVX2 builds, which pass 32-byte vectors differently (the psabi warning), and crashed.
  std::vector<float> score(units * 8), g(units * 8);
  double loss_sum = 0;
  for (size_t row = 0; row < batch.rows; ++row) {
    const float* xr = batch.x + row * d;
    for (size_t u = 0; u < units; ++u) {
      V8 acc = Load8(bias8 + u * 8);
      const float* w = wt + u * d * 8;
      for (size_t j = 0; j < d; ++j) acc += xr[j] * Load8(w + j * 8);
      Store8(score.data() + u * 8, acc);
    }
    float top = score[0];
    for (size_t c = 1; c < classes; ++c) top = std::max(top, score[c]);
    double total = 0;
    for (size_t c = 0; c < classes; ++c) total += std::exp(static_cast<double>(score[c] - top));
    const size_t label = static_cast<size_t>(batch.y[row]);
    loss_sum += std::log(total) + top - score[label];
    for (size_t c = 0; c < classes; ++c) g[c] = static_cast<float>(std::exp(static_cast<double>(score[c] - top)) / total - (c == label ? 1.0 : 0.0));
    for (size_t u = 0; u < units; ++u) {
      const V8 gu = Load8(g.data() + u * 8);
      float* gwu = gw + u * d * 8;
      for (size_t j = 0; j < d; ++j) Store8(gwu + j * 8, Load8(gwu + j * 8) + xr[j] * gu);
      Store8(gb + u * 8, Load8(gb + u * 8) + gu);
    }
  }
  *loss += loss_sum;
}

using SoftmaxGradientsFn = void (*)(const Batch&, size_t, size_t, size_t, const float*, const float*, float*, float*, double*);
using BlockGradientsFn = void (*)(const Batch&, size_t, const float*, const float*, LossKind, float*, float*, double*);

void SoftmaxGradientsBaseline(const Batch& b, size_t d, size_t units, size_t classes, const float* wt, const float* bias8, float* gw, float* gb, double* loss) {
  SoftmaxGradients(b, d, units, classes, wt, bias8, gw, gb, loss);
}

void BlockGradientsBaseline(const Batch& b, size_t d, const float* wt, const float* bias8, LossKind loss, float* gw, float* gb, double* losses) {
  BlockGradients(b, d, wt, bias8, loss, gw, gb, losses);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void SoftmaxGradientsAvx2(const Batch& b, size_t d, size_t units, size_t classes, const float* wt,
                                                              const float* bias8, float* gw, float* gb, double* loss) {
  SoftmaxGradients(b, d, units, classes, wt, bias8, gw, gb, loss);
}

__attribute__((target("avx2,fma"))) void BlockGradientsAvx2(const Batch& b, size_t d, const float* wt, const float* bias8, LossKind loss,
                                                            float* gw, float* gb, double* losses) {
  BlockGradients(b, d, wt, bias8, loss, gw, gb, losses);
}

// The AVX-512 build of the same loops (F, VL, BW, DQ): blocks stay eight models wide (256-bit
// vectors, which on the Zen 4 machines measured here cost half a 512-bit operation each), but with
// AVX-512's 32 vector registers, FMAs that broadcast a row value straight from memory, and masked
// compares and blends for the losses.
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void SoftmaxGradientsAvx512(
    const Batch& b, size_t d, size_t units, size_t classes, const float* wt, const float* bias8, float* gw, float* gb, double* loss) {
  SoftmaxGradients(b, d, units, classes, wt, bias8, gw, gb, loss);
}

__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void BlockGradientsAvx512(
    const Batch& b, size_t d, const float* wt, const float* bias8, LossKind loss, float* gw, float* gb, double* losses) {
  BlockGradients(b, d, wt, bias8, loss, gw, gb, losses);
}
#endif

// The gradient loops of the active CPU path (cpu_paths.h), chosen once per epoch.
void ChooseGradients(CpuPath path, BlockGradientsFn* block, SoftmaxGradientsFn* softmax) {
#if defined(__x86_64__)
  if (path == CpuPath::kAvx512) {
    *block = BlockGradientsAvx512;
    *softmax = SoftmaxGradientsAvx512;
    return;
  }
  if (path == CpuPath::kAvx2) {
    *block = BlockGradientsAvx2;
    *softmax = SoftmaxGradientsAvx2;
    return;
  }
#endif
  (void)path;
  *block = BlockGradientsBaseline;
  *softmax = SoftmaxGradientsBaseline;
}

// A mini-batch's rows are split between threads only when each gets at least this many: below
// that, the two barriers a mini-batch cost more than the split saves.
constexpr size_t kRowsPerThread = 256;

// Threads wait here for each other once per phase of a mini-batch. A short spin (a mini-batch
// phase lasts tens of microseconds), then yielding, so an oversubscribed machine is not starved.
class SpinBarrier {
 public:
  explicit SpinBarrier(size_t parties) : parties_(parties) {}
  void Wait() {
    const size_t generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
    for (unsigned spins = 0; generation_.load(std::memory_order_acquire) == generation; ++spins) {
      if (spins > 2000) std::this_thread::yield();
    }
  }

 private:
  const size_t parties_;
  std::atomic<size_t> arrived_{0}, generation_{0};
};

}  // namespace

std::vector<double> LinearEpoch(const float* x, const float* y, size_t n, LinearState* s, const LinearConfig& c) {
  const LinearStepShape shape = CheckLinearTraining(y, n, *s, c, "linearEpoch");
  const LossKind loss = static_cast<LossKind>(shape.loss);
  const size_t classes = static_cast<size_t>(shape.classes), columns = s->models, models = columns / classes;
  const bool adam = c.optimizer == "adam", rmsprop = c.optimizer == "rmsprop";
  const size_t d = s->d, batch = std::max<size_t>(1, c.batch_size);
  const LinearBlocks layout(d, columns, classes);
  const size_t units = layout.units, blocks = layout.blocks;
  auto position = [&](size_t column) { return layout.Position(column); };
  const double first_step = s->step;
  std::vector<float> wt, bias8, gw(blocks * d * 8), gb(blocks * 8);
  layout.Transpose(*s, c.use_bias, &wt, &bias8);
  std::vector<double> losses(blocks * 8, 0.0);

  // One column's step from its mean gradient over a mini-batch, written to both layouts.
  auto update_column = [&](size_t column, size_t rows, double step) {
    // Adam's bias corrections depend on the step alone.
    const double correction1 = 1 - std::pow(c.beta1, step), correction2 = 1 - std::pow(c.beta2, step);
    const double lr = c.learning_rates[column / classes];
    const size_t p = position(column);
    float* w = s->weights.data() + column * d;
    for (size_t j = 0; j <= d; ++j) {
      const bool is_bias = j == d;
      if (is_bias && !c.use_bias) continue;
      const size_t lane = (p / 8) * d * 8 + j * 8 + p % 8;
      double grad = (is_bias ? gb[p] : gw[lane]) / static_cast<double>(rows);
      float& param = is_bias ? s->bias[column] : w[j];
      if (!is_bias) grad += c.wd * param;  // L2 (weight decay) on weights only
      double update = grad;
      if (adam) {
        float& m1 = is_bias ? s->mb[column] : s->m1[column * d + j];
        float& v1 = is_bias ? s->vb[column] : s->v1[column * d + j];
        m1 = static_cast<float>(c.beta1 * m1 + (1 - c.beta1) * grad);
        v1 = static_cast<float>(c.beta2 * v1 + (1 - c.beta2) * grad * grad);
        update = (m1 / correction1) / (std::sqrt(v1 / correction2) + c.epsilon);
      } else if (rmsprop) {
        float& v1 = is_bias ? s->vb[column] : s->v1[column * d + j];
        v1 = static_cast<float>(c.rmsprop_decay * v1 + (1 - c.rmsprop_decay) * grad * grad);
        update = grad / (std::sqrt(static_cast<double>(v1)) + c.epsilon);
      }
      double next = param - lr * update;
      if (!is_bias && c.l1 > 0) {  // L1 by proximal soft-thresholding
        const double shrink = lr * c.l1;
        next = next > shrink ? next - shrink : (next < -shrink ? next + shrink : 0.0);
      }
      param = static_cast<float>(next);
      if (is_bias) bias8[p] = param; else wt[lane] = param;
    }
  };

  BlockGradientsFn block_gradients;
  SoftmaxGradientsFn softmax_gradients;
  ChooseGradients(ActiveCpuPath(), &block_gradients, &softmax_gradients);
  const size_t groups = classes == 1 ? blocks : models, group_blocks = classes == 1 ? 1 : units;
  // One group's gradients over `rows`, added into the given buffers (and its losses).
  auto group_gradients = [&](size_t group, const Batch& rows, float* into_gw, float* into_gb, double* into_losses) {
    const size_t block = group * group_blocks;
    if (classes == 1) {
      block_gradients(rows, d, wt.data() + block * d * 8, bias8.data() + block * 8, loss, into_gw + block * d * 8, into_gb + block * 8,
                      into_losses + block * 8);
    } else {
      softmax_gradients(rows, d, units, classes, wt.data() + block * d * 8, bias8.data() + block * 8, into_gw + block * d * 8,
                        into_gb + block * 8, into_losses + block * 8);
    }
  };
  auto update_group = [&](size_t group, size_t rows, double step) {
    const size_t first = classes == 1 ? group * 8 : group * classes;
    const size_t last = classes == 1 ? std::min(columns, first + 8) : first + classes;
    for (size_t column = first; column < last; ++column) update_column(column, rows, step);
  };
  // The shared pool's threads (thread_pool.h). The row split's tasks wait on each other at the
  // barriers, so there are never more of them than the pool runs at once.
  const size_t cores = Parallelism();
  const size_t row_threads = groups < cores ? std::min<size_t>(cores, batch / kRowsPerThread) : 1;
  if (row_threads > 1) {
    // Fewer groups than cores (one block of eight models on two cores, say): the threads split
    // each mini-batch's rows, each adding into its own gradient buffers; after a barrier each
    // thread adds the buffers up for its share of the weight columns and updates them, and a
    // second barrier lets every thread read the new parameters.
    std::vector<std::vector<float>> part_gw(row_threads, std::vector<float>(gw.size())), part_gb(row_threads, std::vector<float>(gb.size()));
    std::vector<std::vector<double>> part_losses(row_threads, std::vector<double>(losses.size(), 0.0));
    SpinBarrier barrier(row_threads);
    auto train_rows = [&](size_t t) {
      size_t batches = 0;
      for (size_t start = 0; start < n; start += batch, ++batches) {
        const size_t rows = std::min(n, start + batch) - start;
        const size_t lo = start + rows * t / row_threads, hi = start + rows * (t + 1) / row_threads;
        std::fill(part_gw[t].begin(), part_gw[t].end(), 0.0f);
        std::fill(part_gb[t].begin(), part_gb[t].end(), 0.0f);
        const Batch mine{x + lo * d, y + lo, hi - lo};
        for (size_t group = 0; group < groups && hi > lo; ++group) group_gradients(group, mine, part_gw[t].data(), part_gb[t].data(), part_losses[t].data());
        barrier.Wait();
        // Each thread adds up and updates its share of the weight columns (their lanes are its
        // alone), so the update is split too rather than left to one thread while the others wait.
        for (size_t column = columns * t / row_threads, last = columns * (t + 1) / row_threads; column < last; ++column) {
          const size_t p = position(column), lane = (p / 8) * d * 8 + p % 8;
          for (size_t j = 0; j < d; ++j) {
            float sum = 0;
            for (size_t u = 0; u < row_threads; ++u) sum += part_gw[u][lane + j * 8];
            gw[lane + j * 8] = sum;
          }
          float sum = 0;
          for (size_t u = 0; u < row_threads; ++u) sum += part_gb[u][p];
          gb[p] = sum;
          update_column(column, rows, first_step + batches + 1);
        }
        barrier.Wait();
      }
    };
    ParallelFor(row_threads, train_rows);
    for (size_t i = 0; i < losses.size(); ++i) {
      for (size_t t = 0; t < row_threads; ++t) losses[i] += part_losses[t][i];
    }
  } else {
    // Models never share parameters, so each thread trains its own groups of blocks (eight
    // single-output models, or one multiclass model) through the whole epoch with no
    // synchronisation between mini-batches; each group's memory is its own.
    auto train_groups = [&](size_t first, size_t last) {
      size_t batches = 0;
      for (size_t start = 0; start < n; start += batch, ++batches) {
        const size_t rows = std::min(n, start + batch) - start;
        const Batch current{x + start * d, y + start, rows};
        for (size_t group = first; group < last; ++group) {
          const size_t block = group * group_blocks;
          std::fill(gw.data() + block * d * 8, gw.data() + (block + group_blocks) * d * 8, 0.0f);
          std::fill(gb.data() + block * 8, gb.data() + (block + group_blocks) * 8, 0.0f);
          group_gradients(group, current, gw.data(), gb.data(), losses.data());
          update_group(group, rows, first_step + batches + 1);
        }
      }
    };
    const size_t threads = std::min<size_t>(groups, cores);
    ParallelFor(threads, [&](size_t t) { train_groups(groups * t / threads, groups * (t + 1) / threads); });
  }
  s->step = first_step + static_cast<double>((n + batch - 1) / batch);

  // Each model's loss: its column's lane, or the first lane of a multiclass model's blocks.
  std::vector<double> model_losses(models);
  for (size_t model = 0; model < models; ++model) model_losses[model] = losses[position(model * classes)] / std::max<size_t>(1, n);
  return model_losses;
}

std::vector<float> LinearScores(const float* x, size_t n, const LinearState& s, size_t column) {
  if (column >= s.models) throw std::invalid_argument("linear.scores: no such weight column");
  std::vector<float> out(n);
  const float* w = s.weights.data() + column * s.d;
  for (size_t row = 0; row < n; ++row) {
    double score = s.bias[column];
    for (size_t j = 0; j < s.d; ++j) score += static_cast<double>(w[j]) * x[row * s.d + j];
    out[row] = static_cast<float>(score);
  }
  return out;
}

}  // namespace sm
