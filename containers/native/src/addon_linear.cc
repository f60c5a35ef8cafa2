// The Node-API surface of the Linear Learner kernels (see addon.cc): an epoch of training and the
// evaluation of every model, on the CPU, on CUDA and in the CUDA kernels' CPU harness; and scores.
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "addon.h"
#include "addon_dataset.h"
#include "linear_cpu.h"
#include "linear_cuda.h"
#include "linear_device.h"
#include "linear_eval.h"
#include "linear_step.h"

namespace {

// One Linear Learner epoch. The parameters and optimiser state are copied in on the main
// thread, trained on the worker, and copied back into the caller's arrays when it finishes.
using LinearKernel = std::vector<double> (*)(const float*, const float*, size_t, sm::LinearState*, const sm::LinearConfig&);
// An epoch on rows and labels already on the GPU (a dataset there); the third pointer is the
// dataset's host copy of the labels, for the checks.
using DeviceLinearKernel = std::vector<double> (*)(const float*, const float*, const float*, size_t, sm::LinearState*, const sm::LinearConfig&);

// The rows and labels of an epoch: two Float32Arrays, or a dataset with labels (createDataset).
struct EpochRows {
  Napi::Float32Array x, y;
  DatasetRows dataset;  // no data: the arrays
};

class LinearEpochWorker : public PromiseWorker {
 public:
  LinearEpochWorker(Napi::Env env, EpochRows rows, size_t n, sm::LinearState state, sm::LinearConfig config, Napi::Float32Array weights,
                    Napi::Float32Array bias, Napi::Float32Array moments, LinearKernel kernel, DeviceLinearKernel device)
      : PromiseWorker(env, "linearEpoch"), weights_ref_(Napi::Persistent(weights)), bias_ref_(Napi::Persistent(bias)),
        moments_ref_(Napi::Persistent(moments)), dataset_(std::move(rows.dataset)), n_(n), state_(std::move(state)), config_(std::move(config)),
        kernel_(kernel), device_(device) {
    if (!dataset_.data) {
      x_ref_ = Napi::Persistent(rows.x);
      y_ref_ = Napi::Persistent(rows.y);
      x_ = rows.x.Data();
      y_ = rows.y.Data();
    }
  }

 protected:
  void Run() override {
    if (!dataset_.data) {
      losses_ = kernel_(x_, y_, n_, &state_, config_);
    } else if (dataset_.data->place() == sm::DatasetPlace::kCuda) {
      if (!device_) dataset_.HostX("linearEpoch");  // throws: this kernel reads host memory
      losses_ = device_(dataset_.DeviceX("linearEpoch"), dataset_.Labels(), dataset_.HostLabels(), n_, &state_, config_);
    } else {
      losses_ = kernel_(dataset_.HostX("linearEpoch"), dataset_.Labels(), n_, &state_, config_);
    }
  }

  Napi::Value Result(Napi::Env env) override {
    std::copy(state_.weights.begin(), state_.weights.end(), weights_ref_.Value().Data());
    std::copy(state_.bias.begin(), state_.bias.end(), bias_ref_.Value().Data());
    float* moments = moments_ref_.Value().Data();
    const size_t md = state_.models * state_.d, m = state_.models;
    std::copy(state_.m1.begin(), state_.m1.end(), moments);
    std::copy(state_.v1.begin(), state_.v1.end(), moments + md);
    std::copy(state_.mb.begin(), state_.mb.end(), moments + 2 * md);
    std::copy(state_.vb.begin(), state_.vb.end(), moments + 2 * md + m);
    Napi::Object out = Napi::Object::New(env);
    auto losses = Napi::Float64Array::New(env, losses_.size());
    std::copy(losses_.begin(), losses_.end(), losses.Data());
    out.Set("losses", losses);
    out.Set("step", Napi::Number::New(env, state_.step));
    return out;
  }

 private:
  Napi::Reference<Napi::Float32Array> x_ref_, y_ref_, weights_ref_, bias_ref_, moments_ref_;
  DatasetRows dataset_;
  const float* x_ = nullptr;
  const float* y_ = nullptr;
  size_t n_;
  sm::LinearState state_;
  sm::LinearConfig config_;
  LinearKernel kernel_;
  DeviceLinearKernel device_;
  std::vector<double> losses_;
};

Napi::Float32Array Float32Arg(const Napi::CallbackInfo& info, size_t index, const char* kernel, const char* name) {
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(kernel) + ": " + name + " must be a Float32Array");
  }
  return info[index].As<Napi::Float32Array>();
}

