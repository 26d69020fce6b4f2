// Choosing a convolution implementation by timing oneDNN's candidates on the layer itself.
#include "devices/cpu/ops/conv_choice.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "devices/cpu/ops/op_util.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;
using Pd = dnnl::convolution_forward::primitive_desc;

struct Candidate {
  Pd pd;
  std::string impl;
  bool winograd;
};

// Winograd must beat direct convolution by this factor: its results are further from exact.
constexpr double kWinogradMargin = 1.05;
constexpr int kTimedRuns = 5;

std::vector<Candidate> candidates(const dnnl::convolution_forward::desc& direct,
                                  const dnnl::convolution_forward::desc& winograd,
                                  const dnnl::primitive_attr& attr) {
  std::vector<Candidate> out;
  auto add = [&](const dnnl::convolution_forward::desc& desc, bool is_winograd) {
    Pd pd;
    try {
      pd = Pd(desc, attr, engine());
    } catch (const dnnl::error&) {
      return;  // no implementation of this algorithm for the layer
    }
    do {
      const std::string impl = pd.impl_info_str();
      // The reference kernels are correct but orders of magnitude slower.
      if (impl.rfind("ref", 0) == 0) continue;
      if (std::none_of(out.begin(), out.end(), [&](const Candidate& c) { return c.impl == impl; }))
        out.push_back({pd, impl, is_winograd});  // a copy: next_impl() moves `pd` on
    } while (pd.next_impl());
  };
  add(winograd, true);
  add(direct, false);
  // Timing covers the convolution alone, so a kernel that wants its input or output in another
  // layout than oneDNN's direct pick would add reorders the timing does not see: such a kernel
  // is no candidate.
  const auto direct_pick = std::find_if(out.begin(), out.end(), [](const Candidate& c) { return !c.winograd; });
  if (direct_pick != out.end()) {
    const memory::desc src = direct_pick->pd.src_desc(), dst = direct_pick->pd.dst_desc();
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const Candidate& c) { return c.pd.src_desc() != src || c.pd.dst_desc() != dst; }),
              out.end());
  }
  return out;
}

// What makes two layers time alike: dims, layouts, geometry, post-op kinds and threads.
std::string timing_key(const Pd& pd, const dnnl::convolution_forward::desc& direct,
                       const dnnl::primitive_attr& attr) {
  std::ostringstream key;
  auto dims = [&](const memory::desc& d) {
    for (auto v : d.dims()) key << v << ',';
    const auto tag = format_tag_of(d);
    key << (tag ? static_cast<int>(*tag) : -1) << ';';
  };
  dims(pd.src_desc());
  dims(pd.dst_desc());
  for (auto v : memory::desc(direct.data.weights_desc).dims()) key << v << ',';
  key << (direct.data.bias_desc.ndims != 0) << ';';
  const int spatial = pd.src_desc().dims().size() - 2;
  for (int i = 0; i < spatial; ++i)
    key << direct.data.strides[i] << ',' << direct.data.dilates[i] << ',' << direct.data.padding[0][i]
        << ',' << direct.data.padding[1][i] << ';';
  const dnnl::post_ops po = attr.get_post_ops();
  for (int i = 0; i < po.len(); ++i) key << static_cast<int>(po.kind(i)) << ',';
  key << ';' << omp_get_max_threads();
  return key.str();
}

// One candidate ready to run on the shared seeded input.
struct Trial {
  dnnl::convolution_forward conv;
  std::unordered_map<int, memory> args;
};

Trial prepare(const Candidate& c, const memory& src, const memory& weights, const memory& bias,
              dnnl::stream& stream) {
  Trial t{dnnl::convolution_forward(c.pd), {}};
  t.args[DNNL_ARG_SRC] = packed_copy(src, c.pd.src_desc(), stream);
  t.args[DNNL_ARG_WEIGHTS] = packed_copy(weights, c.pd.weights_desc(), stream);
  if (bias) t.args[DNNL_ARG_BIAS] = packed_copy(bias, c.pd.bias_desc(), stream);
  memory dst(c.pd.dst_desc(), engine());
  // A sum post-op reads the destination: start it at zero.
  std::fill_n(static_cast<char*>(dst.get_data_handle()), c.pd.dst_desc().get_size(), 0);
  t.args[DNNL_ARG_DST] = dst;
  t.args[DNNL_ARG_SCRATCHPAD] = memory(c.pd.scratchpad_desc(), engine());  // the pd's attr asks for one
  return t;
}

std::vector<float> plain_output(const Trial& t, dnnl::stream& stream) {
  const memory& dst = t.args.at(DNNL_ARG_DST);
  const memory plain = packed_copy(dst, plain_desc(dst.get_desc().dims()), stream);
  const float* p = static_cast<const float*>(plain.get_data_handle());
  return std::vector<float>(p, p + plain.get_desc().get_size() / sizeof(float));
}

