// Linear Learner on the CPU: one epoch of mini-batch training of several linear models at once
// (the built-in trains many in parallel and keeps the best), and batch prediction.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace sm {

struct LinearConfig {
  std::string loss;        // logistic | squared_loss | absolute_loss
  std::string optimizer;   // sgd | adam
  size_t batch_size = 1000;
  double l1 = 0, wd = 0;
  std::vector<float> learning_rates;  // one per model
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  bool use_bias = true;
};

// Models' parameters and optimiser state, m x d weights (+ m biases), updated in place.
struct LinearState {
  size_t models = 0, d = 0;
  std::vector<float> weights, bias;
  std::vector<float> m1, v1, mb, vb;  // Adam moments
  double step = 0;
};

// One pass over the rows in order; returns each model's mean loss over the epoch.
std::vector<double> LinearEpoch(const float* x, const float* y, size_t n, LinearState* state, const LinearConfig& config);

// Raw scores (w.x + b) of one model for every row.
std::vector<float> LinearScores(const float* x, size_t n, const LinearState& state, size_t model);

}  // namespace sm
