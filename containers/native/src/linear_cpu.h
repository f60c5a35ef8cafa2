// Linear Learner on the CPU: one epoch of mini-batch training of several linear models at once
// (the built-in trains many in parallel and keeps the best), and batch prediction.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace sm {

struct LinearConfig {
  std::string loss;        // logistic | hinge_loss | squared_loss | absolute_loss | softmax_loss (classes >= 2)
  std::string optimizer;   // sgd | adam | rmsprop
  size_t batch_size = 1000;
  double l1 = 0, wd = 0;
  std::vector<float> learning_rates;  // one per model
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  // RMSProp's decay of the mean squared gradient (MXNet's default, which the built-in trains with).
  double rmsprop_decay = 0.9;
  bool use_bias = true;
  // Outputs per model: 1, or the number of classes for softmax_loss. Model k owns the columns
  // k * classes ... k * classes + classes - 1 of the weights.
  size_t classes = 1;
};

// Models' parameters and optimiser state, updated in place: `models` is the number of weight
// columns (models x classes), each d weights and a bias.
struct LinearState {
  size_t models = 0, d = 0;
  std::vector<float> weights, bias;
  std::vector<float> m1, v1, mb, vb;  // Adam moments (RMSProp keeps its mean square in v1, vb)
  double step = 0;
};

// One pass over the rows in order; returns each model's mean loss over the epoch (one per model,
// not per column). Labels are 0/1 for logistic and hinge loss, class indices for softmax_loss.
std::vector<double> LinearEpoch(const float* x, const float* y, size_t n, LinearState* state, const LinearConfig& config);

// Raw scores (w.x + b) of one weight column for every row.
std::vector<float> LinearScores(const float* x, size_t n, const LinearState& state, size_t column);

}  // namespace sm
