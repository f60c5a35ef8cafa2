// The Node-API surface of the K-Means kernels (see addon.cc): the assignment pass on the CPU, on
// CUDA, and the CUDA kernels' CPU harness.
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "addon.h"
#include "addon_dataset.h"
#include "kmeans_cpu.h"
#include "kmeans_cuda.h"  // the CPU harness is always built; the CUDA path only with HAVE_CUDA
#include "kmeans_device.h"
#include "kmeans_tf32.h"

namespace {

using Kernel = std::function<sm::AssignResult(const float*, size_t, size_t, const float*, size_t)>;

// The rows of an assignment: a Float32Array, or a dataset (createDataset) in host memory or on
// the GPU; `device` is the kernel for rows already on the GPU (none: such a dataset is refused).
struct AssignRows {
  Napi::Float32Array array;
  DatasetRows dataset;  // no data: the array
};

class AssignWorker : public PromiseWorker {
 public:
  AssignWorker(Napi::Env env, const char* name, AssignRows rows, Napi::Float32Array centers, size_t n, size_t d, size_t k, Kernel kernel,
               Kernel device)
      : PromiseWorker(env, name), name_(name), centers_ref_(Napi::Persistent(centers)), dataset_(std::move(rows.dataset)),
        centers_(centers.Data()), n_(n), d_(d), k_(k), kernel_(std::move(kernel)), device_(std::move(device)) {
    if (!dataset_.data) {
      x_ref_ = Napi::Persistent(rows.array);
      x_ = rows.array.Data();
    }
  }

