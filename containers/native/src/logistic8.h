// Logistic loss over eight lanes at once, for the CPU kernels' vector loops (linear_cpu.cc and
// linear_eval_cpu.cc). Always inlined, as everything taking a V8 by value (see vector8.h).
#pragma once
#include <cstdint>
#include <cstring>
#include "vector8.h"

namespace sm {

// e^x of eight lanes at once for x <= 0 (below -87, 2^-126), for N vectors in lock-step (each
// step for all N before the next, see LogisticGradients). Hand-written because the standard
// library has no vector exp: x = k ln2 + r with |r| <= ln2 / 2, Cephes' expf polynomial for e^r
// (about 1 ulp), and 2^k put straight into the exponent bits.
template <int N>
__attribute__((always_inline)) inline void ExpNonPositive(V8 (&x)[N]) {
  const V8 floor_value = V8{} - 87.0f;
  V8 kf[N], r[N], p[N];
  V8i k[N];
  for (int i = 0; i < N; ++i) x[i] = x[i] < floor_value ? floor_value : x[i];
  // Truncating x log2(e) - 1/2 rounds x log2(e) to nearest, x being <= 0.
  for (int i = 0; i < N; ++i) k[i] = __builtin_convertvector(x[i] * 1.44269504088896341f - 0.5f, V8i);
  for (int i = 0; i < N; ++i) kf[i] = __builtin_convertvector(k[i], V8);
  for (int i = 0; i < N; ++i) r[i] = (x[i] - kf[i] * 0.693359375f) + kf[i] * 2.12194440e-4f;
  for (int i = 0; i < N; ++i) p[i] = r[i] * 1.9875691500e-4f + 1.3981999507e-3f;
  for (int i = 0; i < N; ++i) p[i] = p[i] * r[i] + 8.3334519073e-3f;
  for (int i = 0; i < N; ++i) p[i] = p[i] * r[i] + 4.1665795894e-2f;
  for (int i = 0; i < N; ++i) p[i] = p[i] * r[i] + 1.6666665459e-1f;
  for (int i = 0; i < N; ++i) p[i] = p[i] * r[i] + 5.0000001201e-1f;
  for (int i = 0; i < N; ++i) p[i] = p[i] * (r[i] * r[i]) + r[i] + 1.0f;
  for (int i = 0; i < N; ++i) {
    const V8i exponent = (k[i] + 127) << 23;
    V8 scale;
    std::memcpy(&scale, &exponent, sizeof(scale));
    x[i] = p[i] * scale;
  }
}

// log(1 + e) for e in [0, 1], N vectors in lock-step: a degree-8 polynomial fitted to it on
// [0, 1] (largest error 1.3e-7 evaluated in float, about an ulp of the result). It needs no
// division, where the series in atanh(e / (2 + e)) used before needed one.
template <int N>
__attribute__((always_inline)) inline void Log1pUnit(const V8 (&e)[N], V8 (&out)[N]) {
  for (int i = 0; i < N; ++i) out[i] = e[i] * -0.0064535560086369514f + 0.036087874323129654f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i] - 0.09532725065946579f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i] + 0.16765126585960388f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i] - 0.24073205888271332f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i] + 0.3317984938621521f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i] - 0.4998740553855896f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i] + 0.9999964237213135f;
  for (int i = 0; i < N; ++i) out[i] = out[i] * e[i];
}

// Logistic loss and its gradient for N rows of eight scores, row i's label labels[i] (0 or 1):
// replaces each score with dloss/dscore = sigmoid(score) - label and adds the rows' losses,
// max(-z, 0) + log(1 + e^-|score|) with z the score signed by the label, to `loss_sum`. The
// epoch's scalar exp and log1p per score were its second-largest cost (perf), hence vectors; and
// N rows in lock-step: one row's loss is a chain of some forty dependent operations, and row after
// row the scheduler filled with operations waiting on their chain (about 35 cycles a row on Zen 4,
// against about 22 for four rows in lock-step).
template <int N>
__attribute__((always_inline)) inline void LogisticGradients(V8 (&scores)[N], const float* labels, V8& loss_sum) {
  // Constants, not scores times 0: an infinite score would make them NaN for the other rows.
  const V8 zero = {}, one = zero + 1.0f;
  V8 e[N], log1p_e[N];
  for (int i = 0; i < N; ++i) e[i] = scores[i] < zero ? scores[i] : -scores[i];
  ExpNonPositive(e);  // e^-|score|
  Log1pUnit(e, log1p_e);
  for (int i = 0; i < N; ++i) {
    const V8 minus_z = labels[i] > 0.5f ? -scores[i] : scores[i];
    loss_sum += (minus_z > zero ? minus_z : zero) + log1p_e[i];
  }
  for (int i = 0; i < N; ++i) {
    const V8 inverse = one / (one + e[i]);
    scores[i] = (scores[i] >= zero ? inverse : e[i] * inverse) - labels[i];
  }
}

// Callers add LogisticGradients' losses in float over at most this many rows, then into float64
// sums: a float sum of a few dozen losses loses nothing that matters, of a million it would.
constexpr int kLogisticChunkRows = 64;

// One row's: the gradient of eight scores, their losses added to loss_sums (float64).
__attribute__((always_inline)) inline V8 LogisticGradient8(V8 score, float label, double* loss_sums) {
  V8 row[1] = {score}, loss = {};
  LogisticGradients(row, &label, loss);
  for (int lane = 0; lane < 8; ++lane) loss_sums[lane] += loss[lane];
  return row[0];
}

}  // namespace sm
