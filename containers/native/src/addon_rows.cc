// allocateRows(length): the Float32Array a training channel's rows are gathered into. Rows of at
// least one huge page (2 MiB) get memory of their own, aligned to 2 MiB and advised as
// transparent huge pages before it is first touched (madvise(MADV_HUGEPAGE): used where the host's
// THP mode is "madvise" or "always"). Every epoch reads all the rows, and on 4 KiB pages the TLB
// misses cost a streamed Linear Learner batch about a fifth (28.0 against 34.6 ns a row, measured
// on Zen 4); NumPy advises huge pages for its large arrays the same way, Node's typed arrays get
// none. Only these arrays: glibc's hugetlb tunable, which advises every large malloc, made each
// K-Means call's result arrays fault in and zero whole huge pages, and the assignment slower.
// Freed (munmap) when the garbage collector frees the array; smaller rows are a plain Float32Array.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "addon.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

#if defined(__linux__)
// An anonymous mapping of `bytes` (a whole number of huge pages) starting on a huge-page boundary:
// one huge page more is mapped, then the unaligned head and the tail beyond are unmapped.
void* MapAligned(size_t bytes) {
  void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw), aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = aligned + bytes, raw_end = start + bytes + kHugePage;
  if (raw_end > end) munmap(reinterpret_cast<void*>(end), raw_end - end);
  // Advice, not a requirement: where THP is off the rows stay on 4 KiB pages.
  madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}
#endif

Napi::Value AllocateRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double length = info.Length() == 1 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  // At most 2^32 - 1 floats per array, as the kernels index them.
  if (!(length >= 0) || length != std::floor(length) || length > 4294967295.0) {
    throw Napi::RangeError::New(env, "allocateRows(length): a whole number of floats from 0 to 4,294,967,295");
  }
  const size_t count = static_cast<size_t>(length), bytes = count * sizeof(float);
#if defined(__linux__)
  if (bytes >= kHugePage) {
    const size_t mapped = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    if (void* memory = MapAligned(mapped)) {
      Napi::ArrayBuffer buffer;
      try {
        buffer = Napi::ArrayBuffer::New(env, memory, bytes, [mapped](Napi::Env finalizing, void* data) {
          munmap(data, mapped);
          Napi::MemoryManagement::AdjustExternalMemory(finalizing, -static_cast<int64_t>(mapped));
        });
      } catch (const Napi::Error&) {
        // A runtime that refuses external buffers (V8's sandbox): plain memory instead.
        munmap(memory, mapped);
        return Napi::Float32Array::New(env, count);
      }
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(mapped));
      return Napi::Float32Array::New(env, count, buffer, 0);
    }
  }
#endif
  return Napi::Float32Array::New(env, count);
}

// hugePageBytes(array): how many of the array's bytes sit in memory mappings' transparent huge
// pages (AnonHugePages of the mappings holding it, in /proc/self/smaps, at most its length; exact
// for allocateRows' arrays, which have a mapping of their own, an upper bound for arrays sharing
// one); 0 where that cannot be read. For the training's log line: whether the host honoured the advice.
Napi::Value HugePageBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "hugePageBytes(array: a typed array)");
  const Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  const uintptr_t begin = reinterpret_cast<uintptr_t>(array.ArrayBuffer().Data()) + array.ByteOffset(), end = begin + array.ByteLength();
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool holding = false;
  double bytes = 0;
  while (std::getline(smaps, line)) {
    unsigned long low = 0, high = 0;
    // A mapping's first line is "low-high perms ..."; its fields follow, one per line.
    if (std::sscanf(line.c_str(), "%lx-%lx ", &low, &high) == 2) {
      holding = low < end && high > begin;
    } else if (holding && line.rfind("AnonHugePages:", 0) == 0) {
      bytes += std::strtod(line.c_str() + 14, nullptr) * 1024;
    }
  }
  return Napi::Number::New(env, std::min(bytes, static_cast<double>(array.ByteLength())));
}

}  // namespace

void ExportRows(Napi::Env env, Napi::Object exports) {
  exports.Set("allocateRows", Napi::Function::New(env, AllocateRows));
  exports.Set("hugePageBytes", Napi::Function::New(env, HugePageBytes));
}
