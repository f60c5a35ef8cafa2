// The Node-API surface of the K-Means kernels (see addon.cc): the assignment pass on the CPU, on
// CUDA, and the CUDA kernels' CPU harness.
#include <cmath>
#include <functional>
#include <string>

#include "addon.h"
#include "kmeans_cpu.h"
#include "kmeans_cuda.h"  // the CPU harness is always built; the CUDA path only with HAVE_CUDA
#include "kmeans_tf32.h"

namespace {

using Kernel = std::function<sm::AssignResult(const float*, size_t, size_t, const float*, size_t)>;

class AssignWorker : public PromiseWorker {
 public:
  AssignWorker(Napi::Env env, const char* name, Napi::Float32Array x, Napi::Float32Array centers, size_t n, size_t d, size_t k, Kernel kernel)
      : PromiseWorker(env, name), x_ref_(Napi::Persistent(x)), centers_ref_(Napi::Persistent(centers)),
        x_(x.Data()), centers_(centers.Data()), n_(n), d_(d), k_(k), kernel_(std::move(kernel)) {}

 protected:
  void Run() override { result_ = kernel_(x_, n_, d_, centers_, k_); }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    auto labels = Napi::Int32Array::New(env, n_);
    auto distances = Napi::Float32Array::New(env, n_);
    auto sums = Napi::Float64Array::New(env, k_ * d_);
    auto counts = Napi::Float64Array::New(env, k_);
    std::copy(result_.labels.begin(), result_.labels.end(), labels.Data());
    std::copy(result_.distances.begin(), result_.distances.end(), distances.Data());
    std::copy(result_.sums.begin(), result_.sums.end(), sums.Data());
    std::copy(result_.counts.begin(), result_.counts.end(), counts.Data());
    out.Set("labels", labels);
    out.Set("distances", distances);
    out.Set("sums", sums);
    out.Set("counts", counts);
    out.Set("inertia", Napi::Number::New(env, result_.inertia));
    return out;
  }

 private:
  Napi::Reference<Napi::Float32Array> x_ref_, centers_ref_;
  const float* x_;
  const float* centers_;
  size_t n_, d_, k_;
  Kernel kernel_;
  sm::AssignResult result_;
};

// Checks shapes and values before anything runs; throws a JavaScript TypeError/RangeError.
bool ValidateAssign(const Napi::CallbackInfo& info, const char* kernel, Napi::Float32Array* x, Napi::Float32Array* centers,
                    size_t* n, size_t* d, size_t* k, size_t arity = 3) {
  Napi::Env env = info.Env();
  if (info.Length() != arity || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, std::string(kernel) + "(x: Float32Array, centers: Float32Array, d: number)").ThrowAsJavaScriptException();
    return false;
  }
  if (info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Napi::TypeError::New(env, std::string(kernel) + ": x and centers must be Float32Arrays").ThrowAsJavaScriptException();
    return false;
  }
  *x = info[0].As<Napi::Float32Array>();
  *centers = info[1].As<Napi::Float32Array>();
  const double dim = info[2].As<Napi::Number>().DoubleValue();
  if (!(dim >= 1) || dim != std::floor(dim)) {
    Napi::RangeError::New(env, std::string(kernel) + ": d must be a whole number of at least 1, got " + std::to_string(dim)).ThrowAsJavaScriptException();
    return false;
  }
  *d = static_cast<size_t>(dim);
  if (x->ElementLength() % *d != 0 || centers->ElementLength() % *d != 0 || centers->ElementLength() == 0) {
    Napi::RangeError::New(env, std::string(kernel) + ": x (" + std::to_string(x->ElementLength()) + " values) and centers (" +
                          std::to_string(centers->ElementLength()) + " values) must be whole rows of d = " + std::to_string(*d) + " features, with at least one center")
        .ThrowAsJavaScriptException();
    return false;
  }
  *n = x->ElementLength() / *d;
  *k = centers->ElementLength() / *d;
  for (const Napi::Float32Array* array : {x, centers}) {
    const float* data = array->Data();
    // A float is NaN or infinite exactly when its exponent bits are all ones. An integer OR over
    // the array vectorises (a float sum would be a serial chain); search only if something is off.
    const uint32_t* bits = reinterpret_cast<const uint32_t*>(data);
    uint32_t bad = 0;
    for (size_t i = 0; i < array->ElementLength(); ++i) bad |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
    if (bad == 0) continue;
    for (size_t i = 0; i < array->ElementLength(); ++i) {
      if (!std::isfinite(data[i])) {
        Napi::RangeError::New(env, std::string(kernel) + ": " + (array == x ? "x" : "centers") + "[" + std::to_string(i) + "] is not finite").ThrowAsJavaScriptException();
        return false;
      }
    }
  }
  return true;
}

