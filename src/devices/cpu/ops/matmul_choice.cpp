// Timing oneDNN's matmul with B in each layout (matmul_choice.h).
#include "devices/cpu/ops/matmul_choice.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

#include "devices/cpu/arena.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/cpu/ops/op_util.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

constexpr double kTimedWork = double{1 << 24};  // multiply-adds
constexpr int kTimedRuns = 3;

// Zeroed memory of `desc`: the kernel's time does not depend on the values.
memory zeros(const memory::desc& desc) {
  memory m(desc, engine());
  std::memset(m.get_data_handle(), 0, desc.get_size());
  return m;
}

// The fastest of kTimedRuns runs of each primitive, taking turns so that a burst of load
// elsewhere hits them alike.
std::pair<double, double> time_both(const dnnl::matmul::primitive_desc& first,
                                    const dnnl::matmul::primitive_desc& second,
                                    const memory::desc& bias, dnnl::stream& stream) {
  const OutsideRunArena outside;  // the timing runs' buffers are not the model run's
  const KernelTrace timing_runs;  // nor are their kernels in the step's profile
  const memory a = zeros(first.src_desc()), dst = zeros(first.dst_desc());
  const memory c = bias.is_zero() ? memory() : zeros(bias);
  double best[2] = {std::numeric_limits<double>::infinity(),
                    std::numeric_limits<double>::infinity()};
  dnnl::matmul primitives[2] = {dnnl::matmul(first), dnnl::matmul(second)};
  memory weights[2] = {zeros(first.weights_desc()), zeros(second.weights_desc())};
  for (int run = 0; run <= kTimedRuns; ++run)  // run 0 warms up
    for (int i = 0; i < 2; ++i) {
      ExecArgs args{{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, weights[i]}, {DNNL_ARG_DST, dst}};
      if (c) args[DNNL_ARG_BIAS] = c;
      const auto start = std::chrono::steady_clock::now();
      execute(primitives[i], stream, args);
      stream.wait();
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (run > 0) best[i] = std::min(best[i], ms);
    }
  return {best[0], best[1]};
}

std::mutex timings_mutex;
std::map<std::string, std::pair<double, double>> timings;  // key -> (row-major, transposed) ms

}  // namespace

memory::desc choose_weights_layout(const memory::desc& a, const memory::dims& b_dims,
                                   const memory::desc& bias, const memory::desc& dst,
                                   const dnnl::primitive_attr& attr, dnnl::stream& stream) {
  const memory::desc rows(b_dims, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc transposed(b_dims, memory::data_type::f32, memory::format_tag::ba);
  const char* fixed = std::getenv("ZENITH_MATMUL_WEIGHTS");
  const std::string_view name = fixed ? fixed : "";
  if (name == "rows") return rows;
  if (name == "transposed") return transposed;
  if (!name.empty())
    throw Error(Error::Kind::InvalidArgument,
                fmt::format("ZENITH_MATMUL_WEIGHTS is '{}': expected rows or transposed", name));
  const double work = static_cast<double>(a.dims()[0]) * static_cast<double>(b_dims[0]) *
                      static_cast<double>(b_dims[1]);
  if (work < kTimedWork) return rows;
  const dnnl::matmul::primitive_desc row_pd(dnnl::matmul::desc(a, rows, bias, dst), attr, engine());
  const dnnl::matmul::primitive_desc col_pd(dnnl::matmul::desc(a, transposed, bias, dst), attr,
                                            engine());
  if (is_reference(row_pd) || is_reference(col_pd)) return rows;
  std::ostringstream key;
  for (auto d : a.dims()) key << d << ',';
  for (auto d : b_dims) key << d << ',';
  key << !bias.is_zero() << ';';
  const dnnl::post_ops po = attr.get_post_ops();
  for (int i = 0; i < po.len(); ++i) key << static_cast<int>(po.kind(i)) << ',';
  key << ';' << omp_get_max_threads();
  std::pair<double, double> ms;
  bool known;
  {
    std::lock_guard<std::mutex> lock(timings_mutex);
    const auto it = timings.find(key.str());
    known = it != timings.end();
    if (known) ms = it->second;
  }
  if (!known) {
    ms = time_both(row_pd, col_pd, bias, stream);
    std::lock_guard<std::mutex> lock(timings_mutex);
    timings[key.str()] = ms;
  }
  return ms.second < ms.first ? transposed : rows;
}

}  // namespace zenith::cpu
