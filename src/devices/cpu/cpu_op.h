// CpuOp: one compiled step of the CPU device, a oneDNN primitive (built per input layout and
// cached) covering a main node and the nodes fused into it as post-ops.
#pragma once

#include <omp.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "devices/cpu/cpu_value.h"
#include "devices/cpu/step_outputs.h"
#include "ir/graph.h"

namespace zenith::cpu {

// An elementwise function oneDNN applies as a primitive or as a post-op.
struct Eltwise {
  dnnl::algorithm alg;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// A node fused after the main one, applied in order to its output.
// Depthwise: a 3x3 depthwise Conv with padding 1 after a 1x1 Conv (oneDNN's fused depthwise
// post-op), so the 1x1 output, often the largest tensor of a MobileNet block, is never written
// out whole.
// Quantize: a QuantizeLinear ending an integer step: its output becomes `dtype` (u8 or s8),
// divided by the scale and shifted by the zero point by `eltwise` (linear, alpha = 1 / scale,
// beta = zero point) before oneDNN rounds it.
struct PostOp {
  enum class Kind { Eltwise, Sum, Depthwise, Quantize };
  Kind kind = Kind::Eltwise;
  Eltwise eltwise;                         // Kind::Eltwise, Kind::Quantize
  ir::DType dtype = ir::DType::Undefined;  // Quantize; Sum: an integer addend's (else f32)
  float scale = 1.0f;                      // Sum: the addend's (an integer addend's real units)
  int32_t zero_point = 0;                  // Sum: an integer addend's
  size_t input = 0;    // Sum: the index of the addend among the step's inputs; Depthwise: of its
                       // weights, followed by its bias if `bias`
  int64_t stride = 1;  // Depthwise
  bool bias = false;   // Depthwise
};

// What a step computes: the main node, then its post-ops. The step's inputs are the main
// node's inputs followed by the sum addends and depthwise weights; its outputs are the last
// fused node's outputs.
struct StepSpec {
  const ir::Node* node = nullptr;
  std::vector<PostOp> post_ops;
  std::vector<const ir::Node*> fused;  // the nodes the post-ops came from
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  // What a convolution or matrix product may compute in: F32, or BF16 (the device asks it only
  // on a CPU with BF16 instructions).
  ir::DType precision = ir::DType::F32;
};

class CpuOp {
 public:
  virtual ~CpuOp() = default;
  // False when these inputs (by dtype, rank or shape) are outside what the primitive handles;
  // the step then runs on REF. By default: every present input is f32 with oneDNN memory.
  virtual bool accepts(const std::vector<const CpuValue*>& inputs) const;
  // Runs on `inputs` (nullptr for an absent optional input; any layout) and returns the outputs
  // in the layout the primitive chose. Thread-safe.
  virtual StepOutputs run(const std::vector<const CpuValue*>& inputs,
                          dnnl::stream& stream) const = 0;
  // Like run(), but output 0 may be written into `into` (the caller's buffer, e.g. a concat
  // chain's slot) when it has the layout the primitive chose; the caller compares buffers to
  // see whether it was. By default the offer is declined.
  virtual StepOutputs run_into(const std::vector<const CpuValue*>& inputs, const CpuValue& into,
                               dnnl::stream& stream) const {
    return run(inputs, stream);
  }
  // True if run() takes inputs that are not dense (a concat-chain view at batch > 1, whose
  // batch stride is its buffer's) at full speed; others get a dense copy first: oneDNN runs
  // such inputs only with its reference kernels, orders of magnitude slower.
  virtual bool reads_strided() const { return false; }
  // True if output 0 may share input 0's buffer (a reshape): then neither is ever handed to a
  // step that writes in place.
  virtual bool output_aliases_input() const { return false; }
  // What the step's arithmetic is done in, for the steps with a choice (convolutions and matrix
  // products: "f32", "bf16", "int8"); "" for the others. Known once the step has run: a BF16
  // step builds in f32 where oneDNN has no fast BF16 kernel for it.
  virtual std::string precision() const { return {}; }
};

// Which following nodes a step can absorb as post-ops.
// EltwiseAndBias: first an Add of a constant bias along the last axis (MatMul's step takes it
// as a third input, the bias oneDNN's matmul adds), then eltwise ops.
// EltwiseAndQuantize: an integer step's eltwise ops and a final QuantizeLinear that makes its
// output integer. EltwiseSumAndQuantize: the same, or eltwise ops and a sum.
enum class PostOps {
  None,
  Relu,
  Eltwise,
  EltwiseAndSum,
  EltwiseAndBias,
  EltwiseAndQuantize,
  EltwiseSumAndQuantize
};

// Static facts for one op type: whether the CPU device takes a node, and building its step.
struct CpuOpFactory {
  std::string_view op_type;
  // Empty when the node can run on CPU, else the reason it cannot (for `zenith info`).
  std::string (*supports)(const ir::Graph& graph, const ir::Node& node);
  std::unique_ptr<CpuOp> (*build)(const ir::Graph& graph, const StepSpec& spec);
  PostOps post_ops = PostOps::None;  // what following nodes may be fused into its step
};

// nullptr when the CPU device has no step for the op (default ONNX domain only).
const CpuOpFactory* find_cpu_op(const ir::Node& node);

// The eltwises oneDNN computes for `node`, applied in turn (Relu, Clip with constant bounds,
// Sigmoid, ...; HardSigmoid is two), or none if oneDNN does not compute it.
std::vector<Eltwise> eltwise_of(const ir::Graph& graph, const ir::Node& node);

// oneDNN post-ops for the Eltwise entries of `post_ops` (Sum entries become `sum`).
dnnl::post_ops make_post_ops(const std::vector<PostOp>& post_ops);

// Primitives built per list of input descriptors (layouts and dims) and per thread count (the
// calling thread's OpenMP count, which oneDNN fixes in a primitive when it creates it; see
// thread_governor.h), built once and shared by every later run with the same inputs and count.
template <typename Entry>
class PrimitiveCache {
 public:
  // `key` is read in place, so that a run looking up its entry allocates nothing.
  template <typename Build>
  std::shared_ptr<const Entry> get(std::span<const dnnl::memory::desc> key, Build build) const {
    const int threads = omp_get_max_threads();
    std::lock_guard<std::mutex> lock(mutex_);
    if (const Keyed* e = find(key, threads)) return e->entry;
    entries_.push_back({threads, {key.begin(), key.end()}, std::make_shared<const Entry>(build())});
    return entries_.back().entry;
  }
  // True if an entry for `key` (and the calling thread's count) has been built: a step's
  // accepts() may answer from it, as it built one only for inputs it accepted.
  bool contains(std::span<const dnnl::memory::desc> key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return find(key, omp_get_max_threads()) != nullptr;
  }
  template <typename Build>
  std::shared_ptr<const Entry> get(std::initializer_list<dnnl::memory::desc> key,
                                   Build build) const {
    return get(std::span(key.begin(), key.size()), build);
  }

 private:
  struct Keyed {
    int threads;
    std::vector<dnnl::memory::desc> descs;
    std::shared_ptr<const Entry> entry;
  };
  const Keyed* find(std::span<const dnnl::memory::desc> key, int threads) const {
    for (const Keyed& e : entries_)
      if (e.threads == threads &&
          std::equal(e.descs.begin(), e.descs.end(), key.begin(), key.end()))
        return &e;
    return nullptr;
  }
  mutable std::mutex mutex_;
  mutable std::vector<Keyed> entries_;
};

// Constant inputs packed into the layout a primitive chose, by the op's id for the input (its
// index, say) and the layout: the primitives built for each thread count mostly choose the same
// layout, and then share one copy.
class PackedConstants {
 public:
  template <typename Pack>
  dnnl::memory get(size_t id, const dnnl::memory::desc& desc, Pack pack) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& e : entries_)
      if (e.id == id && e.desc == desc) return e.mem;
    entries_.push_back({id, desc, pack()});
    return entries_.back().mem;
  }

 private:
  struct Packed {
    size_t id;
    dnnl::memory::desc desc;
    dnnl::memory mem;
  };
  mutable std::mutex mutex_;
  mutable std::vector<Packed> entries_;
};

}  // namespace zenith::cpu
