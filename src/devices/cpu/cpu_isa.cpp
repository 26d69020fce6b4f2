// int8_dot_product, bf16_dot_product: the ISA oneDNN runs with, read once.
#include "devices/cpu/cpu_isa.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace zenith::cpu {

bool int8_dot_product() {
  static const bool yes = [] {
    using isa = dnnl::cpu_isa;
    const isa effective = dnnl::get_effective_cpu_isa();
    return effective == isa::avx512_core_vnni || effective == isa::avx512_core_bf16 ||
           effective == isa::avx512_core_amx || effective == isa::avx2_vnni;
  }();
  return yes;
}

bool bf16_dot_product() {
  static const bool yes = [] {
    using isa = dnnl::cpu_isa;
    const isa effective = dnnl::get_effective_cpu_isa();
    return effective == isa::avx512_core_bf16 || effective == isa::avx512_core_amx;
  }();
  return yes;
}

}  // namespace zenith::cpu
