// Where the CPU Linear Learner kernels keep the models' weights: blocks of eight lanes laid out
// [feature][lane], so one vector FMA advances eight scores by one feature of a row. Single-output
// models are packed eight to a block; a multiclass model has `units` blocks of its own, its
// classes in the first lanes.
#pragma once
#include <cstddef>
#include <vector>
#include "linear_cpu.h"
#include "vector8.h"

namespace sm {

struct LinearBlocks {
  size_t d, columns, classes, models, units, blocks;

  LinearBlocks(size_t d_, size_t columns_, size_t classes_)
      : d(d_), columns(columns_), classes(classes_), models(columns_ / classes_), units((classes_ + 7) / 8),
        blocks(classes_ == 1 ? (columns_ + 7) / 8 : models * units) {}

  // The lane of a weight column, counted over all blocks.
  size_t Position(size_t column) const { return classes == 1 ? column : (column / classes) * units * 8 + column % classes; }

  // The transposed weights [block][feature][8] and biases [block][8] (zero without use_bias);
  // lanes of no column stay zero.
  void Transpose(const LinearState& s, bool use_bias, std::vector<float>* wt, std::vector<float>* bias8) const {
    wt->assign(blocks * d * 8, 0.0f);
    bias8->assign(blocks * 8, 0.0f);
    for (size_t column = 0; column < columns; ++column) {
      const size_t p = Position(column);
      for (size_t j = 0; j < d; ++j) (*wt)[(p / 8) * d * 8 + j * 8 + p % 8] = s.weights[column * d + j];
      (*bias8)[p] = use_bias ? s.bias[column] : 0.0f;
    }
  }
};

// One block's scores of four rows (x0 and the three rows after it): eight independent FMA chains,
// two per row (even and odd features, added at the end). One chain per row kept four FMAs in flight
// against the eight that two FMA units with a four-cycle latency need: the loop ran at half speed,
// waiting on each FMA's result (measured: the epoch's largest cost).
__attribute__((always_inline)) inline void ScoreFourRows(const float* x0, size_t d, const float* wt, V8 bias, V8 (&scores)[4]) {
  const float *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
  V8 s0 = bias, s1 = bias, s2 = bias, s3 = bias;
  V8 t0 = bias * 0.0f, t1 = t0, t2 = t0, t3 = t0;
  size_t j = 0;
  for (; j + 2 <= d; j += 2) {
    const V8 w = Load8(wt + j * 8), v = Load8(wt + j * 8 + 8);
    s0 += x0[j] * w;
    s1 += x1[j] * w;
    s2 += x2[j] * w;
    s3 += x3[j] * w;
    t0 += x0[j + 1] * v;
    t1 += x1[j + 1] * v;
    t2 += x2[j + 1] * v;
    t3 += x3[j + 1] * v;
  }
  if (j < d) {
    const V8 w = Load8(wt + j * 8);
    s0 += x0[j] * w;
    s1 += x1[j] * w;
    s2 += x2[j] * w;
    s3 += x3[j] * w;
  }
  scores[0] = s0 + t0;
  scores[1] = s1 + t1;
  scores[2] = s2 + t2;
  scores[3] = s3 + t3;
}

// One block's scores of one row.
__attribute__((always_inline)) inline V8 ScoreRow(const float* xr, size_t d, const float* wt, V8 bias) {
  V8 score = bias;
  for (size_t j = 0; j < d; ++j) score += xr[j] * Load8(wt + j * 8);
  return score;
}

}  // namespace sm
