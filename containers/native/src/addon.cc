// The Node-API surface of the native kernels. Every kernel runs off the event loop in an
// AsyncWorker and settles a promise; Execute() touches no JavaScript and turns every C++
// exception into a rejection naming the kernel.
#include <napi.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "kmeans_cpu.h"
#include "kmeans_cuda.h"  // the CPU harness is always built; the CUDA path only with HAVE_CUDA

namespace {

using Kernel = std::function<sm::AssignResult(const float*, size_t, size_t, const float*, size_t)>;

class AssignWorker : public Napi::AsyncWorker {
 public:
  AssignWorker(Napi::Env env, Napi::Float32Array x, Napi::Float32Array centers, size_t n, size_t d, size_t k, Kernel kernel)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
        // The typed arrays stay referenced, so their memory lives until the worker finishes.
        x_ref_(Napi::Persistent(x)), centers_ref_(Napi::Persistent(centers)),
        x_(x.Data()), centers_(centers.Data()), n_(n), d_(d), k_(k), kernel_(std::move(kernel)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = kernel_(x_, n_, d_, centers_, k_);
    } catch (const std::exception& error) {
      SetError(error.what());
    } catch (...) {
      SetError("kmeans.assign: unknown native error");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
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
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Float32Array> x_ref_, centers_ref_;
  const float* x_;
  const float* centers_;
  size_t n_, d_, k_;
  Kernel kernel_;
  sm::AssignResult result_;
};

// Checks shapes and values before anything runs; throws a JavaScript TypeError/RangeError.
bool ValidateAssign(const Napi::CallbackInfo& info, const char* kernel, Napi::Float32Array* x, Napi::Float32Array* centers,
                    size_t* n, size_t* d, size_t* k) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
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

Napi::Value StartAssign(const Napi::CallbackInfo& info, const char* name, Kernel kernel) {
  Napi::Float32Array x, centers;
  size_t n = 0, d = 0, k = 0;
  if (!ValidateAssign(info, name, &x, &centers, &n, &d, &k)) return info.Env().Undefined();
  auto* worker = new AssignWorker(info.Env(), x, centers, n, d, k, std::move(kernel));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value AssignCpu(const Napi::CallbackInfo& info) {
  return StartAssign(info, "kmeansAssignCpu", [](const float* x, size_t n, size_t d, const float* c, size_t k) { return sm::AssignCpu(x, n, d, c, k, 0); });
}

Napi::Value AssignCudaHarness(const Napi::CallbackInfo& info) {
  return StartAssign(info, "kmeansAssignCudaHarness", sm::AssignCudaHarness);
}

#ifdef HAVE_CUDA
Napi::Value AssignCuda(const Napi::CallbackInfo& info) {
  return StartAssign(info, "kmeansAssignCuda", sm::AssignCuda);
}
#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("kmeansAssignCpu", Napi::Function::New(env, AssignCpu));
  exports.Set("kmeansAssignCudaHarness", Napi::Function::New(env, AssignCudaHarness));
  exports.Set("cpuFeatures", Napi::String::New(env, sm::UsesAvx2() ? "avx2+fma" : "x86-64 baseline"));
#ifdef HAVE_CUDA
  exports.Set("cudaCompiled", Napi::Boolean::New(env, true));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Napi::Number::New(i.Env(), sm::CudaDeviceCount()); }));
  exports.Set("kmeansAssignCuda", Napi::Function::New(env, AssignCuda));
#else
  exports.Set("cudaCompiled", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(sagemaker_native, Init)
