// CUDA Linear Learner: one launch per mini-batch (linear_device.h) captured as one CUDA graph per
// epoch, and the host entry point that copies the data and state in and out; and evaluation
// of every model in one launch (linear_eval.h).
#include <cuda_runtime.h>
#include <algorithm>
#include <stdexcept>
#include <string>
#include "cuda_calls.h"
#include "linear_cuda.h"
#include "linear_device.h"
#include "linear_eval.h"
#include "linear_step.h"

namespace sm {
namespace {

constexpr char kKernelName[] = "linear_epoch (CUDA)";
using Cuda = CudaCalls<kKernelName>;
constexpr auto Check = Cuda::Check;
template <typename T>
using DeviceBuffer = Cuda::Buffer<T>;

__global__ void __launch_bounds__(kLinearThreads) LinearStepKernel(const float* __restrict__ x, const float* __restrict__ y,
    size_t batch_first, int batch_rows, LinearStepShape s, LinearUpdate u, float* weights, float* bias, float* m1, float* v1,
    float* mb, float* vb, float* grad_w, float* grad_b, double* losses, unsigned* ticket) {
  extern __shared__ float shared[];
  __shared__ bool last;
  const LinearSharedView v = LinearShared(shared, s);
  const int tid = threadIdx.x;
  const int valid = min(s.rows, batch_rows - static_cast<int>(blockIdx.x) * s.rows);
  LoadLinearRows(tid, x, y, batch_first + static_cast<size_t>(blockIdx.x) * s.rows, valid, s, v);
  if (s.staged_weights) LoadLinearWeights(tid, s, weights, bias, v);
  __syncthreads();
  ScoreLinearRows(tid, valid, s, s.staged_weights ? v.weights : weights, s.staged_weights ? v.weights + s.columns * s.d : bias, v);
  __syncthreads();
  LinearResiduals(tid, valid, s, v);
  __syncthreads();
  AddLinearGradients(tid, valid, s, v, grad_w, grad_b, losses);
  // The last block to finish sees every other block's gradients: each block's adds are made
  // visible (fence) before it takes its ticket.
  __threadfence();
  __syncthreads();
  if (tid == 0) last = atomicAdd(ticket, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!last) return;
  __threadfence();
  ApplyLinearUpdate(tid, s, u, weights, bias, m1, v1, mb, vb, grad_w, grad_b);
  if (tid == 0) *ticket = 0;
}

// Evaluation (linear_eval.h): each block walks chunks of rows grid-stride, keeps its sums in
// shared memory, and adds them to the global sums once at the end.
__global__ void __launch_bounds__(kLinearThreads) LinearEvaluateKernel(const float* __restrict__ x, const float* __restrict__ y, size_t n,
    LinearStepShape s, const float* weights, const float* bias, double* sums) {
  extern __shared__ float shared[];
  const LinearSharedView v = LinearShared(shared, s);
  double* block_sums = LinearEvalSums(shared, s);
  const int tid = threadIdx.x, entries = s.columns / s.classes * LinearStatWidth(s.loss, s.classes);
  for (int i = tid; i < entries; i += kLinearThreads) block_sums[i] = 0;
  if (s.staged_weights) LoadLinearWeights(tid, s, weights, bias, v);
  for (size_t first = static_cast<size_t>(blockIdx.x) * s.rows; first < n; first += static_cast<size_t>(gridDim.x) * s.rows) {
    const int valid = static_cast<int>(min(static_cast<size_t>(s.rows), n - first));
    __syncthreads();  // the previous chunk's rows are no longer read
    LoadLinearRows(tid, x, y, first, valid, s, v);
    __syncthreads();
    ScoreLinearRows(tid, valid, s, s.staged_weights ? v.weights : weights, s.staged_weights ? v.weights + s.columns * s.d : bias, v);
    __syncthreads();
    EvaluateLinearRows(tid, valid, s, v);
    __syncthreads();
    AddLinearStatistics(tid, valid, s, v, block_sums);
  }
  for (int i = tid; i < entries; i += kLinearThreads) AtomicAddDouble(sums + i, block_sums[i]);
}

}  // namespace

namespace {

// The epoch's CUDA graph: its stream, the captured graph and the instantiated one, released on
// every path. A capture that fails is ended (and its graph dropped) before the error propagates,
// so the stream never stays in capture mode.
struct EpochGraph {
  cudaStream_t stream = nullptr;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  bool capturing = false;
  ~EpochGraph() {
    if (capturing) {
      cudaGraph_t dropped = nullptr;
      cudaStreamEndCapture(stream, &dropped);
      if (dropped) cudaGraphDestroy(dropped);
    }
    if (exec) cudaGraphExecDestroy(exec);
    if (graph) cudaGraphDestroy(graph);
    if (stream) cudaStreamDestroy(stream);
  }
};

}  // namespace

void LinearEpochCudaOnDevice(const DeviceLinear& a, const LinearState& state, const LinearConfig& config, double first_step) {
  const LinearStepShape s = CheckLinearEpoch(nullptr, 0, state, config, "linearEpochCuda");
  const size_t columns = state.models, d = state.d;
  float* grad_w = a.scratch;
  float* grad_b = grad_w + columns * d;
  unsigned* ticket = reinterpret_cast<unsigned*>(grad_b + columns);
  const size_t shared_bytes = static_cast<size_t>(LinearSharedFloats(s)) * sizeof(float);
  // The whole epoch as one CUDA graph: one launch per mini-batch (the same plan the CPU harness
  // runs), captured on a stream and launched once, instead of thousands of dependent launches each
  // paying the launch latency. The stream is a blocking one, so the graph runs after the work the
  // caller queued on the default stream and before what it queues next.
  const std::vector<LinearBatchLaunch> plan = LinearEpochPlan(a.n, config, first_step, a.learning_rates);
  EpochGraph g;
  Check(cudaStreamCreate(&g.stream), "cudaStreamCreate");
  Check(cudaStreamBeginCapture(g.stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  g.capturing = true;
  Check(cudaMemsetAsync(a.scratch, 0, (columns * (d + 1) + 1) * sizeof(float), g.stream), "cudaMemsetAsync(scratch)");
  Check(cudaMemsetAsync(a.losses, 0, columns / s.classes * sizeof(double), g.stream), "cudaMemsetAsync(losses)");
  for (const LinearBatchLaunch& launch : plan) {
    const unsigned blocks = static_cast<unsigned>((launch.rows + s.rows - 1) / s.rows);
    LinearStepKernel<<<blocks, kLinearThreads, shared_bytes, g.stream>>>(a.x, a.y, launch.start, static_cast<int>(launch.rows), s, launch.update,
                                                                         a.weights, a.bias, a.m1, a.v1, a.mb, a.vb, grad_w, grad_b, a.losses, ticket);
    Check(cudaGetLastError(), "LinearStepKernel launch (capture)");
  }
  g.capturing = false;
  Check(cudaStreamEndCapture(g.stream, &g.graph), "cudaStreamEndCapture");
  Check(cudaGraphInstantiate(&g.exec, g.graph, 0), "cudaGraphInstantiate");
  Check(cudaGraphLaunch(g.exec, g.stream), "cudaGraphLaunch");
  // The graph's resources are released when it finishes (cudaGraphExecDestroy waits for nothing,
  // so wait here: the caller synchronises on the device next anyway).
  Check(cudaStreamSynchronize(g.stream), "cudaStreamSynchronize (epoch graph)");
}

namespace {

// One epoch on rows and labels already on the device: the state goes in and comes out.
std::vector<double> EpochOnDeviceRows(const float* dx, const float* dy, size_t n, LinearState* state, const LinearConfig& config) {
  const LinearStepShape s = CheckLinearEpoch(nullptr, 0, *state, config, "linearEpochCuda");
  const size_t columns = state->models, d = state->d, models = columns / s.classes;
  DeviceBuffer<float> dw(columns * d), db(columns), dm1(columns * d), dv1(columns * d), dmb(columns), dvb(columns), drates(models),
      dscratch(columns * (d + 1) + 1);
  DeviceBuffer<double> dlosses(models);
  auto up = [](float* to, const std::vector<float>& from, const char* what) {
    Check(cudaMemcpy(to, from.data(), from.size() * sizeof(float), cudaMemcpyHostToDevice), what);
  };
  up(dw.ptr, state->weights, "cudaMemcpy(weights)");
  up(db.ptr, state->bias, "cudaMemcpy(bias)");
  up(dm1.ptr, state->m1, "cudaMemcpy(m1)");
  up(dv1.ptr, state->v1, "cudaMemcpy(v1)");
  up(dmb.ptr, state->mb, "cudaMemcpy(mb)");
  up(dvb.ptr, state->vb, "cudaMemcpy(vb)");
  up(drates.ptr, config.learning_rates, "cudaMemcpy(learning rates)");
  LinearEpochCudaOnDevice({dx, dy, n, dw.ptr, db.ptr, dm1.ptr, dv1.ptr, dmb.ptr, dvb.ptr, drates.ptr, dlosses.ptr, dscratch.ptr}, *state, config,
                          state->step);
  Check(cudaDeviceSynchronize(), "cudaDeviceSynchronize (kernel execution)");
  auto down = [](std::vector<float>* to, const float* from, const char* what) {
    Check(cudaMemcpy(to->data(), from, to->size() * sizeof(float), cudaMemcpyDeviceToHost), what);
  };
  down(&state->weights, dw.ptr, "cudaMemcpy(weights back)");
  down(&state->bias, db.ptr, "cudaMemcpy(bias back)");
  down(&state->m1, dm1.ptr, "cudaMemcpy(m1 back)");
  down(&state->v1, dv1.ptr, "cudaMemcpy(v1 back)");
  down(&state->mb, dmb.ptr, "cudaMemcpy(mb back)");
  down(&state->vb, dvb.ptr, "cudaMemcpy(vb back)");
  std::vector<double> losses(models);
  Check(cudaMemcpy(losses.data(), dlosses.ptr, models * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(losses)");
  for (double& loss : losses) loss /= static_cast<double>(std::max<size_t>(1, n));
  state->step += static_cast<double>((n + std::max<size_t>(1, config.batch_size) - 1) / std::max<size_t>(1, config.batch_size));
  return losses;
}

}  // namespace

std::vector<double> LinearEpochCuda(const float* x, const float* y, size_t n, LinearState* state, const LinearConfig& config) {
  CheckLinearEpoch(y, n, *state, config, "linearEpochCuda");
  DeviceBuffer<float> dx(n * state->d), dy(n);
  Check(cudaMemcpy(dx.ptr, x, n * state->d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(x)");
  Check(cudaMemcpy(dy.ptr, y, n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(y)");
  return EpochOnDeviceRows(dx.ptr, dy.ptr, n, state, config);
}

std::vector<double> LinearEpochCudaDeviceRows(const float* device_x, const float* device_y, const float* host_y, size_t n, LinearState* state,
                                              const LinearConfig& config) {
  CheckLinearEpoch(host_y, n, *state, config, "linearEpochCuda");
  return EpochOnDeviceRows(device_x, device_y, n, state, config);
}

void LinearEvaluateCudaOnDevice(const float* x, const float* y, size_t n, const float* weights, const float* bias, const LinearState& state,
                                const LinearConfig& config, double* sums) {
  const LinearStepShape s = CheckLinearEvaluate(nullptr, 0, state, config, "linearEvaluateCuda");
  const size_t entries = state.models / s.classes * LinearStatWidth(s.loss, s.classes);
  Check(cudaMemsetAsync(sums, 0, entries * sizeof(double)), "cudaMemsetAsync(sums)");
  if (n == 0) return;
  // As many blocks as are resident at once (each walks its share of the rows), at most one per chunk.
  const size_t shared_bytes = static_cast<size_t>(LinearEvalSharedFloats(s)) * sizeof(float);
  int device = 0, sms = 0, per_sm = 0;
  Check(cudaGetDevice(&device), "cudaGetDevice");
  Check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute(SM count)");
  Check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, LinearEvaluateKernel, kLinearThreads, shared_bytes), "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  const size_t chunks = (n + s.rows - 1) / s.rows;
  const unsigned blocks = static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(chunks, static_cast<size_t>(sms) * std::max(per_sm, 1))));
  LinearEvaluateKernel<<<blocks, kLinearThreads, shared_bytes>>>(x, y, n, s, weights, bias, sums);
  Check(cudaGetLastError(), "LinearEvaluateKernel launch");
}

namespace {

// The sums over rows and labels already on the device: the weights go in, the sums come out.
std::vector<double> EvaluateOnDeviceRows(const float* dx, const float* dy, size_t n, const LinearState& state, const LinearConfig& config,
                                         size_t entries) {
  const size_t d = state.d;
  DeviceBuffer<float> dw(state.models * d), db(state.models);
  DeviceBuffer<double> dsums(entries);
  Check(cudaMemcpy(dw.ptr, state.weights.data(), state.models * d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(weights)");
  Check(cudaMemcpy(db.ptr, state.bias.data(), state.models * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(bias)");
  LinearEvaluateCudaOnDevice(dx, dy, n, dw.ptr, db.ptr, state, config, dsums.ptr);
  Check(cudaDeviceSynchronize(), "cudaDeviceSynchronize (kernel execution)");
  std::vector<double> sums(entries);
  Check(cudaMemcpy(sums.data(), dsums.ptr, entries * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy(sums)");
  return sums;
}

}  // namespace

std::vector<double> LinearEvaluateCuda(const float* x, const float* y, size_t n, const LinearState& state, const LinearConfig& config) {
  const LinearStepShape s = CheckLinearEvaluate(y, n, state, config, "linearEvaluateCuda");
  const size_t d = state.d, entries = state.models / s.classes * LinearStatWidth(s.loss, s.classes);
  DeviceBuffer<float> dx(n * d), dy(n);
  Check(cudaMemcpy(dx.ptr, x, n * d * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(x)");
  Check(cudaMemcpy(dy.ptr, y, n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(y)");
  return EvaluateOnDeviceRows(dx.ptr, dy.ptr, n, state, config, entries);
}

std::vector<double> LinearEvaluateCudaDeviceRows(const float* device_x, const float* device_y, const float* host_y, size_t n,
                                                 const LinearState& state, const LinearConfig& config) {
  const LinearStepShape s = CheckLinearEvaluate(host_y, n, state, config, "linearEvaluateCuda");
  return EvaluateOnDeviceRows(device_x, device_y, n, state, config, state.models / s.classes * LinearStatWidth(s.loss, s.classes));
}

}  // namespace sm
