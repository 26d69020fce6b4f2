// Choosing a convolution implementation by timing oneDNN's candidates on the layer itself.
#include "devices/cpu/ops/conv_choice.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <random>
#include <sstream>

#include "devices/cpu/arena.h"
#include "devices/cpu/kernel_trace.h"
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
      if (is_reference(pd)) continue;
      const std::string impl = pd.impl_info_str();
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

// With `weights` empty, the kernel gets zeros in its own weights layout: its time does not depend
// on the values, and packing real weights into a Winograd layout costs more than a timed run
// (ResNet-50's 512-channel layers: 45 ms each).
Trial prepare(const Candidate& c, const memory& src, const memory& weights, const memory& bias,
              dnnl::stream& stream) {
  Trial t{dnnl::convolution_forward(c.pd), {}};
  t.args[DNNL_ARG_SRC] = packed_copy(src, c.pd.src_desc(), stream);
  if (weights) {
    t.args[DNNL_ARG_WEIGHTS] = packed_copy(weights, c.pd.weights_desc(), stream);
  } else {
    memory zeros(c.pd.weights_desc(), engine());
    std::fill_n(static_cast<char*>(zeros.get_data_handle()), c.pd.weights_desc().get_size(), 0);
    t.args[DNNL_ARG_WEIGHTS] = zeros;
  }
  if (bias) t.args[DNNL_ARG_BIAS] = packed_copy(bias, c.pd.bias_desc(), stream);
  memory dst(c.pd.dst_desc(), engine());
  // A sum post-op reads the destination: start it at zero.
  std::fill_n(static_cast<char*>(dst.get_data_handle()), c.pd.dst_desc().get_size(), 0);
  t.args[DNNL_ARG_DST] = dst;
  t.args[DNNL_ARG_SCRATCHPAD] = memory(c.pd.scratchpad_desc(), engine());  // the pd's attr asks for one
  return t;
}

std::vector<float> plain_values(const memory& dst, dnnl::stream& stream) {
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
// Measured once per process as a read of a buffer twice this machine's L3 (32 MiB). Small
// pages, faulted in 30-45 ms: asking for huge pages made the kernel compact memory on the
// fault, which took 1.1-1.3 s on some runs (a small model's first inference, 0.4 ms after it).
double stream_gb_per_s() {
  static const double rate = [] {
    const size_t bytes = size_t{64} << 20;
    void* mapping = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) throw std::bad_alloc();
    float* buffer = static_cast<float*>(mapping);
    const size_t n = bytes / sizeof(float);
    // Each thread reads the lines it wrote (the same static split), so no thread waits on
    // another's fill, and ThreadSanitizer, blind to libgomp's barriers, sees no shared access.
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i += 16) std::fill_n(buffer + i, 16, 1.0f);
    const auto start = std::chrono::steady_clock::now();
    float sum = 0.0f;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (size_t i = 0; i < n; i += 16) sum += buffer[i];  // one float per cache line
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    munmap(mapping, bytes);
    return sum > 0.0f ? static_cast<double>(bytes) / ms / 1e6 : 1.0;
  }();
  return rate;
}

// The choice when there is none: the one candidate, or oneDNN's own pick (a reference kernel).
ConvChoice only(const std::vector<Candidate>& all, const dnnl::convolution_forward::desc& direct,
                const dnnl::primitive_attr& attr) {
  if (all.empty()) {
    Pd pd(direct, attr, engine());
    return {pd, pd.impl_info_str(), "no other kernel", memory()};
  }
  return {all[0].pd, all[0].impl, "the only candidate", memory()};
}

// The first `n` values of one seeded uniform [-1, 1) sequence, kept for the process: drawing
// them anew for every layer took 170 of CheXNet's 435 ms first run.
void fill_seeded(float* out, size_t n) {
  static std::mutex mutex;
  static std::mt19937 rng(0);
  static std::vector<float> values;
  std::lock_guard<std::mutex> lock(mutex);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  while (values.size() < n) values.push_back(uniform(rng));
  std::copy_n(values.begin(), n, out);
}

