// Which vector code the CPU kernels run: each kernel's hot loops are compiled for the x86-64
// baseline (SSE2), for AVX2 + FMA and for AVX-512 (F, VL, BW, DQ), and one is chosen at run time:
// the widest this processor and its operating system support, unless a narrower one is forced
// (SM_NATIVE_CPU_PATH at load, or ForceCpuPath: the tests run every supported path against the
// float64 reference, and the benchmarks compare them).
#pragma once
#include <string>
#include <vector>

namespace sm {

enum class CpuPath { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

// Whether this machine can run the path.
bool CpuSupports(CpuPath path);

// The path every CPU kernel call runs from now on.
CpuPath ActiveCpuPath();

// The names of the paths this machine supports, narrowest first: "baseline", "avx2", "avx512".
std::vector<std::string> SupportedCpuPaths();

const char* CpuPathName(CpuPath path);

// Forces a path by name ("auto": the widest supported). Throws std::invalid_argument for an
// unknown name or a path this machine cannot run.
void ForceCpuPath(const std::string& name);

// A description for logs: "avx512", "avx2+fma", "x86-64 baseline".
std::string CpuPathDescription(CpuPath path);

}  // namespace sm
