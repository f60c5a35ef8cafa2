// What the kernels' Node-API files use of datasets (addon_dataset.cc).
#pragma once
#include <napi.h>

#include <memory>
#include "dataset.h"

// Whether a value is a dataset object made by createDataset (disposed or not).
bool IsDataset(const Napi::Value& value);

// Rows first ... first + rows - 1 of a dataset (all of them, or a view's). The copy of the pointer
// keeps the dataset alive while a kernel runs on it.
struct DatasetRows {
  std::shared_ptr<sm::Dataset> data;
  size_t first = 0, rows = 0;
  // The rows in host memory (throws naming the kernel for a dataset on the GPU), on the GPU (throws
  // for one in host memory), and the labels where they live and in host memory (null without).
  const float* HostX(const char* kernel) const { return data->HostRows(kernel) + first * data->d(); }
  const float* DeviceX(const char* kernel) const { return data->DeviceRows(kernel) + first * data->d(); }
  const float* Labels() const { return data->labels() ? data->labels() + first : nullptr; }
  const float* HostLabels() const { return data->HostLabels() ? data->HostLabels() + first : nullptr; }
};

// The rows of a createDataset object or of one of its views: throws a JavaScript TypeError for
// anything else and an Error naming the kernel for a disposed one.
DatasetRows DatasetOf(const Napi::Value& value, const char* kernel);

void ExportDataset(Napi::Env env, Napi::Object exports);
