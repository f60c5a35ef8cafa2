// Runs the CUDA Linear Learner kernels' per-thread functions (linear_device.h, linear_eval.h) on
// the CPU: every phase for every thread of a block before the next (the GPU's __syncthreads), the
// blocks one after another (their atomics become plain adds), and the step's last block's update
// after them all.
#include <algorithm>
#include <vector>
#include "linear_cuda.h"
#include "linear_device.h"
#include "linear_eval.h"
#include "linear_step.h"

namespace sm {

std::vector<double> LinearEpochCudaHarness(const float* x, const float* y, size_t n, LinearState* state, const LinearConfig& config) {
  const LinearStepShape s = CheckLinearEpoch(y, n, *state, config, "linearEpochCudaHarness");
  const size_t columns = state->models, d = state->d, models = columns / s.classes;
  std::vector<float> grad_w(columns * d, 0.0f), grad_b(columns, 0.0f);
  std::vector<double> losses(models, 0.0);
  std::vector<float> shared(LinearSharedFloats(s));
  const LinearSharedView v = LinearShared(shared.data(), s);
  // The mini-batches the CUDA epoch captures into its graph, in the same order.
  const std::vector<LinearBatchLaunch> plan = LinearEpochPlan(n, config, state->step, config.learning_rates.data());
  for (const LinearBatchLaunch& launch : plan) {
    const size_t start = launch.start, rows = launch.rows;
    const size_t blocks = (rows + s.rows - 1) / s.rows;
    for (size_t block = 0; block < blocks; ++block) {
      const int valid = static_cast<int>(std::min<size_t>(s.rows, rows - block * s.rows));
      const size_t first = start + block * s.rows;
      for (int tid = 0; tid < kLinearThreads; ++tid) {
        LoadLinearRows(tid, x, y, first, valid, s, v);
        if (s.staged_weights) LoadLinearWeights(tid, s, state->weights.data(), state->bias.data(), v);
      }
      const float* weights = s.staged_weights ? v.weights : state->weights.data();
      const float* bias = s.staged_weights ? v.weights + s.columns * s.d : state->bias.data();
      for (int tid = 0; tid < kLinearThreads; ++tid) ScoreLinearRows(tid, valid, s, weights, bias, v);
      for (int tid = 0; tid < kLinearThreads; ++tid) LinearResiduals(tid, valid, s, v);
      for (int tid = 0; tid < kLinearThreads; ++tid) AddLinearGradients(tid, valid, s, v, grad_w.data(), grad_b.data(), losses.data());
    }
    for (int tid = 0; tid < kLinearThreads; ++tid) {
      ApplyLinearUpdate(tid, s, launch.update, state->weights.data(), state->bias.data(), state->m1.data(), state->v1.data(), state->mb.data(),
                        state->vb.data(), grad_w.data(), grad_b.data());
    }
  }
  const size_t step = plan.size();
  state->step += static_cast<double>(step);
  for (double& loss : losses) loss /= static_cast<double>(std::max<size_t>(1, n));
  return losses;
}

// The evaluation kernel's blocks one after another, each walking its chunks grid-stride as on the
// GPU (so a block's sums span several chunks), phase by phase for every thread.
std::vector<double> LinearEvaluateCudaHarness(const float* x, const float* y, size_t n, const LinearState& state, const LinearConfig& config,
                                              size_t grid_blocks) {
  const LinearStepShape s = CheckLinearEvaluate(y, n, state, config, "linearEvaluateCudaHarness");
  const size_t entries = state.models / s.classes * LinearStatWidth(s.loss, s.classes);
  std::vector<double> sums(entries, 0.0);
  std::vector<float> shared(LinearEvalSharedFloats(s) + 1);
  const LinearSharedView v = LinearShared(shared.data(), s);
  double* block_sums = LinearEvalSums(shared.data(), s);
  const float* weights = s.staged_weights ? v.weights : state.weights.data();
  const float* bias = s.staged_weights ? v.weights + s.columns * s.d : state.bias.data();
  for (size_t block = 0; block < grid_blocks; ++block) {
    std::fill(block_sums, block_sums + entries, 0.0);
    for (int tid = 0; tid < kLinearThreads && s.staged_weights; ++tid) LoadLinearWeights(tid, s, state.weights.data(), state.bias.data(), v);
    for (size_t first = block * s.rows; first < n; first += grid_blocks * s.rows) {
      const int valid = static_cast<int>(std::min<size_t>(s.rows, n - first));
      for (int tid = 0; tid < kLinearThreads; ++tid) LoadLinearRows(tid, x, y, first, valid, s, v);
      for (int tid = 0; tid < kLinearThreads; ++tid) ScoreLinearRows(tid, valid, s, weights, bias, v);
      for (int tid = 0; tid < kLinearThreads; ++tid) EvaluateLinearRows(tid, valid, s, v);
      for (int tid = 0; tid < kLinearThreads; ++tid) AddLinearStatistics(tid, valid, s, v, block_sums);
    }
    for (size_t i = 0; i < entries; ++i) sums[i] += block_sums[i];
  }
  return sums;
}

}  // namespace sm
