// int8_dot_product, bf16_dot_product, avx512_core, avx2_fma: the ISA oneDNN runs with, read once.
#include "devices/cpu/cpu_isa.h"

#include <algorithm>
#include <initializer_list>
#include <oneapi/dnnl/dnnl.hpp>

namespace zenith::cpu {
namespace {

using isa = dnnl::cpu_isa;

bool runs_with_one_of(std::initializer_list<isa> isas) {
  static const isa effective = dnnl::get_effective_cpu_isa();
  return std::find(isas.begin(), isas.end(), effective) != isas.end();
}

}  // namespace

bool int8_dot_product() {
  static const bool yes = runs_with_one_of({isa::avx512_core_vnni, isa::avx512_core_bf16,
                                            isa::avx512_core_amx, isa::avx2_vnni});
  return yes;
}

bool bf16_dot_product() {
  static const bool yes = runs_with_one_of({isa::avx512_core_bf16, isa::avx512_core_amx});
  return yes;
}

bool avx512_core() {
  static const bool yes = runs_with_one_of(
      {isa::avx512_core, isa::avx512_core_vnni, isa::avx512_core_bf16, isa::avx512_core_amx});
  return yes;
}

bool avx2_fma() {
  static const bool yes = avx512_core() || runs_with_one_of({isa::avx2, isa::avx2_vnni});
  return yes;
}

}  // namespace zenith::cpu
