// What the addon's CUDA code was compiled for and what each device is, so the loader can check a
// device's compute capability against the fat binary before it chooses the CUDA kernels.
#pragma once
#include <string>

namespace sm {

struct CudaDeviceInfo {
  std::string name;
  int major = 0, minor = 0;
  // Set when the device cannot run this binary's code (no SASS of its family and no PTX it can
  // JIT) or cannot be queried: the CUDA runtime's own words.
  std::string problem;
  // Of a probe kernel, as cudaFuncGetAttributes reports them (major * 10 + minor).
  int binary_version = 0, ptx_version = 0;
};

// The -gencode targets, e.g. "sm_75 sm_80 compute_120" (SASS, then PTX as compute_NN).
const char* CudaArchitectures();

// Device `device`'s name and compute capability, and whether this binary's code loads on it.
CudaDeviceInfo CudaDevice(int device);

}  // namespace sm
