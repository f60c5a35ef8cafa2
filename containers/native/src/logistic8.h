// Logistic loss over eight lanes at once, for the CPU kernels' vector loops (linear_cpu.cc and
// linear_eval_cpu.cc). Always inlined, as everything taking a V8 by value (see vector8.h).
#pragma once
#include <cstdint>
#include <cstring>
#include "vector8.h"

namespace sm {

// e^x of eight lanes at once for x <= 0 (below -87, 2^-126). Hand-written because the standard
// library has no vector exp: x = k ln2 + r with |r| <= ln2 / 2, Cephes' expf polynomial for e^r
// (about 1 ulp), and 2^k put straight into the exponent bits.
__attribute__((always_inline)) inline V8 ExpNonPositive8(V8 x) {
  const V8 floor_value = x * 0.0f - 87.0f;
  x = x < floor_value ? floor_value : x;
  // Truncating x log2(e) - 1/2 rounds x log2(e) to nearest, x being <= 0.
  const V8i k = __builtin_convertvector(x * 1.44269504088896341f - 0.5f, V8i);
  const V8 kf = __builtin_convertvector(k, V8);
  const V8 r = (x - kf * 0.693359375f) + kf * 2.12194440e-4f;
  V8 p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const V8i exponent = (k + 127) << 23;
  V8 scale;
  std::memcpy(&scale, &exponent, sizeof(scale));
  return p * scale;
}

// Logistic loss and its gradient for eight scores and one 0/1 label, all lanes at once: the
// epoch's scalar exp and log1p per score were its second-largest cost (perf). log1p(e) for e in
// (0, 1] is 2 atanh(e / (2 + e)), whose odd series to t^13 is float-accurate for t <= 1/3.
__attribute__((always_inline)) inline V8 LogisticGradient8(V8 score, float label, double* loss_sums) {
  const V8 zero = score * 0.0f, one = zero + 1.0f;
  const V8 e = ExpNonPositive8((score < zero ? score : -score));  // e^-|score|
  const V8 inverse = one / (one + e);
  const V8 sigmoid = score >= zero ? inverse : e * inverse;
  const V8 z = label > 0.5f ? score : -score;
  const V8 t = e / (e + 2.0f), t2 = t * t;
  const V8 log1p_e = t * (2.0f + t2 * (0.6666667f + t2 * (0.4f + t2 * (0.2857143f + t2 * (0.2222222f + t2 * (0.1818182f + t2 * 0.1538462f))))));
  const V8 loss = (-z > zero ? -z : zero) + log1p_e;
  for (int lane = 0; lane < 8; ++lane) loss_sums[lane] += loss[lane];
  return sigmoid - label;
}

}  // namespace sm
