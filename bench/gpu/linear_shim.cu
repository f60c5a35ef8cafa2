// C entry points to the CUDA Linear Learner kernels for the GPU benchmark (linear_learner_gpu.py),
// on PyTorch's device tensors: an epoch (logistic loss, Adam, L2 `wd`, one learning rate per model)
// and the evaluation of every model (logistic loss, with biases). Each returns NULL, or the error
// message.
#include <stdexcept>
#include <string>
#include "../../containers/native/src/linear_cuda.h"
#include "../../containers/native/src/linear_eval.h"

namespace {

// Runs `call`, returning NULL or the message of what it threw (kept until the next failure).
template <typename Call>
const char* Guard(Call call) {
  static thread_local std::string error;
  try {
    call();
    return nullptr;
  } catch (const std::exception& e) {
    error = e.what();
    return error.c_str();
  }
}

sm::LinearState Shape(size_t models, size_t d) {
  sm::LinearState shape;
  shape.models = models;
  shape.d = d;
  return shape;
}

}  // namespace

extern "C" const char* sm_linear_epoch(const float* x, const float* y, size_t n, size_t d, size_t models, size_t batch,
                                       const float* learning_rates, double wd, float* weights, float* bias, float* m1, float* v1,
                                       float* mb, float* vb, double* losses, float* scratch) {
  return Guard([&] {
    sm::LinearConfig config;
    config.loss = "logistic";
    config.optimizer = "adam";
    config.batch_size = batch;
    config.wd = wd;
    config.learning_rates.assign(models, 0.0f);  // only their count is checked on the host; the kernel reads learning_rates
    sm::LinearEpochCudaOnDevice({x, y, n, weights, bias, m1, v1, mb, vb, learning_rates, losses, scratch}, Shape(models, d), config, 0);
  });
}

extern "C" const char* sm_linear_evaluate(const float* x, const float* y, size_t n, size_t d, size_t models, const float* weights,
                                          const float* bias, double* sums) {
  return Guard([&] {
    sm::LinearConfig config;
    config.loss = "logistic";
    sm::LinearEvaluateCudaOnDevice(x, y, n, weights, bias, Shape(models, d), config, sums);
  });
}