double time_once(Trial& t, dnnl::stream& stream) {
  const auto start = std::chrono::steady_clock::now();
  t.conv.execute(stream, t.args);
  stream.wait();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Largest |a - b| relative to the largest |b|.
float relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  float diff = 0.0f, scale = std::numeric_limits<float>::min();
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

// The rate at which a layer's weights stream in from memory. ResNet-50's 512-channel 3x3 layer
// with F(4x4,3x3) (38 MB of weights) took 0.8 ms timed alone and 1.9 ms in the model.
// Measured once per process as a read of a buffer far beyond any L2.
double stream_gb_per_s() {
  static const double rate = [] {
    std::vector<float> buffer((size_t{128} << 20) / sizeof(float), 1.0f);
    const auto start = std::chrono::steady_clock::now();
    float sum = 0.0f;
#pragma omp parallel for reduction(+ : sum)
    for (size_t i = 0; i < buffer.size(); i += 16) sum += buffer[i];  // one float per cache line
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return sum > 0.0f ? static_cast<double>(buffer.size() * sizeof(float)) / ms / 1e6 : 1.0;
  }();
  return rate;
}

// The choice when there is none: the one candidate, or oneDNN's own pick (a reference kernel).
ConvChoice only(const std::vector<Candidate>& all, const dnnl::convolution_forward::desc& direct,
                const dnnl::primitive_attr& attr) {
  if (all.empty()) {
    Pd pd(direct, attr, engine());
    return {pd, pd.impl_info_str(), "no other kernel"};
  }
  return {all[0].pd, all[0].impl, "the only candidate"};
}

std::mutex timings_mutex;
std::map<std::string, std::map<std::string, double>> timings;  // key -> impl -> ms

}  // namespace

ConvChoice choose_conv(const dnnl::convolution_forward::desc& direct,
                       const dnnl::convolution_forward::desc& winograd,
                       const dnnl::primitive_attr& attr, const memory& weights, const memory& bias,
                       dnnl::stream& stream, float winograd_tolerance) {
  std::vector<Candidate> all = candidates(direct, winograd, attr);
  if (all.size() <= 1) return only(all, direct, attr);

  memory src(plain_desc(all[0].pd.src_desc().dims()), engine());
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  float* s = static_cast<float*>(src.get_data_handle());
  for (size_t i = 0; i < src.get_desc().get_size() / sizeof(float); ++i) s[i] = uniform(rng);

  std::vector<Trial> trials;
  for (auto it = all.begin(); it != all.end();) {
    try {
      trials.push_back(prepare(*it, src, weights, bias, stream));
      ++it;
    } catch (const dnnl::error&) {
      it = all.erase(it);  // e.g. oneDNN has no reorder into this kernel's Winograd weights
    }
  }
  if (all.size() <= 1) return only(all, direct, attr);
  for (Trial& t : trials) t.conv.execute(stream, t.args);
  // The reference result: the first direct candidate (oneDNN's own direct pick).
  const auto reference = std::find_if(all.begin(), all.end(), [](const Candidate& c) { return !c.winograd; });
  std::vector<float> expected;
  if (reference != all.end()) expected = plain_output(trials[reference - all.begin()], stream);

  std::ostringstream why;
  std::vector<bool> usable(all.size(), true);
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].winograd || expected.empty()) continue;
    const float error = relative_error(plain_output(trials[i], stream), expected);
    usable[i] = error <= winograd_tolerance;
    why << all[i].impl << " relative error " << error << (usable[i] ? "" : " (over tolerance: dropped)") << "; ";
  }

  const std::string key = timing_key(all[0].pd, direct, attr);
  std::map<std::string, double> ms;
  {
    std::lock_guard<std::mutex> lock(timings_mutex);
    ms = timings[key];
  }
  // The fastest of a few runs each, taken in turns so that a burst of load elsewhere on the
  // machine hits every candidate alike.
  std::vector<size_t> untimed;
  for (size_t i = 0; i < all.size(); ++i)
    if (!ms.count(all[i].impl)) untimed.push_back(i);
  std::vector<double> fastest(all.size(), std::numeric_limits<double>::infinity());
  for (int run = 0; run < kTimedRuns; ++run)
    for (size_t i : untimed) fastest[i] = std::min(fastest[i], time_once(trials[i], stream));
  for (size_t i : untimed) ms[all[i].impl] = fastest[i];
  if (!untimed.empty()) {
    std::lock_guard<std::mutex> lock(timings_mutex);
    timings[key] = ms;
  }

  size_t best = all.size();
  double best_score = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < all.size(); ++i) {
    // Timed in a loop, the weights stay in cache; in the model they stream in on every run.
    const double weights_ms = all[i].pd.weights_desc().get_size() / stream_gb_per_s() / 1e6;
    why << all[i].impl << " " << ms[all[i].impl] << " + " << weights_ms << " ms; ";
    const double score = (ms[all[i].impl] + weights_ms) * (all[i].winograd ? kWinogradMargin : 1.0);
    if (usable[i] && score < best_score) {
      best = i;
      best_score = score;
    }
  }
  std::string text = why.str();
  text.resize(text.size() - 2);
  return {all[best].pd, all[best].impl, text};
}

}  // namespace zenith::cpu
