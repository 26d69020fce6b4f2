// CpuValue: allocation, wrapping and layout conversion of CPU tensors.
#include "devices/cpu/cpu_value.h"

#include <omp.h>
#include <xmmintrin.h>
#include <pmmintrin.h>

#include <algorithm>

#include "devices/cpu/arena.h"
#include "devices/cpu/kernel_trace.h"
#include "ir/errors.h"

namespace zenith::cpu {

using dt = dnnl::memory::data_type;

const dnnl::engine& engine() {
  static const dnnl::engine cpu_engine(dnnl::engine::kind::cpu, 0);
  return cpu_engine;
}

CpuRunSettings::CpuRunSettings(int threads)
    : saved_csr_(_mm_getcsr()), saved_threads_(omp_get_max_threads()) {
  omp_set_num_threads(threads);
  // One thread runs no team: no region to enter (devices/cpu/parallel.h says what one costs).
  if (threads > 1) {
#pragma omp parallel
    {
      _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
      _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
    }
  }
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}

CpuRunSettings::~CpuRunSettings() {
  _mm_setcsr(saved_csr_);
  omp_set_num_threads(saved_threads_);
}

ir::Dims CpuValue::dims() const { return mem ? dims_of(mem.get_desc()) : plain.dims(); }

ir::Dims dims_of(const dnnl::memory::desc& desc) {
  return {desc.data.dims, desc.data.dims + desc.data.ndims};
}

size_t CpuValue::rank() const {
  return mem ? static_cast<size_t>(mem.get_desc().data.ndims) : plain.dims().size();
}

int64_t CpuValue::dim(size_t i) const {
  return mem ? mem.get_desc().data.dims[i] : plain.dims()[i];
}

namespace {

void check_rank(size_t rank) {
  if (rank > DNNL_MAX_NDIMS)
    throw Error(
        Error::Kind::Unsupported,
        fmt::format("oneDNN takes at most {} dims; this tensor has {}", DNNL_MAX_NDIMS, rank));
}

}  // namespace

// These go through the C API: the C++ constructors take dims and strides as std::vectors.
dnnl::memory::desc plain_desc(std::span<const int64_t> dims, dt type) {
  check_rank(dims.size());
  dnnl_dims_t strides;
  int64_t step = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = step;
    step *= std::max<int64_t>(dims[i], 1);
  }
  return strided_desc(dims, {strides, dims.size()}, type);
}

dnnl::memory::desc tagged_desc(std::span<const int64_t> dims, dnnl::memory::format_tag tag,
                               dt type) {
  check_rank(dims.size());
  dnnl::memory::desc desc;
  dnnl::error::wrap_c_api(dnnl_memory_desc_init_by_tag(
                              &desc.data, static_cast<int>(dims.size()), dims.data(),
                              dnnl::memory::convert_to_c(type), dnnl::memory::convert_to_c(tag)),
                          "could not describe a layout by its tag");
  return desc;
}

dnnl::memory::desc strided_desc(std::span<const int64_t> dims, std::span<const int64_t> strides,
                                dt type) {
  check_rank(dims.size());
  ZENITH_ASSERT(strides.size() == dims.size());
  dnnl::memory::desc desc;
  dnnl::error::wrap_c_api(
      dnnl_memory_desc_init_by_strides(&desc.data, static_cast<int>(dims.size()), dims.data(),
                                       dnnl::memory::convert_to_c(type), strides.data()),
      "could not describe a strided layout");
  return desc;
}

bool is_plain(const dnnl::memory::desc& desc) {
  // The fields plain_desc() sets, read in place: building a descriptor to compare with took a
  // visible share of each step's overhead.
  const dnnl_memory_desc_t& md = desc.data;
  if (md.format_kind != dnnl_blocked || md.offset0 != 0 || md.extra.flags != 0 ||
      md.format_desc.blocking.inner_nblks != 0)
    return false;
  dnnl_dim_t stride = 1;
  for (int i = md.ndims - 1; i >= 0; --i) {
    // A dimension of size 1 is never stepped along: its stride is free, as oneDNN's own
    // descriptor comparison treats it.
    if (md.padded_dims[i] != md.dims[i] || md.padded_offsets[i] != 0 ||
        (md.dims[i] != 1 && md.format_desc.blocking.strides[i] != stride))
      return false;
    stride *= std::max<dnnl_dim_t>(md.dims[i], 1);
  }
  return true;
}

bool is_dense(const dnnl::memory::desc& desc) {
  size_t bytes = dnnl::memory::data_type_size(desc.data_type());
  for (int i = 0; i < desc.data.ndims; ++i) bytes *= static_cast<size_t>(desc.data.padded_dims[i]);
  return desc.get_size() == bytes;
}

