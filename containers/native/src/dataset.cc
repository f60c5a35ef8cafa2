#include "dataset.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>

#ifdef HAVE_CUDA
#include "cuda_dataset.h"
#endif

namespace sm {
namespace {
std::atomic<size_t> live{0};
}  // namespace

std::shared_ptr<Dataset> Dataset::Create(const float* x, size_t n, size_t d, const float* y, DatasetPlace place) {
  if (d == 0) throw std::invalid_argument("dataset: d must be at least 1");
  std::shared_ptr<Dataset> data(new Dataset(n, d, y != nullptr, place));
  // Counted from here: the destructor takes it back, also when a check or the upload below throws.
  live.fetch_add(1);
  const size_t values = n * d;
  for (size_t i = 0; i < values; ++i) {
    if (!std::isfinite(x[i])) throw std::invalid_argument("createDataset: x[" + std::to_string(i) + "] is not finite");
  }
  if (y) data->host_labels_.assign(y, y + n);
  if (place == DatasetPlace::kHost) {
    data->host_.resize(values + (y ? n : 0));
    std::copy(x, x + values, data->host_.begin());
    if (y) std::copy(y, y + n, data->host_.begin() + static_cast<std::ptrdiff_t>(values));
    data->x_ = data->host_.data();
    data->y_ = y ? data->host_.data() + values : nullptr;
  } else {
#ifdef HAVE_CUDA
    float* device = CudaUploadRows(x, values, y, y ? n : 0);
    data->device_ = device;
    data->x_ = device;
    data->y_ = y ? device + values : nullptr;
#else
    throw std::invalid_argument("dataset: this build has no CUDA kernels (built without nvcc); use the host");
#endif
  }
  return data;
}

Dataset::~Dataset() {
#ifdef HAVE_CUDA
  if (device_) CudaFreeRows(device_);
#endif
  live.fetch_sub(1);
}

const float* Dataset::HostRows(const char* kernel) const {
  if (place_ != DatasetPlace::kHost) throw std::invalid_argument(std::string(kernel) + ": the dataset is on the GPU; this kernel reads host memory");
  return x_;
}

const float* Dataset::DeviceRows(const char* kernel) const {
  if (place_ != DatasetPlace::kCuda) throw std::invalid_argument(std::string(kernel) + ": the dataset is in host memory; this kernel reads the GPU's");
  return x_;
}

size_t Dataset::Live() { return live.load(); }

}  // namespace sm
