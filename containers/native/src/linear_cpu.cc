#include "linear_cpu.h"
#include "linear_blocks.h"
#include "linear_step.h"
#include "linear_update_cpu.h"
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
  // The rows this thread reads next (the next mini-batch's share; none after the last): the
  // gradient pass asks for them while it computes, so they come from the cache, not from memory.
  const float* next = nullptr;
  size_t next_rows = 0;
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

// gw[j] += x_j * g over a batch's rows for one block of eight models, kSlab features at a time:
// the slab's sums stay in registers for the whole batch (one FMA per row and feature, with the
// row value broadcast from memory), where adding rows into gw in memory cost a load and a store of
// each gw[j] per four rows and a four-FMA dependency chain per feature (36 against 48 cycles a
// row on Zen 4 with 16-feature slabs). kSlab fits the path's vector registers.
// Also asks for the next rows' cache lines, one per row of each whole slab: all of them when d is a
// multiple of kSlab (a slab step reads at most 64 bytes of a row), fewer otherwise (the hardware
// prefetcher then streams the rest).
template <int kSlab>
__attribute__((always_inline)) inline void AddGradients(const float* x, size_t rows, size_t d, const float* g, float* gw,
                                                        const float* next, size_t next_rows) {
  const char* ahead = reinterpret_cast<const char*>(next);
  const char* const ahead_end = ahead + (next ? next_rows * d * sizeof(float) : 0);
  size_t first = 0;
  for (; first + kSlab <= d; first += kSlab) {
    V8 sums[kSlab];
    for (int k = 0; k < kSlab; ++k) sums[k] = Load8(gw + (first + k) * 8);
    for (size_t row = 0; row < rows; ++row) {
      if (ahead < ahead_end) {
        __builtin_prefetch(ahead, 0, 2);  // into L2 (prefetcht1): L1 holds this batch's rows and scores
        ahead += 64;
      }
      const float* xr = x + row * d + first;
      const V8 gr = Load8(g + row * 8);
      for (int k = 0; k < kSlab; ++k) sums[k] += xr[k] * gr;
    }
    for (int k = 0; k < kSlab; ++k) Store8(gw + (first + k) * 8, sums[k]);
  }
  for (; first < d; ++first) {
    V8 sum = Load8(gw + first * 8);
    for (size_t row = 0; row < rows; ++row) sum += x[row * d + first] * Load8(g + row * 8);
    Store8(gw + first * 8, sum);
  }
}