std::mutex timings_mutex;
std::map<std::string, std::map<std::string, double>> timings;  // key -> impl -> ms

std::string joined(const std::ostringstream& why) {
  std::string text = why.str();
  text.resize(text.size() - 2);
  return text;
}

constexpr const char* kOwnWinograd = "zenith:winograd_4x3";

}  // namespace

ConvChoice choose_conv(const dnnl::convolution_forward::desc& direct,
                       const dnnl::convolution_forward::desc& winograd,
                       const dnnl::primitive_attr& attr, const memory& weights, const memory& bias,
                       dnnl::stream& stream, float winograd_tolerance, double winograd_margin) {
  std::vector<Candidate> all = candidates(direct, winograd, attr);
  if (all.size() <= 1) return only(all, direct, attr);

  memory src(plain_desc(all[0].pd.src_desc().dims()), engine());
  fill_seeded(static_cast<float*>(src.get_data_handle()), src.get_desc().get_size() / sizeof(float));

  // Timings, per layer shape: of this process's earlier layers, else measured now on zero
  // weights, the candidates taking turns so that a burst of load elsewhere hits them alike.
  const std::string key = timing_key(all[0].pd, direct, attr);
  std::map<std::string, double> ms;
  {
    std::lock_guard<std::mutex> lock(timings_mutex);
    ms = timings[key];
  }
  std::vector<std::pair<size_t, Trial>> untimed;
  for (size_t i = 0; i < all.size(); ++i) {
    if (ms.count(all[i].impl)) continue;
    try {
      untimed.emplace_back(i, prepare(all[i], src, memory(), bias, stream));
    } catch (const dnnl::error&) {
      ms[all[i].impl] = std::numeric_limits<double>::infinity();  // cannot run here: never chosen
    }
  }
  if (!untimed.empty()) {
    std::map<size_t, double> fastest;
    for (auto& [i, trial] : untimed) trial.conv.execute(stream, trial.args);  // warm up
    for (int run = 0; run < kTimedRuns; ++run)
      for (auto& [i, trial] : untimed) {
        const double t = time_once(trial, stream);
        fastest[i] = fastest.count(i) ? std::min(fastest[i], t) : t;
      }
    for (const auto& [i, t] : fastest) ms[all[i].impl] = t;
    std::lock_guard<std::mutex> lock(timings_mutex);
    timings[key] = ms;
  }

  // Timed in a loop, the weights stay in cache; in the model they stream in on every run.
  std::ostringstream why;
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t i = 0; i < all.size(); ++i) {
    const double weights_ms = all[i].pd.weights_desc().get_size() / stream_gb_per_s() / 1e6;
    why << all[i].impl << " " << ms[all[i].impl] << " + " << weights_ms << " ms; ";
    ranked.emplace_back((ms[all[i].impl] + weights_ms) * (all[i].winograd ? winograd_margin : 1.0), i);
  }
  std::stable_sort(ranked.begin(), ranked.end());

  // The fastest direct kernel needs no check; a Winograd one faster still must give this layer's
  // result, on its own weights, within tolerance of oneDNN's own direct pick.
  std::vector<float> expected;
  for (const auto& [score, i] : ranked) {
    if (!all[i].winograd) return {all[i].pd, all[i].impl, joined(why), memory()};
    Trial trial;
    try {
      trial = prepare(all[i], src, weights, bias, stream);
    } catch (const dnnl::error&) {
      why << all[i].impl << " cannot take these weights (dropped); ";  // no reorder into its layout
      continue;
    }
    if (expected.empty()) {
      const auto direct_pick = std::find_if(all.begin(), all.end(), [](const Candidate& c) { return !c.winograd; });
      if (direct_pick == all.end())
        return {all[i].pd, all[i].impl, joined(why) + " (no direct kernel to check against)",
                trial.args.at(DNNL_ARG_WEIGHTS)};
      Trial reference = prepare(*direct_pick, src, weights, bias, stream);
      reference.conv.execute(stream, reference.args);
      expected = plain_values(reference.args.at(DNNL_ARG_DST), stream);
    }
    trial.conv.execute(stream, trial.args);
    const float error = relative_error(plain_values(trial.args.at(DNNL_ARG_DST), stream), expected);
    const bool usable = error <= winograd_tolerance;
    why << all[i].impl << " relative error " << error << (usable ? "" : " (over tolerance: dropped)") << "; ";
    if (usable) return {all[i].pd, all[i].impl, joined(why), trial.args.at(DNNL_ARG_WEIGHTS)};
  }
  return only({}, direct, attr);  // unreachable while a direct kernel is a candidate
}

