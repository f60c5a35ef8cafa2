// K-Means assignment on the CPU: distances via ||x||^2 - 2 x.c + ||c||^2, argmin, and the
// per-cluster sums and counts of the next Lloyd step, in one pass over the data and without
// materialising the n x k distance matrix.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sm {

struct AssignResult {
  std::vector<int32_t> labels;     // n: the closest center of each row
  std::vector<float> distances;    // n: squared distance to it
  std::vector<double> sums;        // k * d: sum of the rows assigned to each center
  std::vector<double> counts;      // k: rows assigned to each center
  double inertia = 0;              // sum of the squared distances
};

// Runs as `threads` tasks on the shared thread pool (0: as many as it has threads), with the
// vector code of the active CPU path (cpu_paths.h). Throws std::invalid_argument on bad shapes.
AssignResult AssignCpu(const float* x, size_t n, size_t d, const float* centers, size_t k, unsigned threads);

// Throws std::invalid_argument naming the kernel, the array and the index of the first value of x
// or centers that is NaN or infinite. Run off the event loop, before the kernel (the rows are
// scanned on the thread pool).
void CheckAssignInputs(const float* x, size_t n, size_t d, const float* centers, size_t k, const char* kernel);

// Whether a vector path wider than the baseline (AVX2 or AVX-512) is in use.
bool UsesAvx2();

}  // namespace sm
