// `zenith compare`: checks that two .npy arrays agree within tolerances (like numpy.allclose).
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <memory>
#include <type_traits>

#include "ir/errors.h"
#include "tools/cli_util.h"
#include "tools/npy.h"

namespace zenith::tools {
namespace {

struct CompareOptions {
  std::string actual, expected;
  double rtol = 1e-3, atol = 1e-4;
};

std::vector<double> to_doubles(const ir::Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.numel()));
  ir::visit_numeric(t.dtype(), "compare", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(data[i]);
  });
  return out;
}

int compare(const CompareOptions& options) {
  const ir::Tensor a = read_npy(options.actual), b = read_npy(options.expected);
  if (a.dims() != b.dims())
    throw_invalid_argument("{} has shape {} but {} has shape {}", options.actual,
                           ir::to_string(a.dims()), options.expected, ir::to_string(b.dims()));
  if (a.dtype() != b.dtype())
    std::cout << fmt::format("note: dtypes differ ({} vs {}); comparing values\n",
                             ir::dtype_name(a.dtype()), ir::dtype_name(b.dtype()));
  const std::vector<double> x = to_doubles(a), y = to_doubles(b);
  double max_abs = 0, max_rel = 0;
  int64_t mismatches = 0, first = -1;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) && std::isnan(y[i])) continue;
    const double diff = std::abs(x[i] - y[i]);
    const bool ok = diff <= options.atol + options.rtol * std::abs(y[i]);  // also false for NaN
    if (!std::isnan(diff)) {
      max_abs = std::max(max_abs, diff);
      if (y[i] != 0) max_rel = std::max(max_rel, diff / std::abs(y[i]));
    }
    if (!ok && mismatches++ == 0) first = static_cast<int64_t>(i);
  }
  std::cout << fmt::format(
      "compared {} elements of shape {}: max abs error {:.3g}, max rel "
      "error {:.3g} (rtol {:g}, atol {:g})\n",
      x.size(), ir::to_string(a.dims()), max_abs, max_rel, options.rtol, options.atol);
  if (mismatches == 0) {
    std::cout << "match\n";
    return 0;
  }
  std::cerr << fmt::format(
      "zenith: error: {} of {} elements differ beyond |a-b| <= atol + rtol*|b|;"
      " first at flat index {}: {} vs {}\n",
      mismatches, x.size(), first, x[first], y[first]);
  return 1;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* sub = app.add_subcommand(
      "compare", "Compare two .npy arrays: pass if |a-b| <= atol + rtol*|b| everywhere");
  sub->add_option("actual", options->actual, "Array to check (.npy)")->required();
  sub->add_option("expected", options->expected, "Reference array (.npy)")->required();
  sub->add_option("--rtol", options->rtol, "Relative tolerance")->default_str("1e-3");
  sub->add_option("--atol", options->atol, "Absolute tolerance")->default_str("1e-4");
  return {sub, [options] { return compare(*options); }};
}

}  // namespace zenith::tools
