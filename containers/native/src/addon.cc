// The Node-API surface of the native kernels. Every kernel runs off the event loop in an
// AsyncWorker and settles a promise; Execute() touches no JavaScript and turns every C++
// exception into a rejection naming the kernel. Each family's functions are in its own file.
#include <napi.h>

#include <string>
#include <vector>

#include "addon.h"
#include "addon_dataset.h"
#include "cpu_paths.h"
#include "thread_pool.h"
#ifdef HAVE_CUDA
#include "cuda_devices.h"
#endif
#include "kmeans_cpu.h"
#include "kmeans_cuda.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ExportKMeans(env, exports);
  ExportLinear(env, exports);
  ExportDataset(env, exports);
  ExportRows(env, exports);
  // The CPU kernels' vector path in use at load (cpu_paths.h), the paths this machine supports,
  // and setCpuPath(name) to force one ('auto' | 'baseline' | 'avx2' | 'avx512'; the tests run
  // every supported path), which returns the description of the path now in use.
  exports.Set("cpuFeatures", Napi::String::New(env, sm::CpuPathDescription(sm::ActiveCpuPath())));
  const std::vector<std::string> paths = sm::SupportedCpuPaths();
  Napi::Array supported = Napi::Array::New(env, paths.size());
  for (size_t i = 0; i < paths.size(); ++i) supported.Set(static_cast<uint32_t>(i), paths[i]);
  exports.Set("cpuPaths", supported);
  exports.Set("setCpuPath", Napi::Function::New(env, [](const Napi::CallbackInfo& i) -> Napi::Value {
    if (i.Length() != 1 || !i[0].IsString()) {
      Napi::TypeError::New(i.Env(), "setCpuPath(name: 'auto' | 'baseline' | 'avx2' | 'avx512')").ThrowAsJavaScriptException();
      return i.Env().Undefined();
    }
    try {
      sm::ForceCpuPath(i[0].As<Napi::String>().Utf8Value());
    } catch (const std::exception& error) {
      Napi::RangeError::New(i.Env(), std::string("setCpuPath: ") + error.what()).ThrowAsJavaScriptException();
      return i.Env().Undefined();
    }
    return Napi::String::New(i.Env(), sm::CpuPathDescription(sm::ActiveCpuPath()));
  }));
  // Threads the shared pool has started since load (its size less one; kernel calls start none).
  exports.Set("poolThreadsStarted", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return Napi::Number::New(i.Env(), static_cast<double>(sm::PoolThreadsStarted()));
  }));
#ifdef HAVE_CUDA
  exports.Set("cudaCompiled", Napi::Boolean::New(env, true));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Napi::Number::New(i.Env(), sm::CudaDeviceCount()); }));
  exports.Set("cudaArchitectures", Napi::String::New(env, sm::CudaArchitectures()));
  // Every device's name, compute capability and whether this binary's code loads on it.
  exports.Set("cudaDevices", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    Napi::Env env = i.Env();
    const int count = sm::CudaDeviceCount();
    Napi::Array devices = Napi::Array::New(env, count);
    for (int device = 0; device < count; ++device) {
      const sm::CudaDeviceInfo info = sm::CudaDevice(device);
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("name", info.name);
      entry.Set("major", info.major);
      entry.Set("minor", info.minor);
      if (!info.problem.empty()) entry.Set("problem", info.problem);
      entry.Set("binaryVersion", info.binary_version);
      entry.Set("ptxVersion", info.ptx_version);
      devices.Set(static_cast<uint32_t>(device), entry);
    }
    return devices;
  }));
#else
  exports.Set("cudaCompiled", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(sagemaker_native, Init)
