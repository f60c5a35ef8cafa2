// The collective step between SageMaker training hosts, on Gloo (Facebook's collective-communication
// library, PyTorch's CPU backend; Debian's libgloo-dev) over its TCP transport. A sibling addon of
// the kernels (sagemaker_collective.node), built only where Gloo is installed: single-host training
// never loads it.
//
// A Mesh is one host's place in a full mesh of Gloo pairs, built in two steps so that the exchange
// of addresses (the rendezvous, coordinated by the first host: ../../runtime/cluster.ts) happens in
// JavaScript between them, with its own timeout and error naming the hosts that never joined:
//   new Mesh(rank, size, bindAddress, timeoutMs)  binds this host's Gloo device and makes a pair per
//                                                 peer; addresses() gives each pair's address bytes;
//   connect(addressesFromEachPeer)                connects each pair to the peer's pair for us.
// This is what gloo::rendezvous::Context::connectFullMesh does with a key-value store; Debian's Gloo
// has no store over TCP (file, Redis and in-process only), so the exchange is done by the caller.
// Then allreduceSum (float64, in place) and broadcast (float64 or float32, in place) run Gloo's
// ring algorithms, synchronously, each bounded by the mesh's timeout: a peer that died (its
// connection closed) or stalls ends the call with Gloo's error instead of a hang.
#include <napi.h>

#include <gloo/allreduce.h>
#include <gloo/broadcast.h>
#include <gloo/context.h>
#include <gloo/math.h>
#include <gloo/transport/context.h>
#include <gloo/transport/device.h>
#include <gloo/transport/tcp/device.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

// gloo::Context with its device and transport context set by Mesh (the members are protected).
class MeshContext : public gloo::Context {
 public:
  MeshContext(int rank, int size) : gloo::Context(rank, size) {}
  void Attach(std::shared_ptr<gloo::transport::Device> device, std::shared_ptr<gloo::transport::Context> transport) {
    device_ = std::move(device);
    transportContext_ = std::move(transport);
  }
};

class Mesh : public Napi::ObjectWrap<Mesh> {
 public:
  static void Export(Napi::Env env, Napi::Object exports) {
    exports.Set("Mesh", DefineClass(env, "Mesh", {
      InstanceMethod<&Mesh::Addresses>("addresses"),
      InstanceMethod<&Mesh::Connect>("connect"),
      InstanceMethod<&Mesh::AllreduceSum>("allreduceSum"),
      InstanceMethod<&Mesh::Broadcast>("broadcast"),
      InstanceMethod<&Mesh::Close>("close"),
    }));
  }

