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
  const dnnl_format_tag_t t = dims.size() == 3   ? (wide ? dnnl_aBc16b : dnnl_aBc8b)
                              : dims.size() == 4 ? (wide ? dnnl_aBcd16b : dnnl_aBcd8b)
                                                 : (wide ? dnnl_aBcde16b : dnnl_aBcde8b);
  // The C API: the C++ constructor takes the dims as a std::vector.
  dnnl::memory::desc desc;
  dnnl::error::wrap_c_api(dnnl_memory_desc_init_by_tag(&desc.data, static_cast<int>(dims.size()),
                                                       dims.data(), dnnl_f32, t),
                          "could not describe a blocked layout");
  return desc;
}

}  // namespace zenith::cpu
