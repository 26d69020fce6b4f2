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

}  // namespace zenith::cpu