std::optional<dnnl::memory::format_tag> format_tag_of(const dnnl::memory::desc& desc) {
  using tag = dnnl::memory::format_tag;
  static const std::vector<tag> by_rank[6] = {
      {}, {}, {},
      {tag::abc, tag::acb, tag::aBc8b, tag::aBc16b},
      {tag::abcd, tag::acdb, tag::aBcd8b, tag::aBcd16b},
      {tag::abcde, tag::acdeb, tag::aBcde8b, tag::aBcde16b}};
  const ir::Dims dims = dims_of(desc);
  if (dims.size() >= 6) return std::nullopt;
  for (tag t : by_rank[dims.size()])
    if (desc == tagged_desc(dims, t, desc.data_type())) return t;
  return std::nullopt;
}

std::string layout_name(const dnnl::memory::desc& desc) {
  using tag = dnnl::memory::format_tag;
  if (!is_dense(desc)) return "strided";
  if (is_plain(desc)) {
    static const char* const plain[] = {"", "x", "nc", "ncw", "nchw", "ncdhw"};
    return desc.dims().size() < std::size(plain) ? plain[desc.dims().size()] : "plain";
  }
  switch (format_tag_of(desc).value_or(tag::undef)) {
    case tag::acb: return "nwc";
    case tag::acdb: return "nhwc";
    case tag::acdeb: return "ndhwc";
    case tag::aBc8b: return "nCw8c";
    case tag::aBcd8b: return "nChw8c";
    case tag::aBcde8b: return "nCdhw8c";
    case tag::aBc16b: return "nCw16c";
    case tag::aBcd16b: return "nChw16c";
    case tag::aBcde16b: return "nCdhw16c";
    default: return "blocked";
  }
}

std::optional<dnnl::memory::format_tag> majority_tag(const std::vector<dnnl::memory::desc>& descs) {
  std::vector<std::pair<dnnl::memory::format_tag, int>> counts;
  for (const auto& d : descs) {
    const auto t = format_tag_of(d);
    if (!t) continue;
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == *t; });
    if (it == counts.end())
      counts.emplace_back(*t, 1);
    else
      ++it->second;
  }
  if (counts.empty()) return std::nullopt;
  return std::max_element(counts.begin(), counts.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

std::optional<dt> dnnl_type(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::F32: return dt::f32;
    case ir::DType::F16: return dt::f16;
    case ir::DType::BF16: return dt::bf16;
    case ir::DType::I32: return dt::s32;
    case ir::DType::I8: return dt::s8;
    case ir::DType::U8: return dt::u8;
    default: return std::nullopt;
  }
}

namespace {

ir::DType ir_type(dt type) {
  switch (type) {
    case dt::f32: return ir::DType::F32;
    case dt::f16: return ir::DType::F16;
    case dt::bf16: return ir::DType::BF16;
    case dt::s32: return ir::DType::I32;
    case dt::s8: return ir::DType::I8;
    case dt::u8: return ir::DType::U8;
    default: break;
  }
  throw Error(Error::Kind::Internal,
              fmt::format("oneDNN data type {} has no IR dtype", static_cast<int>(type)));
}

}  // namespace

ir::DType CpuValue::dtype() const {
  return mem ? ir_type(mem.get_desc().data_type()) : plain.dtype();
}

std::pair<dnnl::memory, std::shared_ptr<void>> allocate_memory(const dnnl::memory::desc& desc) {
  return run_memory(desc);
}

CpuValue allocate(const dnnl::memory::desc& desc) {
  auto [memory, buffer] = allocate_memory(desc);
  CpuValue value;
  value.mem = std::move(memory);
  if (is_plain(desc))
    value.plain = ir::Tensor::view(ir_type(desc.data_type()), dims_of(desc), buffer.get(), buffer);
  value.owner = std::move(buffer);
  return value;
}

namespace {

template <class MakeMemory>
CpuValue wrap_with(const ir::Tensor& tensor, MakeMemory&& make_memory) {
  CpuValue value;
  value.plain = tensor;
  if (auto type = dnnl_type(tensor.dtype()); type && tensor.rank() > 0)
    value.mem = make_memory(plain_desc(tensor.dims(), *type), const_cast<std::byte*>(tensor.raw()));
  return value;
}

}  // namespace

CpuValue wrap(const ir::Tensor& tensor) {
  return wrap_with(tensor, [](const dnnl::memory::desc& desc, void* data) {
    return dnnl::memory(desc, engine(), data);
  });
}

CpuValue wrap_in_run(const ir::Tensor& tensor) { return wrap_with(tensor, run_view); }

CpuValue to_layout(const CpuValue& value, const dnnl::memory::desc& desc, dnnl::stream& stream) {
  ZENITH_ASSERT(value.mem);
  if (value.mem.get_desc() == desc) return value;
  CpuValue out = allocate(desc);
  dnnl::memory src = value.mem;  // a handle; execute() wants it non-const
  reorder(src, out.mem, stream);
  return out;
}

ir::Tensor to_plain(const CpuValue& value, dnnl::stream& stream) {
  if (!value.mem || is_plain(value.mem.get_desc())) return value.plain;
  const auto desc = value.mem.get_desc();
  return to_layout(value, plain_desc(dims_of(desc), desc.data_type()), stream).plain;
}

}  // namespace zenith::cpu
