// Eight floats per operation with GCC's vector extension: the same source compiles to SSE pairs
// for the x86-64 baseline and to 256-bit FMA for AVX2. Kernels build their hot loops for both and
// choose once at run time with HasAvx2Fma(). Everything that takes a V8 by value is always
// inlined: a call between code built for the two targets would pass the vector differently on
// each side (what the psabi warning is about).
#pragma once
#include <cstdint>
#include <cstring>

namespace sm {

typedef float V8 __attribute__((vector_size(32)));
typedef int32_t V8i __attribute__((vector_size(32)));

__attribute__((always_inline)) inline V8 Load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

__attribute__((always_inline)) inline void Store8(float* p, V8 v) { std::memcpy(p, &v, sizeof(v)); }

inline bool HasAvx2Fma() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

}  // namespace sm