// The config object of linearEpoch and linearEvaluate (the latter reads loss, classes and useBias).
sm::LinearConfig LinearConfigArg(const Napi::Object& c) {
  sm::LinearConfig config;
  config.loss = c.Get("loss").ToString().Utf8Value();
  config.use_bias = c.Get("useBias").ToBoolean().Value();
  config.classes = c.Has("classes") && !c.Get("classes").IsUndefined() ? c.Get("classes").ToNumber().Uint32Value() : 1;
  if (!c.Has("optimizer")) return config;
  config.optimizer = c.Get("optimizer").ToString().Utf8Value();
  config.batch_size = c.Get("batchSize").ToNumber().Uint32Value();
  config.l1 = c.Get("l1").ToNumber().DoubleValue();
  config.wd = c.Get("wd").ToNumber().DoubleValue();
  if (c.Has("beta1") && !c.Get("beta1").IsUndefined()) config.beta1 = c.Get("beta1").ToNumber().DoubleValue();
  if (c.Has("beta2") && !c.Get("beta2").IsUndefined()) config.beta2 = c.Get("beta2").ToNumber().DoubleValue();
  Napi::Array rates = c.Get("learningRates").As<Napi::Array>();
  for (uint32_t i = 0; i < rates.Length(); ++i) config.learning_rates.push_back(rates.Get(i).ToNumber().FloatValue());
  return config;
}

// linearEpoch(x, y, d, weights, bias, moments, step, config) -> Promise<{ losses, step }>; the
// same for linearEpochCuda and linearEpochCudaHarness. x may be a dataset with labels
// (createDataset), y then null.
Napi::Value StartLinearEpoch(const Napi::CallbackInfo& info, LinearKernel kernel, DeviceLinearKernel device = nullptr) {
  Napi::Env env = info.Env();
  if (info.Length() != 8 || !info[2].IsNumber() || !info[6].IsNumber() || !info[7].IsObject()) {
    throw Napi::TypeError::New(env, "linearEpoch(x, y, d, weights, bias, moments, step, config)");
  }
  EpochRows rows;
  size_t x_values = 0, y_values = 0;
  if (IsDataset(info[0])) {
    rows.dataset = DatasetOf(info[0], "linearEpoch");
    if (!info[1].IsNull() && !info[1].IsUndefined()) throw Napi::TypeError::New(env, "linearEpoch: with a dataset, y must be null (the dataset's labels are used)");
    if (!rows.dataset.data->has_labels()) throw Napi::TypeError::New(env, "linearEpoch: the dataset has no labels (createDataset with y)");
    x_values = rows.dataset.rows * rows.dataset.data->d();
    y_values = rows.dataset.rows;
  } else {
    rows.x = Float32Arg(info, 0, "linearEpoch", "x");
    rows.y = Float32Arg(info, 1, "linearEpoch", "y");
    x_values = rows.x.ElementLength();
    y_values = rows.y.ElementLength();
  }
  auto weights = Float32Arg(info, 3, "linearEpoch", "weights");
  auto bias = Float32Arg(info, 4, "linearEpoch", "bias"), moments = Float32Arg(info, 5, "linearEpoch", "moments");
  const size_t d = info[2].As<Napi::Number>().Uint32Value();
  const size_t m = bias.ElementLength();
  if (rows.dataset.data && rows.dataset.data->d() != d) {
    throw Napi::RangeError::New(env, "linearEpoch: the dataset has d = " + std::to_string(rows.dataset.data->d()) + " features, not " + std::to_string(d));
  }
  if (d == 0 || x_values % d != 0 || y_values != x_values / d || weights.ElementLength() != m * d ||
      moments.ElementLength() != 2 * m * d + 2 * m || m == 0) {
    throw Napi::RangeError::New(env, "linearEpoch: shapes do not fit: x n*d, y n, weights m*d, bias m, moments 2*m*d + 2*m, with m >= 1 and d >= 1");
  }
  sm::LinearConfig config = LinearConfigArg(info[7].As<Napi::Object>());
  sm::LinearState state;
  state.models = m;
  state.d = d;
  state.step = info[6].As<Napi::Number>().DoubleValue();
  state.weights.assign(weights.Data(), weights.Data() + m * d);
  state.bias.assign(bias.Data(), bias.Data() + m);
  const float* mo = moments.Data();
  state.m1.assign(mo, mo + m * d);
  state.v1.assign(mo + m * d, mo + 2 * m * d);
  state.mb.assign(mo + 2 * m * d, mo + 2 * m * d + m);
  state.vb.assign(mo + 2 * m * d + m, mo + 2 * m * d + 2 * m);
  return (new LinearEpochWorker(env, std::move(rows), x_values / d, std::move(state), std::move(config), weights, bias, moments, kernel, device))
      ->Start();
}