Napi::Value StartAssign(const Napi::CallbackInfo& info, const char* name, Kernel kernel, size_t arity = 3) {
  Napi::Float32Array x, centers;
  size_t n = 0, d = 0, k = 0;
  if (!ValidateAssign(info, name, &x, &centers, &n, &d, &k, arity)) return info.Env().Undefined();
  return (new AssignWorker(info.Env(), name, x, centers, n, d, k, std::move(kernel)))->Start();
}

Napi::Value AssignCpu(const Napi::CallbackInfo& info) {
  return StartAssign(info, "kmeansAssignCpu", [](const float* x, size_t n, size_t d, const float* c, size_t k) { return sm::AssignCpu(x, n, d, c, k, 0); });
}

bool KernelNamed(const std::string& name, sm::AssignKernel* kernel) {
  if (name == "resident") *kernel = sm::AssignKernel::kResident;
  else if (name == "tiled") *kernel = sm::AssignKernel::kTiled;
  else if (name == "tf32") *kernel = sm::AssignKernel::kTf32;
  else return false;
  return true;
}

// kmeansAssignCudaHarness(x, centers, d, kernel: 'resident' | 'tiled' | 'tf32', gridBlocks): one of the
// CUDA kernels run on the CPU (kmeans_harness.cc).
Napi::Value AssignCudaHarness(const Napi::CallbackInfo& info) {
  const std::string name = info.Length() == 5 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  sm::AssignKernel kernel;
  if (!KernelNamed(name, &kernel) || !info[4].IsNumber() || info[4].As<Napi::Number>().Int64Value() < 1) {
    Napi::TypeError::New(info.Env(), "kmeansAssignCudaHarness(x, centers, d, kernel: 'resident' | 'tiled' | 'tf32', gridBlocks >= 1)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const size_t grid = static_cast<size_t>(info[4].As<Napi::Number>().Int64Value());
  return StartAssign(info, "kmeansAssignCudaHarness", [kernel, grid](const float* x, size_t n, size_t d, const float* c, size_t k) {
    return sm::AssignCudaHarness(x, n, d, c, k, kernel, grid);
  }, 5);
}

#ifdef HAVE_CUDA
// kmeansAssignCuda(x, centers, d, kernel?: 'resident' | 'tiled' | 'tf32'): the kernel is chosen by shape
// unless named (the tests run both on a GPU).
Napi::Value AssignCuda(const Napi::CallbackInfo& info) {
  if (info.Length() == 4) {
    const std::string name = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
    sm::AssignKernel kernel;
    if (!KernelNamed(name, &kernel)) {
      Napi::TypeError::New(info.Env(), "kmeansAssignCuda: kernel must be 'resident', 'tiled' or 'tf32'").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return StartAssign(info, "kmeansAssignCuda", [kernel](const float* x, size_t n, size_t d, const float* c, size_t k) {
      return sm::AssignCuda(x, n, d, c, k, kernel);
    }, 4);
  }
  return StartAssign(info, "kmeansAssignCuda", [](const float* x, size_t n, size_t d, const float* c, size_t k) {
    return sm::AssignCuda(x, n, d, c, k, sm::ChooseAssignKernel(k, d));
  });
}
#endif

}  // namespace

void ExportKMeans(Napi::Env env, Napi::Object exports) {
  exports.Set("kmeansAssignCpu", Napi::Function::New(env, AssignCpu));
  exports.Set("kmeansAssignCudaHarness", Napi::Function::New(env, AssignCudaHarness));
  exports.Set("kmeansTf32MaxFeatures", Napi::Number::New(env, sm::Tf32MaxFeatures()));
#ifdef HAVE_CUDA
  exports.Set("kmeansAssignCuda", Napi::Function::New(env, AssignCuda));
#endif
}
