// The Node-API surface of the native kernels. Every kernel runs off the event loop in an
// AsyncWorker and settles a promise; Execute() touches no JavaScript and turns every C++
// exception into a rejection naming the kernel. Each family's functions are in its own file.
#include <napi.h>

#include "addon.h"
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
#else
  exports.Set("cudaCompiled", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(sagemaker_native, Init)