Napi::Value LinearEpoch(const Napi::CallbackInfo& info) { return StartLinearEpoch(info, sm::LinearEpoch); }
Napi::Value LinearEpochCudaHarness(const Napi::CallbackInfo& info) { return StartLinearEpoch(info, sm::LinearEpochCudaHarness); }
#ifdef HAVE_CUDA
Napi::Value LinearEpochCuda(const Napi::CallbackInfo& info) { return StartLinearEpoch(info, sm::LinearEpochCuda, sm::LinearEpochCudaDeviceRows); }
#endif

// Every model's metric sums over labelled rows (linear_eval.h), off the event loop.
using EvaluateKernel = std::function<std::vector<double>(const float*, const float*, size_t, const sm::LinearState&, const sm::LinearConfig&)>;
// The sums over rows and labels already on the GPU (a dataset there); the third pointer is the
// dataset's host copy of the labels, for the checks.
using DeviceEvaluateKernel =
    std::function<std::vector<double>(const float*, const float*, const float*, size_t, const sm::LinearState&, const sm::LinearConfig&)>;

class LinearEvaluateWorker : public PromiseWorker {
 public:
  LinearEvaluateWorker(Napi::Env env, const char* name, EpochRows rows, size_t n, sm::LinearState state, sm::LinearConfig config,
                       EvaluateKernel kernel, DeviceEvaluateKernel device)
      : PromiseWorker(env, name), name_(name), dataset_(std::move(rows.dataset)), n_(n), state_(std::move(state)), config_(std::move(config)),
        kernel_(std::move(kernel)), device_(std::move(device)) {
    if (!dataset_.data) {
      x_ref_ = Napi::Persistent(rows.x);
      y_ref_ = Napi::Persistent(rows.y);
      x_ = rows.x.Data();
      y_ = rows.y.Data();
    }
  }

 protected:
  void Run() override {
    if (!dataset_.data) {
      sums_ = kernel_(x_, y_, n_, state_, config_);
    } else if (dataset_.data->place() == sm::DatasetPlace::kCuda) {
      if (!device_) dataset_.HostX(name_);  // throws: this kernel reads host memory
      sums_ = device_(dataset_.DeviceX(name_), dataset_.Labels(), dataset_.HostLabels(), n_, state_, config_);
    } else {
      sums_ = kernel_(dataset_.HostX(name_), dataset_.Labels(), n_, state_, config_);
    }
  }

  Napi::Value Result(Napi::Env env) override {
    auto sums = Napi::Float64Array::New(env, sums_.size());
    std::copy(sums_.begin(), sums_.end(), sums.Data());
    return sums;
  }

 private:
  const char* name_;
  Napi::Reference<Napi::Float32Array> x_ref_, y_ref_;
  DatasetRows dataset_;
  const float* x_ = nullptr;
  const float* y_ = nullptr;
  size_t n_;
  sm::LinearState state_;
  sm::LinearConfig config_;
  EvaluateKernel kernel_;
  DeviceEvaluateKernel device_;
  std::vector<double> sums_;
};

