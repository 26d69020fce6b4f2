// Cast (target dtype from attribute `to`) and CastLike (target dtype from input 1), between every
// pair of dtypes including strings.
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

double parse_double(const std::string& s, ir::DType to) {
  const char* begin = s.c_str();
  char* end = nullptr;
  // strtod accepts the spellings ONNX documents: "1e-4", "NaN", "INF", "+INF", "-inf".
  const double value = std::strtod(begin, &end);
  while (end != begin && *end == ' ') ++end;
  if (end == begin || *end != '\0')
    throw_invalid_argument("cannot cast string '{}' to {}: not a number", s, ir::dtype_name(to));
  return value;
}

template <typename R>
R parse(const std::string& s) {
  if constexpr (std::is_same_v<R, bool>) {
    if (s == "True" || s == "true") return true;
    if (s == "False" || s == "false") return false;
    return parse_double(s, ir::DType::Bool) != 0.0;
  } else if constexpr (std::is_integral_v<R>) {
    // Integers parse exactly when they can; "1.5" or "1e3" go through double and truncate.
    R value{};
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && ptr == s.data() + s.size()) return value;
    return convert<R>(parse_double(s, ir::dtype_of<R>()));
  } else {
    return convert<R>(parse_double(s, ir::dtype_of<R>()));
  }
}

// numpy's astype(str) spelling: shortest round-trip digits, "1.0" rather than "1", "True".
template <typename V>
std::string format(V v) {
  if constexpr (std::is_same_v<V, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_floating_point_v<V>) {
    std::string s = fmt::format("{}", v);
    if (s.find_first_not_of("-0123456789") == std::string::npos) s += ".0";
    return s;
  } else if constexpr (std::is_signed_v<V>) {
    return std::to_string(static_cast<int64_t>(v));
  } else {
    return std::to_string(static_cast<uint64_t>(v));
  }
}

template <typename S, typename R>
R cast_element(const S& v) {
  if constexpr (std::is_same_v<S, R>)
    return v;
  else if constexpr (std::is_same_v<S, std::string>)
    return parse<R>(v);
  else if constexpr (std::is_same_v<R, std::string>)
    return format(static_cast<Compute<S>>(v));
  else
    return convert<R>(static_cast<Compute<S>>(v));
}

void cast_to(KernelContext& ctx, ir::DType to) {
  const ir::Tensor& x = ctx.input(0);
  ir::Tensor& y = ctx.allocate_output(0, to, x.dims());
  ir::visit_dtype(x.dtype(), [&](auto source_tag) {
    using S = typename decltype(source_tag)::type;
    ir::visit_dtype(to, [&](auto result_tag) {
      using R = typename decltype(result_tag)::type;
      const S* src = x.data<S>();
      R* dst = y.data<R>();
      for (int64_t i = 0; i < x.numel(); ++i) dst[i] = cast_element<S, R>(src[i]);
    });
  });
}

void cast(KernelContext& ctx) {
  cast_to(ctx, ir::dtype_from_onnx_code(ctx.attr<int64_t>("to"), "attribute 'to'"));
}

void cast_like(KernelContext& ctx) { cast_to(ctx, ctx.input(1).dtype()); }

}  // namespace

void register_cast(KernelRegistry& registry) {
  registry.add("Cast", &cast);
  registry.add("CastLike", &cast_like);
}

}  // namespace zenith::ref
