// The Node-API surface of the native kernels. Every kernel runs off the event loop in an
// AsyncWorker and settles a promise; Execute() touches no JavaScript and turns every C++
// exception into a rejection naming the kernel. Each family's functions are in its own file.
#include <napi.h>

#include "addon.h"
#ifdef HAVE_CUDA
#include "cuda_devices.h"
#endif
#include "kmeans_cpu.h"
#include "kmeans_cuda.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ExportKMeans(env, exports);
  ExportLinear(env, exports);
  exports.Set("cpuFeatures", Napi::String::New(env, sm::UsesAvx2() ? "avx2+fma" : "x86-64 baseline"));
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
