// Device memory for a Dataset (dataset.h): one allocation holding the rows, then the labels.
// Compiled by nvcc (cuda_dataset.cu) only where HAVE_CUDA is defined.
#pragma once
#include <cstddef>

namespace sm {

// Allocates x_values + y_values floats on the current device and copies x, then y (when not null)
// into it; throws std::runtime_error naming the failing call.
float* CudaUploadRows(const float* x, size_t x_values, const float* y, size_t y_values);

// Frees what CudaUploadRows returned (errors are ignored: it runs from destructors).
void CudaFreeRows(void* rows);

}  // namespace sm
