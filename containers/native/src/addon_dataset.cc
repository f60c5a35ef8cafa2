// The Node-API surface of datasets (dataset.h): createDataset(x, d, y, place) copies the rows (and
// labels) once, off the event loop, into host memory or onto the GPU, and resolves to an object
// the kernels take in place of x. Its dispose() releases the dataset at once (kernels already
// running on it keep it until they finish); garbage collection releases one never disposed.
#include <cmath>
#include <memory>
#include <string>

#include "addon.h"
#include "addon_dataset.h"
#include "dataset.h"

namespace {

// Tags the External that carries the dataset, so no other External passes for one.
const napi_type_tag kDatasetTag = {0x6a1d3f0e5b7c4a29ull, 0x93e2b8d4c1f07a65ull};

struct Holder {
  std::shared_ptr<sm::Dataset> data;
};

Napi::Value Dispose(const Napi::CallbackInfo& info);

class CreateDatasetWorker : public PromiseWorker {
 public:
  CreateDatasetWorker(Napi::Env env, Napi::Float32Array x, Napi::Value y, size_t n, size_t d, sm::DatasetPlace place)
      : PromiseWorker(env, "createDataset"), x_ref_(Napi::Persistent(x)), x_(x.Data()), n_(n), d_(d), place_(place) {
    if (y.IsTypedArray()) {
      Napi::Float32Array labels = y.As<Napi::Float32Array>();
      y_ref_ = Napi::Persistent(labels);
      y_ = labels.Data();
    }
  }

 protected:
  void Run() override { data_ = sm::Dataset::Create(x_, n_, d_, y_, place_); }

  Napi::Value Result(Napi::Env env) override {
    auto holder = Napi::External<Holder>::New(env, new Holder{data_}, [](Napi::Env, Holder* h) { delete h; });
    holder.TypeTag(&kDatasetTag);
    Napi::Object out = Napi::Object::New(env);
    out.DefineProperty(Napi::PropertyDescriptor::Value("handle", holder, napi_default));
    out.Set("n", Napi::Number::New(env, static_cast<double>(data_->n())));
    out.Set("d", Napi::Number::New(env, static_cast<double>(data_->d())));
    out.Set("place", Napi::String::New(env, data_->place() == sm::DatasetPlace::kCuda ? "cuda" : "host"));
    out.Set("bytes", Napi::Number::New(env, static_cast<double>(data_->bytes())));
    out.Set("hasLabels", Napi::Boolean::New(env, data_->has_labels()));
    out.Set("dispose", Napi::Function::New(env, Dispose));
    return out;
  }

 private:
  Napi::Reference<Napi::Float32Array> x_ref_, y_ref_;
  const float* x_;
  const float* y_ = nullptr;
  size_t n_, d_;
  sm::DatasetPlace place_;
  std::shared_ptr<sm::Dataset> data_;
};

bool IsDatasetObject(const Napi::Value& value);

// dataset.dispose(): releases the dataset now (a kernel running on it keeps it until it finishes);
// calling it again does nothing.
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (!IsDatasetObject(info.This())) throw Napi::TypeError::New(info.Env(), "dispose: call it on the dataset (dataset.dispose())");
  info.This().As<Napi::Object>().Get("handle").As<Napi::External<Holder>>().Data()->data.reset();
  return info.Env().Undefined();
}

// createDataset(x: Float32Array, d: number, y: Float32Array | null, place: 'host' | 'cuda').
Napi::Value CreateDataset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "createDataset(x: Float32Array, d: number, y: Float32Array | null, place: 'host' | 'cuda')";
  if (info.Length() != 4 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      !info[1].IsNumber() || !(info[2].IsNull() || info[2].IsUndefined() ||
                               (info[2].IsTypedArray() && info[2].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array)) ||
      !info[3].IsString()) {
    throw Napi::TypeError::New(env, usage);
  }
  const std::string where = info[3].As<Napi::String>().Utf8Value();
  if (where != "host" && where != "cuda") throw Napi::TypeError::New(env, std::string("createDataset: place must be 'host' or 'cuda', got '") + where + "'");
  const double dim = info[1].As<Napi::Number>().DoubleValue();
  Napi::Float32Array x = info[0].As<Napi::Float32Array>();
  if (!(dim >= 1) || dim != std::floor(dim) || x.ElementLength() % static_cast<size_t>(dim) != 0) {
    throw Napi::RangeError::New(env, "createDataset: x (" + std::to_string(x.ElementLength()) + " values) must be whole rows of d = " + std::to_string(dim) +
                                         " features (a whole number of at least 1)");
  }
  const size_t d = static_cast<size_t>(dim), n = x.ElementLength() / d;
  if (info[2].IsTypedArray() && info[2].As<Napi::Float32Array>().ElementLength() != n) {
    throw Napi::RangeError::New(env, "createDataset: y has " + std::to_string(info[2].As<Napi::Float32Array>().ElementLength()) + " labels for " +
                                         std::to_string(n) + " rows");
  }
  const sm::DatasetPlace place = where == "cuda" ? sm::DatasetPlace::kCuda : sm::DatasetPlace::kHost;
  return (new CreateDatasetWorker(env, x, info[2], n, d, place))->Start();
}

bool IsDatasetObject(const Napi::Value& value) {
  if (!value.IsObject() || value.IsTypedArray()) return false;
  Napi::Value handle = value.As<Napi::Object>().Get("handle");
  return handle.IsExternal() && handle.As<Napi::External<Holder>>().CheckTypeTag(&kDatasetTag);
}

}  // namespace

bool IsDataset(const Napi::Value& value) { return IsDatasetObject(value); }

std::shared_ptr<sm::Dataset> DatasetOf(const Napi::Value& value, const char* kernel) {
  if (!IsDataset(value)) throw Napi::TypeError::New(value.Env(), std::string(kernel) + ": not a dataset (createDataset)");
  std::shared_ptr<sm::Dataset> data = value.As<Napi::Object>().Get("handle").As<Napi::External<Holder>>().Data()->data;
  if (!data) throw Napi::Error::New(value.Env(), std::string(kernel) + ": the dataset was disposed");
  return data;
}

void ExportDataset(Napi::Env env, Napi::Object exports) {
  exports.Set("createDataset", Napi::Function::New(env, CreateDataset));
  exports.Set("datasetsLive", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return Napi::Number::New(i.Env(), static_cast<double>(sm::Dataset::Live()));
  }));
}
