// CpuValue: a tensor as the CPU device holds it between steps: oneDNN memory in whatever layout
// the producing primitive chose (often blocked, e.g. nChw16c), plus the plain ir::Tensor view
// when the layout is plain row-major.
#pragma once

#include <initializer_list>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ir/tensor.h"

namespace zenith::cpu {

// The engine every CPU primitive runs on.
const dnnl::engine& engine();

// The calling thread's settings for one CPU run, restored when it ends:
// - `threads` OpenMP threads (>= 1) for the primitives it runs. OpenMP keeps the count per
//   calling thread, so concurrent runs may use different counts.
// - flush-to-zero and denormals-are-zero, in the calling thread and every OpenMP worker, as
//   production engines do: denormal operands make FP32 kernels 5-10x slower, and decaying
//   activations or uninitialized buffers produce them. The workers keep the mode (they only
//   run oneDNN).
class CpuRunSettings {
 public:
  explicit CpuRunSettings(int threads);
  ~CpuRunSettings();
  CpuRunSettings(const CpuRunSettings&) = delete;
  CpuRunSettings& operator=(const CpuRunSettings&) = delete;

 private:
  unsigned saved_csr_;
  int saved_threads_;
};

struct CpuValue {
  dnnl::memory mem;  // empty for rank 0 and dtypes oneDNN lacks (f64, i64, bool, string, ...)
  ir::Tensor plain;  // defined when the bytes are plain row-major (always for REF values)
  std::shared_ptr<void> owner;  // keeps `mem`'s buffer alive when `plain` does not
  bool donated = false;  // set by the executor: nothing reads this value after the current
                         // step, which may write its output into the buffer
  bool is_f32() const { return mem && mem.get_desc().data_type() == dnnl::memory::data_type::f32; }
  ir::DType dtype() const;  // also of values oneDNN has no type for (`plain` only)
  dnnl::memory::desc desc() const { return mem.get_desc(); }
  ir::Dims dims() const;
  // dims().size() and dims()[i], without building them
  size_t rank() const;
  int64_t dim(size_t i) const;
};

// The dims `desc` describes.
ir::Dims dims_of(const dnnl::memory::desc& desc);
// The plain row-major descriptor of `dims` of `type`. Allocates nothing (runs call it).
dnnl::memory::desc plain_desc(std::span<const int64_t> dims,
                              dnnl::memory::data_type type = dnnl::memory::data_type::f32);
// `dims` of `type` in the layout of format tag `tag`. Allocates nothing.
dnnl::memory::desc tagged_desc(std::span<const int64_t> dims, dnnl::memory::format_tag tag,
                               dnnl::memory::data_type type = dnnl::memory::data_type::f32);
inline dnnl::memory::desc tagged_desc(std::initializer_list<int64_t> dims,
                                      dnnl::memory::format_tag tag) {
  return tagged_desc(std::span(dims.begin(), dims.size()), tag);
}
// `dims` of `type` with element `strides` (a transposed or broadcast view). Allocates nothing.
dnnl::memory::desc strided_desc(std::span<const int64_t> dims, std::span<const int64_t> strides,
                                dnnl::memory::data_type type = dnnl::memory::data_type::f32);
inline dnnl::memory::desc strided_desc(std::initializer_list<int64_t> dims,
                                       std::initializer_list<int64_t> strides) {
  return strided_desc(std::span(dims.begin(), dims.size()),
                      std::span(strides.begin(), strides.size()));
}
inline dnnl::memory::desc plain_desc(std::initializer_list<int64_t> dims,
                                     dnnl::memory::data_type type = dnnl::memory::data_type::f32) {
  return plain_desc(std::span(dims.begin(), dims.size()), type);
}
// True if `desc` is plain row-major (dense, strides decreasing to 1).
bool is_plain(const dnnl::memory::desc& desc);
// True if `desc` spans no more bytes than its (padded) elements: no gaps between them.
bool is_dense(const dnnl::memory::desc& desc);
// The format tag `desc` has among the common activation layouts (plain, channels-last, channel
// blocks of 8 and 16), or nullopt.
std::optional<dnnl::memory::format_tag> format_tag_of(const dnnl::memory::desc& desc);
// A short name for the layout of `desc`: "nchw", "nhwc", "nChw16c" (and their other-rank
// forms, e.g. "ncdhw"), "plain", "strided" for a non-dense view, else "blocked".
std::string layout_name(const dnnl::memory::desc& desc);
// The format tag most of `descs` have (ties: the earliest), or nullopt if none has one.
std::optional<dnnl::memory::format_tag> majority_tag(const std::vector<dnnl::memory::desc>& descs);
// oneDNN's dtype for `dtype`, or nullopt if oneDNN has none.
std::optional<dnnl::memory::data_type> dnnl_type(ir::DType dtype);

// Fresh uninitialized memory of `desc`, 64-byte aligned; plain descs also get the tensor view.
CpuValue allocate(const dnnl::memory::desc& desc);
// The same without the tensor view (a scratchpad), and the buffer that keeps it alive.
std::pair<dnnl::memory, std::shared_ptr<void>> allocate_memory(const dnnl::memory::desc& desc);
// Wraps a REF (plain) tensor without copying.
CpuValue wrap(const ir::Tensor& tensor);
// The same for a tensor of the current run: its oneDNN memory object comes from the run
// (run_view), so it allocates nothing, and is valid until the run ends.
CpuValue wrap_in_run(const ir::Tensor& tensor);
// `value` in layout `desc` (same dims): itself if it already is, else a reordered copy.
CpuValue to_layout(const CpuValue& value, const dnnl::memory::desc& desc, dnnl::stream& stream);
// The plain ir::Tensor of `value`, reordering blocked layouts into a new tensor.
ir::Tensor to_plain(const CpuValue& value, dnnl::stream& stream);

}  // namespace zenith::cpu
