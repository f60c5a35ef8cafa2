// What the kernels' Node-API files use of datasets (addon_dataset.cc).
#pragma once
#include <napi.h>

#include <memory>
#include "dataset.h"

// Whether a value is a dataset object made by createDataset (disposed or not).
bool IsDataset(const Napi::Value& value);

// The dataset behind a createDataset object: throws a JavaScript TypeError for anything else and
// an Error naming the kernel for a disposed one. The caller's copy keeps it alive while it runs.
std::shared_ptr<sm::Dataset> DatasetOf(const Napi::Value& value, const char* kernel);

void ExportDataset(Napi::Env env, Napi::Object exports);
