// The CPU Linear Learner's optimiser step, on the models' parameters and state kept for the whole
// epoch in the kernels' block layout (linear_blocks.h: [block][feature][8 lanes], a lane per weight
// column): the eight lanes of a feature are contiguous, so a step is vector arithmetic over lanes,
// where one column at a time read every parameter eight floats apart in one layout and wrote it
// to two (measured: about a ninth of the epoch).
#pragma once
#include <cstddef>
#include "cpu_paths.h"

namespace sm {

enum class BlockOptimizerKind { kSgd, kAdam, kRmsProp };

// What one step reads and writes. Pointers are to block-layout arrays: blocks x d x 8 for the
// weights, their moments and gradient sums, blocks x 8 for the biases, theirs and the learning rates.
struct BlockStep {
  size_t d;
  BlockOptimizerKind optimizer;
  bool use_bias;
  double l1, wd, beta1, beta2, epsilon, rmsprop_decay;
  float *weights, *bias, *m1, *v1, *mb, *vb;
  const float *grad_w, *grad_b;
  const float* learning_rates;  // per lane; 0 in lanes of no column
};

// One step of features first ... last - 1 of `block` (and its biases when `with_bias`) from the
// gradient sums of a mini-batch of `rows` rows; correction1 and correction2 are Adam's
// 1 - beta^step. The arithmetic is the CUDA step's (linear_device.h), float64 stored as float,
// except that divisions by the step's constants are products by their reciprocals (within an ulp).
using BlockUpdateFn = void (*)(const BlockStep& s, size_t block, size_t first, size_t last, bool with_bias, size_t rows,
                               double correction1, double correction2);

// The step built for the CPU path.
BlockUpdateFn BlockUpdateFor(CpuPath path);

}  // namespace sm
