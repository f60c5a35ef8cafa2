// What each kernel family's file adds to the addon's exports (addon_kmeans.cc, addon_linear.cc).
#pragma once
#include <napi.h>

void ExportKMeans(Napi::Env env, Napi::Object exports);
void ExportLinear(Napi::Env env, Napi::Object exports);