// Gradients of one mini-batch for one block of eight models, in three passes over the batch:
// every row's eight scores (x . w, all eight models per vector FMA), every score's dloss/dscore
// (in place, four rows in lock-step for logistic loss), then gw[j] += x_j * g. Passes, not row by
// row: done between a row's scores and its gradient, the loss's long chain of dependent
// operations left the FMA pipes idle. The batch's scores (rows x 8 floats) and rows stay in the
// cache between passes. Adds the rows' losses to `losses`.
template <int kSlab>
__attribute__((always_inline)) inline void BlockGradients(const Batch& batch, size_t d, const float* wt, const float* bias8,
                                                          LossKind loss, float* gw, float* gb, double* losses) {
  // Per thread, reused across batches: blocks trained on other threads have their own.
  thread_local std::vector<float> scratch;
  if (scratch.size() < batch.rows * 8) scratch.resize(batch.rows * 8);
  float* g = scratch.data();
  const V8 bias = Load8(bias8);
  size_t row = 0;
  // Eight rows at a time (see ScoreRows).
  for (; row + 8 <= batch.rows; row += 8) {
    V8 s[8];
    ScoreRows(batch.x + row * d, d, wt, bias, s);
    for (int i = 0; i < 8; ++i) Store8(g + (row + i) * 8, s[i]);
  }
  for (; row < batch.rows; ++row) Store8(g + row * 8, ScoreRow(batch.x + row * d, d, wt, bias));
  // The bias gradient and loss sums stay in registers until the batch ends: blocks trained on other
  // threads keep theirs in the same cache lines.
  V8 bias_gradient = Load8(gb);
  double loss_sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  row = 0;
  if (loss == LossKind::kLogistic) {
    for (; row + 4 <= batch.rows;) {
      V8 chunk_loss = {};
      for (const size_t end = std::min(batch.rows, row + kLogisticChunkRows); row + 4 <= end; row += 4) {
        V8 v[4] = {Load8(g + row * 8), Load8(g + row * 8 + 8), Load8(g + row * 8 + 16), Load8(g + row * 8 + 24)};
        LogisticGradients(v, batch.y + row, chunk_loss);
        for (int i = 0; i < 4; ++i) Store8(g + (row + i) * 8, v[i]);
        bias_gradient += (v[0] + v[1]) + (v[2] + v[3]);
      }
      for (int lane = 0; lane < 8; ++lane) loss_sums[lane] += chunk_loss[lane];
    }
  }
  for (; row < batch.rows; ++row) {
    const V8 gradient = GradientOf(loss, Load8(g + row * 8), batch.y[row], loss_sums);
    Store8(g + row * 8, gradient);
    bias_gradient += gradient;
  }
  AddGradients<kSlab>(batch.x, batch.rows, d, g, gw, batch.next, batch.next_rows);
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
  // SSE registers hold half a V8: sixteen of them, eight for a slab of four.
  BlockGradients<4>(b, d, wt, bias8, loss, gw, gb, losses);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void SoftmaxGradientsAvx2(const Batch& b, size_t d, size_t units, size_t classes, const float* wt,
                                                              const float* bias8, float* gw, float* gb, double* loss) {
  SoftmaxGradients(b, d, units, classes, wt, bias8, gw, gb, loss);
}

__attribute__((target("avx2,fma"))) void BlockGradientsAvx2(const Batch& b, size_t d, const float* wt, const float* bias8, LossKind loss,
                                                            float* gw, float* gb, double* losses) {
  // Sixteen YMM registers: eight for the slab, the rest for the row value and the gradient.
  BlockGradients<8>(b, d, wt, bias8, loss, gw, gb, losses);
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
  // Thirty-two vector registers: sixteen for the slab.
  BlockGradients<16>(b, d, wt, bias8, loss, gw, gb, losses);
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
// that, the barrier a mini-batch and the threads' duplicated step cost more than the split saves.
constexpr size_t kRowsPerThread = 256;

// Threads wait here for each other once per mini-batch. A short spin (a mini-batch lasts tens of
// microseconds), then yielding, so an oversubscribed machine is not starved: spinning longer
// (200 us was tried) measured slightly faster on an idle machine but several times slower beside
// one other busy process, whose core the spinning thread then kept from the thread it waited for.
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
  const size_t d = s->d, batch = std::max<size_t>(1, c.batch_size);
  const LinearBlocks layout(d, columns, classes);
  const size_t units = layout.units, blocks = layout.blocks;
  auto position = [&](size_t column) { return layout.Position(column); };
  const double first_step = s->step;
  // The parameters and optimiser state in the block layout for the whole epoch (linear_blocks.h),
  // back in the caller's layout at the end.
  std::vector<float> wt, bias8, m1, mb, v1, vb, gw(blocks * d * 8), gb(blocks * 8), lr8(blocks * 8, 0.0f);
  layout.Transpose(*s, c.use_bias, &wt, &bias8);
  layout.ToBlocks(s->m1, s->mb, &m1, &mb);
  layout.ToBlocks(s->v1, s->vb, &v1, &vb);
  for (size_t column = 0; column < columns; ++column) lr8[position(column)] = c.learning_rates[column / classes];
  std::vector<double> losses(blocks * 8, 0.0);
  // A negative l1 is no L1 (as the CUDA step reads it), not a push away from zero.
  const BlockStep params{d, c.optimizer == "adam" ? BlockOptimizerKind::kAdam : c.optimizer == "rmsprop" ? BlockOptimizerKind::kRmsProp : BlockOptimizerKind::kSgd,
                         c.use_bias, std::max(c.l1, 0.0), c.wd, c.beta1, c.beta2, c.epsilon, c.rmsprop_decay, wt.data(), bias8.data(), m1.data(), v1.data(),
                         mb.data(), vb.data(), gw.data(), gb.data(), lr8.data()};
  const BlockUpdateFn update = BlockUpdateFor(ActiveCpuPath());
  // Features first ... last - 1 of every block of a group (and the biases when with_bias) take the
  // step after batch number `step` of `rows` rows; Adam's bias corrections depend on the step alone.
  auto update_group = [&](const BlockStep& replica, size_t group, size_t first, size_t last, bool with_bias, size_t rows, double step) {
    const double correction1 = 1 - std::pow(c.beta1, step), correction2 = 1 - std::pow(c.beta2, step);
    const size_t group_blocks = classes == 1 ? 1 : units;
    for (size_t block = group * group_blocks; block < (group + 1) * group_blocks; ++block) {
      update(replica, block, first, last, with_bias, rows, correction1, correction2);
    }
  };

  BlockGradientsFn block_gradients;
  SoftmaxGradientsFn softmax_gradients;
  ChooseGradients(ActiveCpuPath(), &block_gradients, &softmax_gradients);
  const size_t groups = classes == 1 ? blocks : models, group_blocks = classes == 1 ? 1 : units;
  // One group's gradients over `rows` with the parameters of `with`, added into the given buffers (and its losses).
  auto group_gradients = [&](const BlockStep& with, size_t group, const Batch& rows, float* into_gw, float* into_gb, double* into_losses) {
    const size_t block = group * group_blocks;
    if (classes == 1) {
      block_gradients(rows, d, with.weights + block * d * 8, with.bias + block * 8, loss, into_gw + block * d * 8, into_gb + block * 8,
                      into_losses + block * 8);
    } else {
      softmax_gradients(rows, d, units, classes, with.weights + block * d * 8, with.bias + block * 8, into_gw + block * d * 8,
                        into_gb + block * 8, into_losses + block * 8);
    }
  };
  // The shared pool's threads (thread_pool.h). The row split's tasks wait on each other at the
  // barriers, so there are never more of them than the pool runs at once.
  const size_t cores = Parallelism();
  const size_t row_threads = groups < cores ? std::min<size_t>(cores, batch / kRowsPerThread) : 1;
  if (row_threads > 1) {
    // Fewer groups than cores (one block of eight models on two cores, say): the threads split
    // each mini-batch's rows, each adding into its own gradient buffers; after one barrier every
    // thread adds all the buffers up, in the same order, and takes the same step on its own copy of
    // the parameters and optimiser state, so the copies stay identical with no second barrier
    // before the next batch (the step is a few microseconds; a barrier is a wait on the slowest
    // thread). The buffers alternate between two sets by batch: a thread writes the next batch's
    // while a slower one still reads this batch's, and cannot get further ahead than that.
    std::vector<std::vector<float>> part_gw(2 * row_threads, std::vector<float>(gw.size())), part_gb(2 * row_threads, std::vector<float>(gb.size()));
    std::vector<std::vector<double>> part_losses(row_threads, std::vector<double>(losses.size(), 0.0));
    // Thread t > 0's copies: weights, biases, moments (m1, v1, mb, vb) and summed gradients.
    std::vector<std::vector<float>> copies(8 * (row_threads - 1));
    std::vector<BlockStep> replicas(row_threads, params);
    for (size_t t = 1; t < row_threads; ++t) {
      std::vector<float>* mine = &copies[8 * (t - 1)];
      mine[0] = wt, mine[1] = bias8, mine[2] = m1, mine[3] = v1, mine[4] = mb, mine[5] = vb, mine[6] = gw, mine[7] = gb;
      BlockStep& r = replicas[t];
      r.weights = mine[0].data(), r.bias = mine[1].data(), r.m1 = mine[2].data(), r.v1 = mine[3].data(), r.mb = mine[4].data(), r.vb = mine[5].data();
      r.grad_w = mine[6].data(), r.grad_b = mine[7].data();
    }
    SpinBarrier barrier(row_threads);
    auto train_rows = [&](size_t t) {
      const BlockStep& replica = replicas[t];
      float* const sum_gw = const_cast<float*>(replica.grad_w);
      float* const sum_gb = const_cast<float*>(replica.grad_b);
      size_t batches = 0;
      for (size_t start = 0; start < n; start += batch, ++batches) {
        const size_t rows = std::min(n, start + batch) - start, set = (batches % 2) * row_threads;
        const size_t lo = start + rows * t / row_threads, hi = start + rows * (t + 1) / row_threads;
        std::vector<float>& my_gw = part_gw[set + t];
        std::vector<float>& my_gb = part_gb[set + t];
        std::fill(my_gw.begin(), my_gw.end(), 0.0f);
        std::fill(my_gb.begin(), my_gb.end(), 0.0f);
        // This thread's share of the next mini-batch, for the prefetch.
        const size_t next_start = start + batch, next_total = std::min(n, next_start + batch) - std::min(n, next_start);
        const size_t next_lo = next_start + next_total * t / row_threads, next_hi = next_start + next_total * (t + 1) / row_threads;
        const Batch mine{x + lo * d, y + lo, hi - lo, next_total ? x + next_lo * d : nullptr, next_hi - next_lo};
        for (size_t group = 0; group < groups && hi > lo; ++group) group_gradients(replica, group, mine, my_gw.data(), my_gb.data(), part_losses[t].data());
        barrier.Wait();
        for (size_t i = 0; i < gw.size(); ++i) {
          float sum = 0;
          for (size_t u = 0; u < row_threads; ++u) sum += part_gw[set + u][i];
          sum_gw[i] = sum;
        }
        for (size_t i = 0; i < gb.size(); ++i) {
          float sum = 0;
          for (size_t u = 0; u < row_threads; ++u) sum += part_gb[set + u][i];
          sum_gb[i] = sum;
        }
        for (size_t group = 0; group < groups; ++group) update_group(replica, group, 0, d, true, rows, first_step + batches + 1);
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
        const size_t next_rows = std::min(n, start + 2 * batch) - std::min(n, start + batch);
        // The first group asks for the next batch's rows; the others find them asked for.
        const Batch current{x + start * d, y + start, rows, next_rows ? x + (start + batch) * d : nullptr, next_rows};
        const Batch current_only{x + start * d, y + start, rows};
        for (size_t group = first; group < last; ++group) {
          const size_t block = group * group_blocks;
          std::fill(gw.data() + block * d * 8, gw.data() + (block + group_blocks) * d * 8, 0.0f);
          std::fill(gb.data() + block * 8, gb.data() + (block + group_blocks) * 8, 0.0f);
          group_gradients(params, group, group == first ? current : current_only, gw.data(), gb.data(), losses.data());
          update_group(params, group, 0, d, true, rows, first_step + batches + 1);
        }
      }
    };
    const size_t threads = std::min<size_t>(groups, cores);
    ParallelFor(threads, [&](size_t t) { train_groups(groups * t / threads, groups * (t + 1) / threads); });
  }
  s->step = first_step + static_cast<double>((n + batch - 1) / batch);
  std::vector<float> unused_bias(columns);
  layout.FromBlocks(wt, bias8, &s->weights, c.use_bias ? &s->bias : &unused_bias);  // without use_bias the biases stay as they were
  layout.FromBlocks(m1, mb, &s->m1, &s->mb);
  layout.FromBlocks(v1, vb, &s->v1, &s->vb);

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
