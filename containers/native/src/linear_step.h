// What the CUDA Linear Learner kernels and their CPU harness share on the host: the checks of
// their arguments (the CPU kernel's rules) and the per-batch optimiser constants.
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>
#include "linear_cpu.h"
#include "linear_device.h"
#include "linear_eval.h"

namespace sm {

// The checks both CUDA Linear Learner kernels share (the CPU kernel's rules): the loss, the
// classes, the weight columns and (softmax_loss) the labels. Rows per block are left to the caller.
inline LinearStepShape CheckLinearModels(const float* y, size_t n, const LinearState& s, const LinearConfig& c, const char* kernel) {
  const std::string name(kernel);
  LinearStepShape shape{};
  if (c.loss == "logistic") shape.loss = kLinearLogistic;
  else if (c.loss == "hinge_loss") shape.loss = kLinearHinge;
  else if (c.loss == "squared_loss") shape.loss = kLinearSquared;
  else if (c.loss == "absolute_loss") shape.loss = kLinearAbsolute;
  else if (c.loss == "softmax_loss") shape.loss = kLinearSoftmax;
  else throw std::invalid_argument(name + ": unknown loss " + c.loss);
  const size_t classes = c.classes < 1 ? 1 : c.classes;
  if ((shape.loss == kLinearSoftmax) != (classes > 1)) throw std::invalid_argument(name + ": softmax_loss goes with 2 or more classes, the other losses with 1");
  if (s.models == 0 || s.models % classes != 0) throw std::invalid_argument(name + ": the weight columns are not whole models of the classes");
  if (shape.loss == kLinearSoftmax) {
    for (size_t row = 0; row < n; ++row) {
      if (!(y[row] >= 0 && y[row] < classes && y[row] == std::floor(y[row]))) throw std::invalid_argument(name + ": a label is not a class index");
    }
  }
  shape.d = static_cast<int>(s.d);
  shape.columns = static_cast<int>(s.models);
  shape.classes = static_cast<int>(classes);
  shape.use_bias = c.use_bias;
  shape.staged_weights = StagesWeights(shape.d, shape.columns);
  return shape;
}

// An epoch's checks on any kernel, CPU or CUDA: the models', the optimizer and a learning rate per model.
inline LinearStepShape CheckLinearTraining(const float* y, size_t n, const LinearState& s, const LinearConfig& c, const char* kernel) {
  const std::string name(kernel);
  LinearStepShape shape = CheckLinearModels(y, n, s, c, kernel);
  if (c.optimizer != "sgd" && c.optimizer != "adam" && c.optimizer != "rmsprop") throw std::invalid_argument(name + ": unknown optimizer " + c.optimizer);
  if (c.learning_rates.size() != s.models / shape.classes) throw std::invalid_argument(name + ": one learning rate per model");
  return shape;
}

// The CUDA step's checks: the epoch's, and at least a row per block.
inline LinearStepShape CheckLinearEpoch(const float* y, size_t n, const LinearState& s, const LinearConfig& c, const char* kernel) {
  const std::string name(kernel);
  LinearStepShape shape = CheckLinearTraining(y, n, s, c, kernel);
  shape.rows = LinearRowsPerBlock(shape.d, shape.columns, shape.columns / shape.classes);
  if (shape.rows < 1) throw std::invalid_argument(name + ": d + the weight columns are too many for one block's shared memory (about 6,000 at most)");
  return shape;
}

inline LinearStepShape CheckLinearEvaluate(const float* y, size_t n, const LinearState& s, const LinearConfig& c, const char* kernel) {
  LinearStepShape shape = CheckLinearModels(y, n, s, c, kernel);
  const int models = shape.columns / shape.classes;
  shape.rows = LinearEvalRowsPerBlock(shape.d, shape.columns, models, LinearStatWidth(shape.loss, shape.classes));
  if (shape.rows < 1) throw std::invalid_argument(std::string(kernel) + ": d, the weight columns and the classes are too many for one block's shared memory");
  return shape;
}

// The update after batch number `step` (counted from 1 over the whole training) of `rows` rows.
inline LinearUpdate LinearUpdateFor(const LinearConfig& c, double step, size_t rows, const float* learning_rates) {
  LinearUpdate u{};
  u.batch_rows = static_cast<int>(rows);
  u.optimizer = c.optimizer == "adam" ? kLinearAdam : c.optimizer == "rmsprop" ? kLinearRmsProp : kLinearSgd;
  u.rmsprop_decay = c.rmsprop_decay;
  u.l1 = c.l1;
  u.wd = c.wd;
  u.beta1 = c.beta1;
  u.beta2 = c.beta2;
  u.epsilon = c.epsilon;
  u.correction1 = 1 - std::pow(c.beta1, step);
  u.correction2 = 1 - std::pow(c.beta2, step);
  u.learning_rates = learning_rates;
  return u;
}

// One mini-batch of an epoch: its rows and its update. The CUDA epoch captures one launch per
// entry into a CUDA graph; the CPU harness runs the same entries, so CI checks the plan the GPU runs.
struct LinearBatchLaunch {
  size_t start, rows;
  LinearUpdate update;
};

// The epoch's mini-batches in order, the first after `first_step` earlier ones.
inline std::vector<LinearBatchLaunch> LinearEpochPlan(size_t n, const LinearConfig& c, double first_step, const float* learning_rates) {
  const size_t batch = c.batch_size < 1 ? 1 : c.batch_size;
  std::vector<LinearBatchLaunch> plan;
  plan.reserve((n + batch - 1) / batch);
  for (size_t start = 0; start < n; start += batch) {
    const size_t rows = n - start < batch ? n - start : batch;
    plan.push_back({start, rows, LinearUpdateFor(c, first_step + static_cast<double>(plan.size() + 1), rows, learning_rates)});
  }
  return plan;
}

}  // namespace sm
