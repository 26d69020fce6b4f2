// Helpers the CPU op families share: descriptors, plain views, constant inputs.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "devices/cpu/arena.h"
#include "devices/cpu/cpu_op.h"
#include "devices/cpu/kernel_trace.h"
#include "ir/errors.h"
#include "passes/pass_util.h"

namespace zenith::cpu {

// A descriptor of `dims` (f32) that lets the primitive choose the layout.
inline dnnl::memory::desc any_desc(const ir::Dims& dims) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
}

// `desc` with elements of `type`: the same dims and layout (strides count elements).
inline dnnl::memory::desc retyped(const dnnl::memory::desc& desc, dnnl::memory::data_type type) {
  dnnl_memory_desc_t data = desc.data;
  data.data_type = dnnl::memory::convert_to_c(type);
  return dnnl::memory::desc(data);
}

// The value of a u8 or s8 tensor's first element (a zero point). REQUIRES: u8 or s8, not empty.
inline int32_t integer_scalar(const ir::Tensor& t) {
  return t.dtype() == ir::DType::U8 ? int32_t{*t.data<uint8_t>()} : int32_t{*t.data<int8_t>()};
}

// True if the name of `pd`'s implementation starts with `family`.
inline bool implemented_by(const dnnl::primitive_desc_base& pd, std::string_view family) {
  return std::string_view(pd.impl_info_str()).substr(0, family.size()) == family;
}

// True if `pd` is one of oneDNN's reference implementations, orders of magnitude slower than
// its JIT kernels.
inline bool is_reference(const dnnl::primitive_desc_base& pd) { return implemented_by(pd, "ref"); }

// True if `pd` is one of oneDNN's JIT kernels (the fast ones; not ref, simple or gemm loops).
inline bool is_jit(const dnnl::primitive_desc_base& pd) { return implemented_by(pd, "jit"); }

// Which kernel a layer runs where Zenith has one of its own beside oneDNN's: the environment
// variable `variable` set to "zenith" or "onednn" fixes it (the tests run both); unset, each
// layer times both when it is built and keeps the faster.
enum class OwnKernel { Timed, Zenith, OneDnn };
inline OwnKernel own_kernel_choice(const char* variable) {
  const char* v = std::getenv(variable);
  const std::string_view name = v ? v : "";
  if (name.empty()) return OwnKernel::Timed;
  if (name == "zenith") return OwnKernel::Zenith;
  if (name == "onednn") return OwnKernel::OneDnn;
  throw Error(Error::Kind::InvalidArgument,
              fmt::format("{} is '{}': expected zenith or onednn", variable, name));
}

// The primitive for `desc` in a narrower precision (BF16), or nullopt where oneDNN has only its
// reference kernel for it (or none): slower than f32, so the caller builds in f32 instead.
template <typename PrimitiveDesc, typename Desc>
std::optional<PrimitiveDesc> narrow_pd(const Desc& desc, const dnnl::primitive_attr& attr) {
  try {
    PrimitiveDesc pd(desc, attr, engine());
    if (!is_reference(pd)) return pd;
  } catch (const dnnl::error&) {
  }
  return std::nullopt;
}

// A value's bytes as plain row-major memory viewed with `dims` (same element count), for the
// current step (run_view); `keep` holds the plain tensor for as long as the memory is used.
inline dnnl::memory plain_view(const CpuValue& value, const ir::Dims& dims, dnnl::stream& stream,
                               ir::Tensor& keep) {
  // Already so (a constant, say): the same memory object, as creating one costs microseconds.
  if (value.mem && dims_of(value.desc()) == dims && is_plain(value.desc())) return value.mem;
  keep = to_plain(value, stream);
  return run_view(plain_desc(dims, *dnnl_type(keep.dtype())), keep.raw());
}

// The same with the value's own dims.
inline dnnl::memory plain_view(const CpuValue& value, dnnl::stream& stream, ir::Tensor& keep) {
  if (value.mem && is_plain(value.desc())) return value.mem;
  return plain_view(value, value.dims(), stream, keep);
}

// A value's plain row-major bytes seen as `desc` (the same bytes: other dims, or strides that
// transpose): its own memory when that is already so, else a view for this run (run_view) over
// them, or over a plain copy in `keep` when the value is in blocks.
inline dnnl::memory plain_as(const CpuValue& value, const dnnl::memory::desc& desc,
                             dnnl::stream& stream, ir::Tensor& keep) {
  if (value.mem && value.mem.get_desc() == desc) return value.mem;
  return run_view(desc, plain_view(value, stream, keep).get_data_handle());
}

// A copy of `src` in layout `desc`, finished when this returns: how constant weights are packed
// once into the layout a primitive chose.
inline dnnl::memory packed_copy(dnnl::memory src, const dnnl::memory::desc& desc,
                                dnnl::stream& stream) {
  dnnl::memory out(desc, engine());
  dnnl::reorder(src, out).execute(stream, src, out);
  stream.wait();
  return out;
}

// The source / destination descriptor of a primitive, read through oneDNN's C API: the C++
// queries build a std::vector on every call, and runs read these on every step.
inline dnnl::memory::desc queried_md(const dnnl::primitive_desc_base& pd, dnnl_query_t what) {
  const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(pd.get(), what, 0);
  return md ? dnnl::memory::desc(*md) : dnnl::memory::desc();
}
inline dnnl::memory::desc src_md(const dnnl::primitive_desc_base& pd) {
  return queried_md(pd, dnnl_query_src_md);
}
inline dnnl::memory::desc dst_md(const dnnl::primitive_desc_base& pd) {
  return queried_md(pd, dnnl_query_dst_md);
}

// True if input `i` of `node` is a constant: an initializer no graph input of the same name may
// override (passes::constant_of). One a caller may feed is read at run time, never packed.
inline bool is_constant(const ir::Graph& graph, const ir::Node& node, size_t i) {
  return node.has_input(i) && passes::constant_of(graph, node.inputs[i]) != nullptr;
}

// The dtype the graph declares for value `name`, Undefined when unknown.
ir::DType declared_dtype(const ir::Graph& graph, const std::string& name);

// "" if every input the graph declares for `node` (the first `inputs` of them) is f32 (unknown
// types are checked at run time), else the reason.
std::string require_f32(const ir::Graph& graph, const ir::Node& node,
                        size_t inputs = std::numeric_limits<size_t>::max());

}  // namespace zenith::cpu
