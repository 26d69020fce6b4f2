// Which kernels a step ran, for the per-step profile. The CPU ops execute their primitives
// through execute() below and report their own loops with note_kernel(); nothing is recorded
// unless a KernelTrace is alive on the calling thread, so runs without profiling pay one
// thread-local test per kernel.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

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

// Executes `primitive` and records oneDNN's name for its implementation (e.g.
// "jit_wino_4x3:avx512_core").
void execute(const dnnl::primitive& primitive, dnnl::stream& stream,
             const std::unordered_map<int, dnnl::memory>& args);

// A reorder of `from` into `to`, executed and recorded.
void reorder(const dnnl::memory& from, const dnnl::memory& to, dnnl::stream& stream);

}  // namespace zenith::cpu