// linearEvaluate(x, y, d, weights, bias, config) -> Promise<Float64Array> (models x width); the
// same for linearEvaluateCuda, and linearEvaluateCudaHarness with a last argument, gridBlocks. x
// may be a dataset with labels (createDataset), y then null, as for linearEpoch.
Napi::Value StartLinearEvaluate(const Napi::CallbackInfo& info, const char* name, EvaluateKernel kernel, size_t arity = 6,
                                DeviceEvaluateKernel device = nullptr) {
  Napi::Env env = info.Env();
  if (info.Length() != arity || !info[2].IsNumber() || !info[5].IsObject()) {
    throw Napi::TypeError::New(env, std::string(name) + "(x, y, d, weights, bias, config" + (arity == 7 ? ", gridBlocks)" : ")"));
  }
  EpochRows rows;
  size_t x_values = 0, y_values = 0;
  if (IsDataset(info[0])) {
    rows.dataset = DatasetOf(info[0], name);
    if (!info[1].IsNull() && !info[1].IsUndefined()) throw Napi::TypeError::New(env, std::string(name) + ": with a dataset, y must be null (the dataset's labels are used)");
    if (!rows.dataset.data->has_labels()) throw Napi::TypeError::New(env, std::string(name) + ": the dataset has no labels (createDataset with y)");
    x_values = rows.dataset.rows * rows.dataset.data->d();
    y_values = rows.dataset.rows;
  } else {
    rows.x = Float32Arg(info, 0, name, "x");
    rows.y = Float32Arg(info, 1, name, "y");
    x_values = rows.x.ElementLength();
    y_values = rows.y.ElementLength();
  }
  auto weights = Float32Arg(info, 3, name, "weights"), bias = Float32Arg(info, 4, name, "bias");
  const size_t d = info[2].As<Napi::Number>().Uint32Value(), m = bias.ElementLength();
  if (rows.dataset.data && rows.dataset.data->d() != d) {
    throw Napi::RangeError::New(env, std::string(name) + ": the dataset has d = " + std::to_string(rows.dataset.data->d()) + " features, not " + std::to_string(d));
  }
  if (d == 0 || m == 0 || x_values % d != 0 || y_values != x_values / d || weights.ElementLength() != m * d) {
    throw Napi::RangeError::New(env, std::string(name) + ": shapes do not fit: x n*d, y n, weights m*d, bias m, with m >= 1 and d >= 1");
  }
  sm::LinearState state;
  state.models = m;
  state.d = d;
  state.weights.assign(weights.Data(), weights.Data() + m * d);
  state.bias.assign(bias.Data(), bias.Data() + m);
  return (new LinearEvaluateWorker(env, name, std::move(rows), x_values / d, std::move(state), LinearConfigArg(info[5].As<Napi::Object>()),
                                   std::move(kernel), std::move(device)))
      ->Start();
}

Napi::Value LinearEvaluate(const Napi::CallbackInfo& info) { return StartLinearEvaluate(info, "linearEvaluate", sm::LinearEvaluate); }
Napi::Value LinearEvaluateCudaHarness(const Napi::CallbackInfo& info) {
  const double grid = info.Length() == 7 && info[6].IsNumber() ? info[6].As<Napi::Number>().DoubleValue() : 0;
  if (!(grid >= 1) || grid != std::floor(grid)) throw Napi::TypeError::New(info.Env(), "linearEvaluateCudaHarness: gridBlocks must be a whole number of at least 1");
  return StartLinearEvaluate(info, "linearEvaluateCudaHarness", [grid](const float* x, const float* y, size_t n, const sm::LinearState& s, const sm::LinearConfig& c) {
    return sm::LinearEvaluateCudaHarness(x, y, n, s, c, static_cast<size_t>(grid));
  }, 7);
}

// Whether the CUDA evaluation (and its harness) takes these models in one block's shared memory:
// the shape of CheckLinearEvaluate without its throw (an unknown loss is not "fits").
bool LinearEvaluateFits(size_t d, size_t columns, const sm::LinearConfig& c) {
  sm::LinearState state;
  state.models = columns;
  state.d = d;
  try {
    const sm::LinearStepShape shape = sm::CheckLinearModels(nullptr, 0, state, c, "linearEvaluateCudaFits");
    return sm::LinearEvalFitsBlock(shape.d, shape.columns, shape.columns / shape.classes, shape.loss, shape.classes);
  } catch (const std::invalid_argument&) {
    return false;
  }
}

