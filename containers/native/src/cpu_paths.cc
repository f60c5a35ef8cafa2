#include "cpu_paths.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace sm {
namespace {

CpuPath Widest() {
  for (CpuPath path : {CpuPath::kAvx512, CpuPath::kAvx2}) {
    if (CpuSupports(path)) return path;
  }
  return CpuPath::kBaseline;
}

bool Named(const std::string& name, CpuPath* path) {
  if (name == "baseline") *path = CpuPath::kBaseline;
  else if (name == "avx2") *path = CpuPath::kAvx2;
  else if (name == "avx512") *path = CpuPath::kAvx512;
  else if (name == "auto") *path = Widest();
  else return false;
  return true;
}

// SM_NATIVE_CPU_PATH names a path to force at load; one this machine cannot run is ignored (the
// log line names the path in use).
int Initial() {
  CpuPath path = Widest();
  if (const char* name = std::getenv("SM_NATIVE_CPU_PATH")) {
    CpuPath named;
    if (Named(name, &named) && CpuSupports(named)) path = named;
  }
  return static_cast<int>(path);
}

std::atomic<int>& Active() {
  static std::atomic<int> active{Initial()};
  return active;
}

}  // namespace

bool CpuSupports(CpuPath path) {
  if (path == CpuPath::kBaseline) return true;
#if defined(__x86_64__)
  // libgcc's checks include the operating system's support (XGETBV) for the AVX and AVX-512 state.
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (path == CpuPath::kAvx2) return avx2;
  return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

CpuPath ActiveCpuPath() { return static_cast<CpuPath>(Active().load(std::memory_order_relaxed)); }

std::vector<std::string> SupportedCpuPaths() {
  std::vector<std::string> names;
  for (CpuPath path : {CpuPath::kBaseline, CpuPath::kAvx2, CpuPath::kAvx512}) {
    if (CpuSupports(path)) names.push_back(CpuPathName(path));
  }
  return names;
}

const char* CpuPathName(CpuPath path) {
  switch (path) {
    case CpuPath::kAvx512: return "avx512";
    case CpuPath::kAvx2: return "avx2";
    default: return "baseline";
  }
}

void ForceCpuPath(const std::string& name) {
  CpuPath path;
  if (!Named(name, &path)) throw std::invalid_argument("cpu path '" + name + "': use auto, baseline, avx2 or avx512");
  if (!CpuSupports(path)) throw std::invalid_argument("cpu path '" + name + "': this processor (or its operating system) does not support it");
  Active().store(static_cast<int>(path), std::memory_order_relaxed);
}

std::string CpuPathDescription(CpuPath path) {
  switch (path) {
    case CpuPath::kAvx512: return "avx512";
    case CpuPath::kAvx2: return "avx2+fma";
    default: return "x86-64 baseline";
  }
}

}  // namespace sm
