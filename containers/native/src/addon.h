// What each kernel family's file adds to the addon's exports (addon_kmeans.cc, addon_linear.cc).
#pragma once
#include <napi.h>

#include <exception>
#include <string>

// An AsyncWorker that settles a promise: Run() works off the event loop and touches no JavaScript;
// an exception it throws rejects the promise with its message; Result() builds the value on the
// main thread. Subclasses keep references to the typed arrays they read, so their memory lives
// until the worker finishes.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, std::string kernel) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), kernel_(std::move(kernel)) {}

  // Queues the worker (which deletes itself when done) and returns its promise.
  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();
    return promise;
  }

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  void Execute() override {
    try {
      Run();
    } catch (const std::exception& error) {
      SetError(error.what());
    } catch (...) {
      SetError(kernel_ + ": unknown native error");
    }
  }
  void OnOK() override { deferred_.Resolve(Result(Env())); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

  Napi::Promise::Deferred deferred_;
  const std::string kernel_;
};

void ExportKMeans(Napi::Env env, Napi::Object exports);
void ExportLinear(Napi::Env env, Napi::Object exports);
// allocateRows (addon_rows.cc).
void ExportRows(Napi::Env env, Napi::Object exports);
