// Training rows uploaded once per job: a dataset holds the rows x (n x d) and optionally their
// labels y (n), either in host memory (the CPU kernels and the CUDA kernels' CPU harness read it)
// or in CUDA device memory (the CUDA kernels read it, so an iteration copies only the centers or
// the model state, not the rows). The addon wraps it in a JavaScript object whose dispose() frees
// it at once and whose garbage collection frees it otherwise; kernels running on it hold their own
// reference, so memory is released when the last of them finishes, never under one.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace sm {

enum class DatasetPlace { kHost, kCuda };

class Dataset {
 public:
  // Copies the rows (and labels, when y is not null) to `place`. Throws std::invalid_argument naming
  // the first value of x that is NaN or infinite (no kernel takes those), or for a place this build
  // cannot use (CUDA without HAVE_CUDA), and std::runtime_error when an upload fails.
  static std::shared_ptr<Dataset> Create(const float* x, size_t n, size_t d, const float* y, DatasetPlace place);

  ~Dataset();
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  size_t n() const { return n_; }
  size_t d() const { return d_; }
  bool has_labels() const { return has_labels_; }
  DatasetPlace place() const { return place_; }
  // Bytes held in the dataset's place.
  size_t bytes() const { return (n_ * d_ + (has_labels_ ? n_ : 0)) * sizeof(float); }

  // The rows and labels where they live (device pointers for kCuda); labels() is null without labels.
  const float* x() const { return x_; }
  const float* labels() const { return y_; }

  // The labels in host memory whatever the place (the kernels' checks read them), or null.
  const float* HostLabels() const { return has_labels_ ? host_labels_.data() : nullptr; }

  // Host rows of a kHost dataset, for the CPU kernels; throws std::invalid_argument naming `kernel`
  // for a dataset on the GPU.
  const float* HostRows(const char* kernel) const;
  // Device rows of a kCuda dataset; throws std::invalid_argument naming `kernel` for one in host memory.
  const float* DeviceRows(const char* kernel) const;

  // Datasets alive in this process (the tests check that dispose() and the GC release them).
  static size_t Live();

 private:
  Dataset(size_t n, size_t d, bool has_labels, DatasetPlace place) : n_(n), d_(d), has_labels_(has_labels), place_(place) {}

  size_t n_, d_;
  bool has_labels_;
  DatasetPlace place_;
  const float* x_ = nullptr;
  const float* y_ = nullptr;
  std::vector<float> host_;  // kHost: x then y
  std::vector<float> host_labels_;  // y, whatever the place
  void* device_ = nullptr;   // kCuda: x then y, one allocation
};

}  // namespace sm
