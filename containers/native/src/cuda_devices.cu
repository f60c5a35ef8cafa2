// The fat binary's targets and each device's compute capability, with a probe kernel compiled for
// the same targets as the real ones: if it has no image for a device, neither have they.
#include <cuda_runtime.h>
#include <string>
#include "cuda_devices.h"

#ifndef SM_CUDA_ARCHITECTURES
#error "build.sh defines SM_CUDA_ARCHITECTURES as the -gencode targets it compiles for"
#endif

namespace sm {
namespace {

__global__ void ProbeKernel(int* out) {
  if (out != nullptr) *out = 1;
}

}  // namespace

const char* CudaArchitectures() { return SM_CUDA_ARCHITECTURES; }

CudaDeviceInfo CudaDevice(int device) {
  CudaDeviceInfo info;
  cudaDeviceProp properties;
  cudaError_t status = cudaGetDeviceProperties(&properties, device);
  if (status != cudaSuccess) {
    info.problem = std::string("cudaGetDeviceProperties failed: ") + cudaGetErrorString(status);
    cudaGetLastError();
    return info;
  }
  info.name = properties.name;
  info.major = properties.major;
  info.minor = properties.minor;
  int previous = 0;
  cudaGetDevice(&previous);
  status = cudaSetDevice(device);
  cudaFuncAttributes attributes;
  if (status == cudaSuccess) status = cudaFuncGetAttributes(&attributes, ProbeKernel);
  if (status != cudaSuccess) {
    info.problem = std::string("no loadable code for this device (") + cudaGetErrorString(status) + ")";
    cudaGetLastError();
  } else {
    info.binary_version = attributes.binaryVersion;
    info.ptx_version = attributes.ptxVersion;
  }
  cudaSetDevice(previous);
  return info;
}

}  // namespace sm
