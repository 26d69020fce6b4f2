// The strided element copy (strided_loop.h).
#include "devices/cpu/ops/strided_loop.h"

#include <algorithm>
#include <cstring>

#include "devices/cpu/ops/plain_data.h"

namespace zenith::cpu {

void copy_strided(const std::byte* src, std::byte* dst, size_t elem_size,
                  const StridedLoop<2>& loop) {
  visit_element_size(elem_size, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(loop, [&](const std::array<int64_t, 2>& at, int64_t n,
                           const std::array<int64_t, 2>& inner) {
      const T* s = reinterpret_cast<const T*>(src) + at[1];
      T* d = reinterpret_cast<T*>(dst) + at[0];
      const int64_t ds = inner[0], ss = inner[1];
      if (ds == 1 && ss == 1)
        std::memcpy(d, s, static_cast<size_t>(n) * sizeof(T));
      else if (ds == 1 && ss == 0)
        std::fill_n(d, n, *s);
      else
        for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
    });
  });
}

void fill_elements(std::byte* dst, size_t elem_size, const ir::Dims& dims, const void* value) {
  visit_element_size(elem_size, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    std::memcpy(&v, value, sizeof(T));
    T* out = reinterpret_cast<T*>(dst);
    const StridedLoop<1> all{dims, {ir::strides_of(dims)}};
    for_each_row(all, [&](const std::array<int64_t, 1>& at, int64_t n,
                          const std::array<int64_t, 1>&) { std::fill_n(out + at[0], n, v); });
  });
}

}  // namespace zenith::cpu