  explicit Mesh(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Mesh>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsNumber()) {
      throw Napi::TypeError::New(env, "Mesh(rank, size, bindAddress, timeoutMs)");
    }
    rank_ = info[0].As<Napi::Number>().Int32Value();
    size_ = info[1].As<Napi::Number>().Int32Value();
    if (size_ < 1 || rank_ < 0 || rank_ >= size_) throw Napi::RangeError::New(env, "Mesh: rank must be in [0, size)");
    timeout_ = std::chrono::milliseconds(info[3].As<Napi::Number>().Int64Value());
    try {
      gloo::transport::tcp::attr attr;
      attr.hostname = info[2].As<Napi::String>().Utf8Value();
      device_ = gloo::transport::tcp::CreateDevice(attr);
      context_ = std::make_shared<MeshContext>(rank_, size_);
      context_->setTimeout(timeout_);
      transport_ = device_->createContext(rank_, size_);
      transport_->setTimeout(timeout_);
      for (int peer = 0; peer < size_; ++peer) {
        if (peer != rank_) transport_->createPair(peer);
      }
    } catch (const std::exception& error) {
      throw Napi::Error::New(env, std::string("Gloo could not bind a TCP device on ") + info[2].As<Napi::String>().Utf8Value() + ": " + error.what());
    }
  }

 private:
  // Each peer's pair address (bytes), by peer rank; null at our own rank.
  Napi::Value Addresses(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, size_);
    for (int peer = 0; peer < size_; ++peer) {
      if (peer == rank_) {
        out.Set(static_cast<uint32_t>(peer), env.Null());
        continue;
      }
      const std::vector<char> bytes = transport_->getPair(peer)->address().bytes();
      out.Set(static_cast<uint32_t>(peer), Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size()));
    }
    return out;
  }

  // connect(addressFor): addressFor[peer] is the address bytes of peer's pair for this host.
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "connect(addresses: Buffer[])");
    Napi::Array addresses = info[0].As<Napi::Array>();
    for (int peer = 0; peer < size_; ++peer) {
      if (peer == rank_) continue;
      Napi::Value value = addresses.Get(static_cast<uint32_t>(peer));
      if (!value.IsBuffer()) throw Napi::TypeError::New(env, "connect: no address for peer " + std::to_string(peer));
      Napi::Buffer<char> buffer = value.As<Napi::Buffer<char>>();
      try {
        transport_->getPair(peer)->connect(std::vector<char>(buffer.Data(), buffer.Data() + buffer.Length()));
      } catch (const std::exception& error) {
        throw Napi::Error::New(env, "rank " + std::to_string(peer) + ": " + error.what());
      }
    }
    context_->Attach(device_, transport_);
    connected_ = true;
    return env.Undefined();
  }

  void RequireConnected(Napi::Env env) {
    if (!connected_) throw Napi::Error::New(env, "the mesh is not connected (or was closed)");
  }

  // allreduceSum(values: Float64Array): every host's values summed, in place, on every host.
  Napi::Value AllreduceSum(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireConnected(env);
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw Napi::TypeError::New(env, "allreduceSum(values: Float64Array)");
    }
    Napi::Float64Array values = info[0].As<Napi::Float64Array>();
    if (values.ElementLength() == 0 || size_ == 1) return values;
    try {
      gloo::AllreduceOptions options(context_);
      options.setOutput(values.Data(), values.ElementLength());
      options.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<double>));
      options.setTag(tag_++);
      options.setTimeout(timeout_);
      gloo::allreduce(options);
    } catch (const std::exception& error) {
      throw Napi::Error::New(env, error.what());
    }
    return values;
  }

  // broadcast(values: Float64Array | Float32Array, root): root's values copied to every host, in place.
  Napi::Value Broadcast(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireConnected(env);
    if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "broadcast(values, root)");
    Napi::TypedArray array = info[0].As<Napi::TypedArray>();
    const int root = info[1].As<Napi::Number>().Int32Value();
    if (root < 0 || root >= size_) throw Napi::RangeError::New(env, "broadcast: root must be a rank");
    if (array.ElementLength() == 0 || size_ == 1) return array;
    try {
      gloo::BroadcastOptions options(context_);
      if (array.TypedArrayType() == napi_float64_array) {
        options.setOutput(array.As<Napi::Float64Array>().Data(), array.ElementLength());
      } else if (array.TypedArrayType() == napi_float32_array) {
        options.setOutput(array.As<Napi::Float32Array>().Data(), array.ElementLength());
      } else {
        throw Napi::TypeError::New(env, "broadcast: a Float64Array or Float32Array");
      }
      options.setRoot(root);
      options.setTag(tag_++);
      options.setTimeout(timeout_);
      gloo::broadcast(options);
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& error) {
      throw Napi::Error::New(env, error.what());
    }
    return array;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (connected_) context_->closeConnections();
    connected_ = false;
    return info.Env().Undefined();
  }

  int rank_ = 0;
  int size_ = 1;
  uint32_t tag_ = 0;
  bool connected_ = false;
  std::chrono::milliseconds timeout_{30000};
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::transport::Context> transport_;
  std::shared_ptr<MeshContext> context_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Mesh::Export(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sagemaker_collective, Init)