bool own_winograd_wins(const Pd& pd, const dnnl::convolution_forward::desc& direct,
                       const dnnl::primitive_attr& attr, const WinogradConv& own,
                       const memory& weights, const memory& bias, dnnl::stream& stream,
                       std::string& why, float winograd_tolerance, double winograd_margin) {
  const OutsideRunArena outside;  // the timing runs' scratch is not the model run's
  const KernelTrace timing_runs;  // nor are their kernels in the step's profile
  memory src(plain_desc(pd.src_desc().dims()), engine());
  fill_seeded(static_cast<float*>(src.get_data_handle()),
              src.get_desc().get_size() / sizeof(float));
  Trial direct_trial = prepare({pd, pd.impl_info_str(), false}, src, weights, bias, stream);
  memory& dst = direct_trial.args.at(DNNL_ARG_DST);
  const auto* src_data =
      static_cast<const float*>(direct_trial.args.at(DNNL_ARG_SRC).get_data_handle());
  const auto* bias_data = bias ? static_cast<const float*>(bias.get_data_handle()) : nullptr;
  memory own_dst(pd.dst_desc(), engine());
  auto* own_out = static_cast<float*>(own_dst.get_data_handle());
  const auto run_own = [&] { own.run(src_data, bias_data, own_out); };

  // On zeroed outputs first: a sum post-op adds what the output held.
  direct_trial.conv.execute(stream, direct_trial.args);
  stream.wait();
  std::fill_n(own_out, pd.dst_desc().get_size() / sizeof(float), 0.0f);
  run_own();
  const std::vector<float> expected = plain_values(dst, stream);
  const float error = relative_error(plain_values(own_dst, stream), expected);

  const std::string key = timing_key(pd, direct, attr);
  double direct_ms, own_ms;
  {
    std::lock_guard<std::mutex> lock(timings_mutex);
    const std::map<std::string, double>& known = timings[key];
    const auto a = known.find(pd.impl_info_str()), b = known.find(kOwnWinograd);
    direct_ms = a == known.end() ? -1.0 : a->second;
    own_ms = b == known.end() ? -1.0 : b->second;
  }
  if (direct_ms < 0.0 || own_ms < 0.0) {
    direct_ms = own_ms = std::numeric_limits<double>::infinity();
    for (int run = 0; run < kTimedRuns; ++run) {
      direct_ms = std::min(direct_ms, time_once(direct_trial, stream));
      const auto start = std::chrono::steady_clock::now();
      run_own();
      own_ms = std::min(own_ms, std::chrono::duration<double, std::milli>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
    }
    std::lock_guard<std::mutex> lock(timings_mutex);
    timings[key][pd.impl_info_str()] = direct_ms;
    timings[key][kOwnWinograd] = own_ms;
  }
  const double direct_weights_ms = pd.weights_desc().get_size() / stream_gb_per_s() / 1e6;
  const double own_weights_ms = own.weight_bytes() / stream_gb_per_s() / 1e6;
  const bool faster = (own_ms + own_weights_ms) * winograd_margin < direct_ms + direct_weights_ms;
  const bool usable = error <= winograd_tolerance;
  std::ostringstream text;
  text << pd.impl_info_str() << " " << direct_ms << " + " << direct_weights_ms << " ms; "
       << kOwnWinograd << " " << own_ms << " + " << own_weights_ms << " ms, relative error "
       << error << (usable ? "" : " (over tolerance: dropped)");
  why = text.str();
  return faster && usable;
}

}  // namespace zenith::cpu
