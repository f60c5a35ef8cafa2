// Where the CPU Linear Learner kernels keep the models' weights: blocks of eight lanes laid out
// [feature][lane], so one vector FMA advances eight scores by one feature of a row. Single-output
// models are packed eight to a block; a multiclass model has `units` blocks of its own, its
// classes in the first lanes.
#pragma once
#include <cstddef>
#include <vector>
#include "linear_cpu.h"

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

}  // namespace sm
