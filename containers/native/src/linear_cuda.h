// The CUDA Linear Learner epoch, callable from the addon (HAVE_CUDA), and its CPU harness.
#pragma once
#include <cstddef>
#include <vector>
#include "linear_cpu.h"

namespace sm {

// Same contract as LinearEpoch (linear_cpu.h): copies the rows, parameters and optimiser state
// to the GPU, runs the epoch as one CUDA graph of a launch per mini-batch, and copies the state back. Throws naming the
// kernel and the failing call.
std::vector<double> LinearEpochCuda(const float* x, const float* y, size_t n, LinearState* state, const LinearConfig& config);

// One epoch on device memory already in place (the benchmark calls this on PyTorch's tensors):
// x n x d, y n, weights columns x d, bias/mb/vb columns, m1/v1 columns x d, learning_rates one
// per model, losses one double per model (summed, not divided), scratch columns x (d + 1) + 1
// floats (cleared here). Runs as one CUDA graph on a stream of its own, after the work queued on
// the default stream, and returns when the epoch has finished.
struct DeviceLinear {
  const float* x;
  const float* y;
  size_t n;
  float *weights, *bias, *m1, *v1, *mb, *vb;
  const float* learning_rates;
  double* losses;
  float* scratch;
};
void LinearEpochCudaOnDevice(const DeviceLinear& data, const LinearState& shape, const LinearConfig& config, double first_step);

// The same with the rows and labels already on the GPU (a dataset, dataset.h): only the models'
// state goes in and out, so a training job copies its rows once, not once per epoch. host_y, the
// dataset's host copy of the labels, is what the checks read (a class index out of range would
// index past the weights on the GPU).
std::vector<double> LinearEpochCudaDeviceRows(const float* device_x, const float* device_y, const float* host_y, size_t n, LinearState* state,
                                              const LinearConfig& config);

// The kernel's per-thread code run on the CPU, block by block and phase by phase, over the
// mini-batches of LinearEpochPlan (linear_step.h), which the CUDA graph is built from.
std::vector<double> LinearEpochCudaHarness(const float* x, const float* y, size_t n, LinearState* state, const LinearConfig& config);

}  // namespace sm
