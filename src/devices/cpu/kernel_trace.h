// Executing primitives, and which kernels a step ran, for the per-step profile. The CPU ops
// execute their primitives through execute() below and report their own loops with
// note_kernel(); nothing is recorded unless a KernelTrace is alive on the calling thread, so
// runs without profiling pay one thread-local test per kernel.
//
// Primitives take their scratchpad from the caller (`with_user_scratchpad`): oneDNN 2.6 built
// without concurrent execution (Debian's) otherwise shares one scratchpad per thread between
// all primitives, sized when each was created, so a primitive run on another thread than the
// one that created it (any request on a stream) writes past that thread's scratchpad.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zenith::cpu {

class KernelTrace;
void note_kernel(std::string_view name);

class KernelTrace {
 public:
  KernelTrace();   // records the calling thread's kernels from now on
  ~KernelTrace();  // stops recording
  KernelTrace(const KernelTrace&) = delete;
  KernelTrace& operator=(const KernelTrace&) = delete;

  // The kernels recorded since the last take(), joined with " + ", and forgets them.
  std::string take();

 private:
  friend void note_kernel(std::string_view name);
  std::string kernels_;
  KernelTrace* outer_;
};

// Records `name` as a kernel of the current step (declared above): for loops of our own.

// True on a thread while it is inside oneDNN's execute() called through execute() below. The
// allocation test tells oneDNN's per-execute bookkeeping (its argument maps) from ours by it.
bool inside_onednn_execute();
// How many primitives the calling thread has executed through execute() below, ever.
uint64_t onednn_executes();

// `attr` with the scratchpad mode every CPU primitive is created with.
dnnl::primitive_attr with_user_scratchpad(dnnl::primitive_attr attr = {});

// A primitive's arguments by id. The first kInline are held in place: the std::unordered_map
// oneDNN's C++ API takes allocates per entry, and again inside its execute().
class ExecArgs {
 public:
  static constexpr size_t kInline = 24;
  ExecArgs() = default;
  ExecArgs(std::initializer_list<std::pair<int, dnnl::memory>> args) {
    for (const auto& [id, mem] : args) (*this)[id] = mem;
  }
  // The memory of argument `id`, added empty if absent.
  dnnl::memory& operator[](int id);
  size_t size() const { return count_; }
  // Argument `i` in the order added.
  int id(size_t i) const { return at(i).first; }
  const dnnl::memory& memory(size_t i) const { return at(i).second; }

 private:
  const std::pair<int, dnnl::memory>& at(size_t i) const {
    return i < kInline ? inline_[i] : spilled_[i - kInline];
  }
  std::pair<int, dnnl::memory>& at(size_t i) {
    return i < kInline ? inline_[i] : spilled_[i - kInline];
  }

  std::array<std::pair<int, dnnl::memory>, kInline> inline_;
  std::vector<std::pair<int, dnnl::memory>> spilled_;  // beyond kInline (a concat of many)
  size_t count_ = 0;
};

// Executes `primitive` (created with_user_scratchpad) with a scratchpad from the run's buffers,
// and records oneDNN's name for its implementation (e.g. "jit_wino_4x3:avx512_core").
void execute(const dnnl::primitive& primitive, dnnl::stream& stream, const ExecArgs& args);

// A reorder of `from` into `to`, executed and recorded.
void reorder(const dnnl::memory& from, const dnnl::memory& to, dnnl::stream& stream);

}  // namespace zenith::cpu
