// The Node-API surface of datasets (dataset.h): createDataset(x, d, y, place) copies the rows (and
// labels) once, off the event loop, into host memory or onto the GPU, and resolves to an object
// the kernels take in place of x. Its dispose() releases the dataset at once (kernels already
// running on it keep it until they finish); garbage collection releases one never disposed.
// dataset.slice(first, rows) is a view of consecutive rows (a mini-batch) that kernels take the
// same way; it does not keep the dataset alive: once the dataset is disposed, its views are too.
#include <cmath>
#include <memory>
#include <string>

#include "addon.h"
#include "addon_dataset.h"
#include "dataset.h"

namespace {

// Tags the External that carries the dataset, so no other External passes for one.
const napi_type_tag kDatasetTag = {0x6a1d3f0e5b7c4a29ull, 0x93e2b8d4c1f07a65ull};

// A dataset object owns its dataset; a view (slice) only refers to it.
struct Holder {
  std::shared_ptr<sm::Dataset> owner;
  std::weak_ptr<sm::Dataset> view;
  size_t first = 0, rows = 0;
  std::shared_ptr<sm::Dataset> Get() const { return owner ? owner : view.lock(); }
};

Napi::Value Dispose(const Napi::CallbackInfo& info);
Napi::Value Slice(const Napi::CallbackInfo& info);

// The JavaScript object of a dataset or a view: its handle (a tagged External, whose finalizer
// drops the holder when the object is collected) and what it describes.
Napi::Object DatasetObject(Napi::Env env, Holder* h, const sm::Dataset& data) {
  auto handle = Napi::External<Holder>::New(env, h, [](Napi::Env, Holder* held) { delete held; });
  handle.TypeTag(&kDatasetTag);
  Napi::Object out = Napi::Object::New(env);
  out.DefineProperty(Napi::PropertyDescriptor::Value("handle", handle, napi_default));
  out.Set("n", Napi::Number::New(env, static_cast<double>(h->rows)));
  out.Set("d", Napi::Number::New(env, static_cast<double>(data.d())));
  out.Set("place", Napi::String::New(env, data.place() == sm::DatasetPlace::kCuda ? "cuda" : "host"));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(h->rows * (data.d() + (data.has_labels() ? 1 : 0)) * sizeof(float))));
  out.Set("hasLabels", Napi::Boolean::New(env, data.has_labels()));
  out.Set("dispose", Napi::Function::New(env, Dispose));
  out.Set("slice", Napi::Function::New(env, Slice));
  return out;
}

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

  Napi::Value Result(Napi::Env env) override { return DatasetObject(env, new Holder{data_, {}, 0, data_->n()}, *data_); }

 private:
  Napi::Reference<Napi::Float32Array> x_ref_, y_ref_;
  const float* x_;
  const float* y_ = nullptr;
  size_t n_, d_;
  sm::DatasetPlace place_;
  std::shared_ptr<sm::Dataset> data_;
};

bool IsDatasetObject(const Napi::Value& value);

Holder* HolderOf(const Napi::Value& value) { return value.As<Napi::Object>().Get("handle").As<Napi::External<Holder>>().Data(); }

// dataset.dispose(): releases the dataset now (a kernel running on it keeps it until it finishes;
// its views can no longer be used); calling it again does nothing. On a view: forgets the view.
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (!IsDatasetObject(info.This())) throw Napi::TypeError::New(info.Env(), "dispose: call it on the dataset (dataset.dispose())");
  Holder* h = HolderOf(info.This());
  h->owner.reset();
  h->view.reset();
  return info.Env().Undefined();
}

// dataset.slice(first, rows): a view of rows first ... first + rows - 1 (of this dataset or view).
Napi::Value Slice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsDatasetObject(info.This())) throw Napi::TypeError::New(env, "slice: call it on the dataset (dataset.slice(first, rows))");
  const Holder* h = HolderOf(info.This());
  const std::shared_ptr<sm::Dataset> data = h->Get();
  if (!data) throw Napi::Error::New(env, "slice: the dataset was disposed");
  const double first = info.Length() == 2 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  const double rows = info.Length() == 2 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  if (!(first >= 0) || !(rows >= 0) || first != std::floor(first) || rows != std::floor(rows) || first + rows > static_cast<double>(h->rows)) {
    throw Napi::RangeError::New(env, "slice(first, rows): whole numbers with first + rows <= " + std::to_string(h->rows) + " (the rows here)");
  }
  return DatasetObject(env, new Holder{nullptr, data, h->first + static_cast<size_t>(first), static_cast<size_t>(rows)}, *data);
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

DatasetRows DatasetOf(const Napi::Value& value, const char* kernel) {
  if (!IsDataset(value)) throw Napi::TypeError::New(value.Env(), std::string(kernel) + ": not a dataset (createDataset)");
  const Holder* h = HolderOf(value);
  DatasetRows rows{h->Get(), h->first, h->rows};
  if (!rows.data) throw Napi::Error::New(value.Env(), std::string(kernel) + ": the dataset was disposed");
  return rows;
}

void ExportDataset(Napi::Env env, Napi::Object exports) {
  exports.Set("createDataset", Napi::Function::New(env, CreateDataset));
  exports.Set("datasetsLive", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return Napi::Number::New(i.Env(), static_cast<double>(sm::Dataset::Live()));
  }));
}