 protected:
  // The values are checked here, off the event loop: the scan of every row costs a noticeable part
  // of an iteration (a dataset's rows were scanned once, when it was made). A value that is not
  // finite rejects the promise, naming it (a dataset's rows were checked when it was made).
  void Run() override {
    if (!dataset_.data) {
      sm::CheckAssignInputs(x_, n_, d_, centers_, k_, name_);
      result_ = kernel_(x_, n_, d_, centers_, k_);
      return;
    }
    sm::CheckAssignInputs(nullptr, 0, d_, centers_, k_, name_);  // the rows were checked when the dataset was made
    if (dataset_.data->place() == sm::DatasetPlace::kCuda) {
      if (!device_) dataset_.HostX(name_);  // throws: this kernel reads host memory
      result_ = device_(dataset_.DeviceX(name_), n_, d_, centers_, k_);
    } else {
      result_ = kernel_(dataset_.HostX(name_), n_, d_, centers_, k_);
    }
  }

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
  const char* name_;
  Napi::Reference<Napi::Float32Array> x_ref_, centers_ref_;
  DatasetRows dataset_;
  const float* x_ = nullptr;
  const float* centers_;
  size_t n_, d_, k_;
  Kernel kernel_, device_;
  sm::AssignResult result_;
};

// Checks the arguments and shapes before anything runs; throws a JavaScript TypeError/RangeError.
bool ValidateAssign(const Napi::CallbackInfo& info, const char* kernel, AssignRows* rows, Napi::Float32Array* centers,
                    size_t* n, size_t* d, size_t* k, size_t arity = 3) {
  Napi::Env env = info.Env();
  const bool dataset = info.Length() > 0 && IsDataset(info[0]);
  if (info.Length() != arity || !(info[0].IsTypedArray() || dataset) || !info[1].IsTypedArray() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, std::string(kernel) + "(x: Float32Array | dataset, centers: Float32Array, d: number)").ThrowAsJavaScriptException();
    return false;
  }
  if ((!dataset && info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Napi::TypeError::New(env, std::string(kernel) + ": x and centers must be Float32Arrays").ThrowAsJavaScriptException();
    return false;
  }
  if (dataset) {
    rows->dataset = DatasetOf(info[0], kernel);
  } else {
    rows->array = info[0].As<Napi::Float32Array>();
  }
  const size_t x_values = dataset ? rows->dataset.rows * rows->dataset.data->d() : rows->array.ElementLength();
  *centers = info[1].As<Napi::Float32Array>();
  const double dim = info[2].As<Napi::Number>().DoubleValue();
  if (!(dim >= 1) || dim != std::floor(dim)) {
    Napi::RangeError::New(env, std::string(kernel) + ": d must be a whole number of at least 1, got " + std::to_string(dim)).ThrowAsJavaScriptException();
    return false;
  }
  *d = static_cast<size_t>(dim);
  if (dataset && rows->dataset.data->d() != *d) {
    Napi::RangeError::New(env, std::string(kernel) + ": the dataset has d = " + std::to_string(rows->dataset.data->d()) + " features, not " + std::to_string(*d))
        .ThrowAsJavaScriptException();
    return false;
  }
  if (x_values % *d != 0 || centers->ElementLength() % *d != 0 || centers->ElementLength() == 0) {
    Napi::RangeError::New(env, std::string(kernel) + ": x (" + std::to_string(x_values) + " values) and centers (" +
                          std::to_string(centers->ElementLength()) + " values) must be whole rows of d = " + std::to_string(*d) + " features, with at least one center")
        .ThrowAsJavaScriptException();
    return false;
  }
  *n = x_values / *d;
  *k = centers->ElementLength() / *d;
  // The values (NaN, infinities) are checked by the worker, off the event loop (CheckAssignInputs).
  return true;
}

Napi::Value StartAssign(const Napi::CallbackInfo& info, const char* name, Kernel kernel, size_t arity = 3, Kernel device = nullptr) {
  AssignRows rows;
  Napi::Float32Array centers;
  size_t n = 0, d = 0, k = 0;
  if (!ValidateAssign(info, name, &rows, &centers, &n, &d, &k, arity)) return info.Env().Undefined();
  return (new AssignWorker(info.Env(), name, std::move(rows), centers, n, d, k, std::move(kernel), std::move(device)))->Start();
}

Napi::Value AssignCpu(const Napi::CallbackInfo& info) {
  return StartAssign(info, "kmeansAssignCpu", [](const float* x, size_t n, size_t d, const float* c, size_t k) { return sm::AssignCpu(x, n, d, c, k, 0); });
}

// The kernels by name (kmeans_cuda.h): 'resident' keeps its sums in registers where they fit;
// 'resident-registers' and 'resident-shared' force one way; 'tf32' is the mma.sync kernel and
// 'tf32-wmma' the earlier WMMA one.
constexpr char kKernelNames[] = "'resident' | 'resident-registers' | 'resident-shared' | 'tiled' | 'tf32' | 'tf32-wmma'";

bool KernelNamed(const std::string& name, sm::AssignKernel* kernel) {
  if (name == "resident") *kernel = sm::AssignKernel::kResident;
  else if (name == "resident-registers") *kernel = sm::AssignKernel::kResidentRegisters;
  else if (name == "resident-shared") *kernel = sm::AssignKernel::kResidentShared;
  else if (name == "tiled") *kernel = sm::AssignKernel::kTiled;
  else if (name == "tf32") *kernel = sm::AssignKernel::kTf32;
  else if (name == "tf32-wmma") *kernel = sm::AssignKernel::kTf32Wmma;
  else return false;
  return true;
}

// kmeansAssignCudaHarness(x, centers, d, kernel (kKernelNames), gridBlocks): one of the CUDA
// kernels run on the CPU (kmeans_harness.cc).
Napi::Value AssignCudaHarness(const Napi::CallbackInfo& info) {
  const std::string name = info.Length() == 5 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  sm::AssignKernel kernel;
  if (!KernelNamed(name, &kernel) || !info[4].IsNumber() || info[4].As<Napi::Number>().Int64Value() < 1) {
    Napi::TypeError::New(info.Env(), std::string("kmeansAssignCudaHarness(x, centers, d, kernel: ") + kKernelNames + ", gridBlocks >= 1)")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const size_t grid = static_cast<size_t>(info[4].As<Napi::Number>().Int64Value());
  return StartAssign(info, "kmeansAssignCudaHarness", [kernel, grid](const float* x, size_t n, size_t d, const float* c, size_t k) {
    return sm::AssignCudaHarness(x, n, d, c, k, kernel, grid);
  }, 5);
}

// The kernel kmeansAssignCuda chooses by shape for k centers of d features (the CUDA harness runs
// that one in its place). ChooseAssignKernel is compiled with the CUDA kernels; without them, the
// same rule from kmeans_device.h: resident for up to 64 padded centers that fit, else tiled.
const char* AssignKernelFor(size_t k, size_t d) {
#ifdef HAVE_CUDA
  return sm::ChooseAssignKernel(k, d) == sm::AssignKernel::kResident ? "resident" : "tiled";
#else
  const int ki = static_cast<int>(k), di = static_cast<int>(d);
  return sm::PaddedCenters(ki) <= 64 && sm::FitsResident(ki, di) ? "resident" : "tiled";
#endif
}

#ifdef HAVE_CUDA
// kmeansAssignCuda(x, centers, d, kernel? (kKernelNames)): the kernel is chosen by shape unless
// named (the tests run each on a GPU).
Napi::Value AssignCuda(const Napi::CallbackInfo& info) {
  if (info.Length() == 4) {
    const std::string name = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
    sm::AssignKernel kernel;
    if (!KernelNamed(name, &kernel)) {
      Napi::TypeError::New(info.Env(), std::string("kmeansAssignCuda: kernel must be one of ") + kKernelNames).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return StartAssign(info, "kmeansAssignCuda", [kernel](const float* x, size_t n, size_t d, const float* c, size_t k) {
      return sm::AssignCuda(x, n, d, c, k, kernel);
    }, 4, [kernel](const float* x, size_t n, size_t d, const float* c, size_t k) {
      return sm::AssignCudaDeviceRows(x, n, d, c, k, kernel);
    });
  }
  return StartAssign(info, "kmeansAssignCuda", [](const float* x, size_t n, size_t d, const float* c, size_t k) {
    return sm::AssignCuda(x, n, d, c, k, sm::ChooseAssignKernel(k, d));
  }, 3, [](const float* x, size_t n, size_t d, const float* c, size_t k) {
    return sm::AssignCudaDeviceRows(x, n, d, c, k, sm::ChooseAssignKernel(k, d));
  });
}
#endif

}  // namespace

void ExportKMeans(Napi::Env env, Napi::Object exports) {
  exports.Set("kmeansAssignCpu", Napi::Function::New(env, AssignCpu));
  exports.Set("kmeansAssignCudaHarness", Napi::Function::New(env, AssignCudaHarness));
  // kmeansAssignCudaKernel(k, d): 'resident' or 'tiled', the kernel chosen by shape.
  exports.Set("kmeansAssignCudaKernel", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    const double k = i.Length() == 2 && i[0].IsNumber() ? i[0].As<Napi::Number>().DoubleValue() : 0;
    const double d = i.Length() == 2 && i[1].IsNumber() ? i[1].As<Napi::Number>().DoubleValue() : 0;
    if (!(k >= 1) || !(d >= 1) || k != std::floor(k) || d != std::floor(d)) {
      throw Napi::TypeError::New(i.Env(), "kmeansAssignCudaKernel(k, d): whole numbers of at least 1");
    }
    return Napi::String::New(i.Env(), AssignKernelFor(static_cast<size_t>(k), static_cast<size_t>(d)));
  }));
  exports.Set("kmeansTf32MaxFeatures", Napi::Number::New(env, sm::Tf32MaxFeatures()));
#ifdef HAVE_CUDA
  exports.Set("kmeansAssignCuda", Napi::Function::New(env, AssignCuda));
#endif
}