#ifdef HAVE_CUDA
// Shapes whose rows and sums do not fit a block's shared memory are evaluated on the CPU; rows
// already on the GPU (a dataset) must fit (linearEvaluateCudaFits: the caller evaluates its host
// rows on the CPU instead).
Napi::Value LinearEvaluateCuda(const Napi::CallbackInfo& info) {
  return StartLinearEvaluate(info, "linearEvaluateCuda", [](const float* x, const float* y, size_t n, const sm::LinearState& s, const sm::LinearConfig& c) {
    const sm::LinearStepShape shape = sm::CheckLinearModels(y, n, s, c, "linearEvaluateCuda");
    const bool fits = sm::LinearEvalFitsBlock(shape.d, shape.columns, shape.columns / shape.classes, shape.loss, shape.classes);
    return fits ? sm::LinearEvaluateCuda(x, y, n, s, c) : sm::LinearEvaluate(x, y, n, s, c);
  }, 6, sm::LinearEvaluateCudaDeviceRows);
}
#endif

// linearScores(x, d, weights, bias, column) -> Float32Array of w.x + b (a fast, synchronous pass).
Napi::Value LinearScores(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = Float32Arg(info, 0, "linearScores", "x"), weights = Float32Arg(info, 2, "linearScores", "weights"), bias = Float32Arg(info, 3, "linearScores", "bias");
  const size_t d = info[1].As<Napi::Number>().Uint32Value(), model = info[4].As<Napi::Number>().Uint32Value();
  if (d == 0 || x.ElementLength() % d != 0 || weights.ElementLength() != bias.ElementLength() * d) {
    throw Napi::RangeError::New(env, "linearScores: x must be whole rows of d features and weights m*d");
  }
  sm::LinearState state;
  state.models = bias.ElementLength();
  state.d = d;
  state.weights.assign(weights.Data(), weights.Data() + weights.ElementLength());
  state.bias.assign(bias.Data(), bias.Data() + bias.ElementLength());
  std::vector<float> scores;
  try {
    scores = sm::LinearScores(x.Data(), x.ElementLength() / d, state, model);
  } catch (const std::exception& error) {
    throw Napi::RangeError::New(env, error.what());
  }
  auto out = Napi::Float32Array::New(env, scores.size());
  std::copy(scores.begin(), scores.end(), out.Data());
  return out;
}

}  // namespace

void ExportLinear(Napi::Env env, Napi::Object exports) {
  exports.Set("linearEpoch", Napi::Function::New(env, LinearEpoch));
  exports.Set("linearEpochCudaHarness", Napi::Function::New(env, LinearEpochCudaHarness));
  // linearEpochCudaFits(d, columns, models): whether a block of the CUDA step holds at least a row.
  exports.Set("linearEpochCudaFits", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return Napi::Boolean::New(i.Env(), sm::LinearRowsPerBlock(i[0].ToNumber().Int32Value(), i[1].ToNumber().Int32Value(), i[2].ToNumber().Int32Value()) >= 1);
  }));
  exports.Set("linearScores", Napi::Function::New(env, LinearScores));
  exports.Set("linearEvaluate", Napi::Function::New(env, LinearEvaluate));
  exports.Set("linearEvaluateCudaHarness", Napi::Function::New(env, LinearEvaluateCudaHarness));
  // linearEvaluateCudaFits(d, columns, config): whether the CUDA evaluation takes these models in a block.
  exports.Set("linearEvaluateCudaFits", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    if (i.Length() != 3 || !i[0].IsNumber() || !i[1].IsNumber() || !i[2].IsObject()) {
      throw Napi::TypeError::New(i.Env(), "linearEvaluateCudaFits(d, columns, config)");
    }
    return Napi::Boolean::New(i.Env(), LinearEvaluateFits(i[0].As<Napi::Number>().Uint32Value(), i[1].As<Napi::Number>().Uint32Value(),
                                                          LinearConfigArg(i[2].As<Napi::Object>())));
  }));
#ifdef HAVE_CUDA
  exports.Set("linearEpochCuda", Napi::Function::New(env, LinearEpochCuda));
  exports.Set("linearEvaluateCuda", Napi::Function::New(env, LinearEvaluateCuda));
#endif
}
