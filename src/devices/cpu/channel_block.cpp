// The channel block for this host, from the ISA oneDNN dispatches to.
#include "devices/cpu/channel_block.h"

#include "ir/errors.h"

namespace zenith::cpu {

int64_t channel_block() {
  // The ISA is fixed for the process: oneDNN reads ONEDNN_MAX_CPU_ISA once.
  static const int64_t block = [] {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto avx512_core = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
    return (isa & avx512_core) == avx512_core ? int64_t{16} : int64_t{8};
  }();
  return block;
}

dnnl::memory::desc blocked_desc(std::span<const int64_t> dims) {
  const bool wide = channel_block() == 16;
  ZENITH_ASSERT(dims.size() >= 3 && dims.size() <= 5);
  using tag = dnnl::memory::format_tag;
  return tagged_desc(dims, dims.size() == 3   ? (wide ? tag::aBc16b : tag::aBc8b)
                           : dims.size() == 4 ? (wide ? tag::aBcd16b : tag::aBcd8b)
                                              : (wide ? tag::aBcde16b : tag::aBcde8b));
}

int64_t strided_blocked_channels(const dnnl::memory::desc& x) {
  // Read in place: building the dims costs an allocation on every run of every such step.
  const dnnl_dims_t& d = x.data.dims;
  if (x.data.format_kind != dnnl_blocked || x.data.ndims != 4 || d[1] % channel_block() != 0 ||
      d[2] * d[3] == 0)
    return 0;
  const int64_t total = x.data.format_desc.blocking.strides[0] / (d[2] * d[3]);
  if (total <= d[1]) return 0;
  // The view ChainBuffers makes, through the C API (the C++ one takes std::vectors).
  const dnnl::memory::desc whole = blocked_desc({d[0], total, d[2], d[3]});
  const dnnl_dims_t offsets = {0, 0, 0, 0};
  dnnl::memory::desc view;
  dnnl::error::wrap_c_api(dnnl_memory_desc_init_submemory(&view.data, &whole.data, d, offsets),
                          "could not describe a channel slice");
  return x == view ? total : 0;
}

}  // namespace zenith::cpu
