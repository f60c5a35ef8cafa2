// Where the CPU Linear Learner kernels keep the models' weights: blocks of eight lanes laid out
// [feature][lane], so one vector FMA advances eight scores by one feature of a row. Single-output
// models are packed eight to a block; a multiclass model has `units` blocks of its own, its
// classes in the first lanes.
#pragma once
#include <algorithm>
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

  // Per-column arrays (columns x d, and one value per column) in the block layout: [block][feature][8]
  // and [block][8]; lanes of no column stay zero.
  void ToBlocks(const std::vector<float>& by_column, const std::vector<float>& per_column, std::vector<float>* wt, std::vector<float>* b8) const {
    wt->assign(blocks * d * 8, 0.0f);
    b8->assign(blocks * 8, 0.0f);
    for (size_t column = 0; column < columns; ++column) {
      const size_t p = Position(column);
      for (size_t j = 0; j < d; ++j) (*wt)[(p / 8) * d * 8 + j * 8 + p % 8] = by_column[column * d + j];
      (*b8)[p] = per_column[column];
    }
  }

  // Back from the block layout into the per-column arrays.
  void FromBlocks(const std::vector<float>& wt, const std::vector<float>& b8, std::vector<float>* by_column, std::vector<float>* per_column) const {
    for (size_t column = 0; column < columns; ++column) {
      const size_t p = Position(column);
      for (size_t j = 0; j < d; ++j) (*by_column)[column * d + j] = wt[(p / 8) * d * 8 + j * 8 + p % 8];
      (*per_column)[column] = b8[p];
    }
  }

  // The transposed weights [block][feature][8] and biases [block][8] (zero without use_bias).
  void Transpose(const LinearState& s, bool use_bias, std::vector<float>* wt, std::vector<float>* bias8) const {
    ToBlocks(s.weights, s.bias, wt, bias8);
    if (!use_bias) std::fill(bias8->begin(), bias8->end(), 0.0f);
  }
};

// One block's scores of R consecutive rows (x0 and the R - 1 rows after it): R independent FMA
// chains sharing each load of the weights. Eight rows keep the eight FMAs in flight that two FMA
// units with a four-cycle latency need, and load the weights once per eight broadcast row values:
// 37 cycles a row on Zen 4 against 41 with four rows in two chains each (the loads, not the FMAs,
// set that pace), and one chain per row of one row waited on each FMA's result.
template <int R>
__attribute__((always_inline)) inline void ScoreRows(const float* x0, size_t d, const float* wt, V8 bias, V8 (&scores)[R]) {
  V8 s[R];
  for (int i = 0; i < R; ++i) s[i] = bias;
  for (size_t j = 0; j < d; ++j) {
    const V8 w = Load8(wt + j * 8);
    for (int i = 0; i < R; ++i) s[i] += x0[i * d + j] * w;
  }
  for (int i = 0; i < R; ++i) scores[i] = s[i];
}

// One block's scores of one row.
__attribute__((always_inline)) inline V8 ScoreRow(const float* xr, size_t d, const float* wt, V8 bias) {
  V8 score = bias;
  for (size_t j = 0; j < d; ++j) score += xr[j] * Load8(wt + j * 8);
  return score;
}

}  // namespace sm
