// Session: device selection, and a plan per input shapes, compiled and warmed up before use.
#include "runtime/session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string_view>

#include "devices/device.h"
#include "frontend/onnx/model_loader.h"
#include "ir/errors.h"
#include "ir/sample_independence.h"
#include "ir/zir.h"
#include "passes/freeze_input_shapes.h"

namespace zenith::runtime {

std::vector<std::string> available_devices() {
  std::vector<std::string> names;
  for (const devices::Device* d : devices::registered_devices()) names.emplace_back(d->name());
  names.push_back(fmt::format("HETERO:{}", fmt::join(names, ",")));
  return names;
}

namespace {

// The devices a name stands for, in priority order.
std::vector<std::string> device_list(const std::string& device) {
  if (devices::find_device(device)) return {device};
  if (device.rfind("HETERO:", 0) == 0) {
    std::vector<std::string> list;
    std::string rest = device.substr(7);
    for (size_t start = 0, end; start <= rest.size(); start = end + 1) {
      end = std::min(rest.find(',', start), rest.size());
      list.push_back(rest.substr(start, end - start));
    }
    devices::placement_order(list, device);  // checks the names
    return list;
  }
  throw_invalid_argument("unknown device '{}'; available devices: {}", device,
                         fmt::join(available_devices(), ", "));
}

// The declared shapes of the runtime inputs, if every one is a tensor with only known dims.
std::optional<std::vector<ir::Dims>> static_shapes(const ir::Graph& graph) {
  std::vector<ir::Dims> shapes;
  for (const ir::ValueInfo* v : graph.runtime_inputs()) {
    if (v->type.kind != ir::TypeInfo::Kind::Tensor || !v->type.shape) return std::nullopt;
    std::optional<ir::Dims> dims = ir::to_dims(*v->type.shape);
    if (!dims) return std::nullopt;
    shapes.push_back(std::move(*dims));
  }
  return shapes;
}

// Seeded inputs for the `auto` precision check: f32 inputs uniform in [-1, 1), others zero
// (valid indices and sizes, as in the warm-up).
std::map<std::string, ir::Value> check_inputs(const Plan& plan,
                                              const std::map<std::string, ir::Dims>& shapes) {
  std::mt19937 rng(20261204);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::map<std::string, ir::Value> feeds;
  for (const ir::ValueInfo* v : plan.graph().runtime_inputs()) {
    ir::Tensor t(v->type.dtype, shapes.at(v->name));
    if (t.dtype() == ir::DType::F32)
      std::generate_n(t.data<float>(), t.numel(), [&] { return uniform(rng); });
    feeds[v->name] = std::move(t);
  }
  return feeds;
}

// Whether every f32 output of `bf16` is within kAutoBf16Tolerance (relative L2 error) of
// `f32`'s on the check inputs. A run that fails counts as out of tolerance.
bool within_auto_tolerance(const Plan& bf16, const Plan& f32,
                           const std::map<std::string, ir::Dims>& shapes) {
  const std::map<std::string, ir::Value> feeds = check_inputs(f32, shapes);
  std::vector<ir::Value> got, want;
  try {
    got = bf16.run(feeds, 0);
    want = f32.run(feeds, 0);
  } catch (const Error&) {
    return false;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].is_tensor() || got[i].tensor().dtype() != ir::DType::F32) continue;
    // An all-zero output moved at all is NaN or inf here, and fails: so does a NaN.
    if (!(ir::relative_l2_error(got[i].tensor(), want[i].tensor()) <= kAutoBf16Tolerance))
      return false;
  }
  return true;
}

}  // namespace

struct Session::Compiled {
  std::once_flag once;
  std::unique_ptr<Plan> plan;
  std::unique_ptr<BatchSplit> split;  // the batch run in parts, when that is as fast
  std::atomic<bool> ready{false};  // `plan` is compiled and warmed up
};

Session::Session(ir::Graph graph, const std::string& device, int num_threads,
                 InferencePrecision precision)
    : graph_(std::move(graph)),
      device_(device),
      devices_(device_list(device)),
      num_threads_(num_threads),
      precision_(precision),
      specialize_(hetero::runs_simplified_graph(devices_)) {
  // The plans check it too, but a model with symbolic shapes builds none until it runs.
  if (num_threads < 0)
    throw_invalid_argument("num_threads is {}, expected >= 0 (0: all cores)", num_threads);
  for (const ir::ValueInfo* v : graph_.runtime_inputs()) input_names_.push_back(v->name);
  if (!specialize_) return;
  if (std::optional<Key> shapes = static_shapes(graph_)) static_plan_ = compiled(*shapes);
}

Session::~Session() = default;

const Plan& Session::generic() const {
  std::call_once(generic_once_, [&] {
    generic_ = std::make_unique<Plan>(
        graph_, devices_, num_threads_,
        precision_ == InferencePrecision::bf16 ? ir::DType::BF16 : ir::DType::F32);
  });
  return *generic_;
}

const std::vector<hetero::Assignment>& Session::assignments() const {
  return static_plan_ ? static_plan_->plan->assignments() : generic().assignments();
}

std::shared_ptr<const Session::Compiled> Session::compiled(const Key& key) const {
  std::shared_ptr<Compiled> entry;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it =
        std::find_if(plans_.begin(), plans_.end(), [&](const auto& p) { return p.first == key; });
    if (it != plans_.end()) {
      plans_.splice(plans_.begin(), plans_, it);
    } else {
      plans_.emplace_front(key, std::make_shared<Compiled>());
      if (plans_.size() > kMaxCompiledShapes) plans_.pop_back();  // runs using it keep it alive
    }
    entry = plans_.front().second;
  }
  // Outside the lock: runs with other shapes go on while this one compiles. A failure leaves
  // the flag unset, so a run waiting for these shapes tries again and sees the error itself;
  // the entry goes, so that only compiled shapes are listed.
  try {
    compile(key, *entry);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    plans_.remove_if([&](const auto& p) { return p.second == entry; });
    throw;
  }
  return entry;
}

void Session::compile(const Key& key, Compiled& entry) const {
  std::call_once(entry.once, [&] {
    std::map<std::string, ir::Dims> shapes;
    for (size_t i = 0; i < key.size(); ++i) shapes[input_names_[i]] = key[i];
    const bool bf16 = precision_ != InferencePrecision::f32;
    std::unique_ptr<Plan> plan = warmed_plan(shapes, bf16 ? ir::DType::BF16 : ir::DType::F32);
    if (precision_ == InferencePrecision::automatic && plan->computes_in(ir::DType::BF16)) {
      std::unique_ptr<Plan> f32 = warmed_plan(shapes, ir::DType::F32);
      if (!within_auto_tolerance(*plan, *f32, shapes)) plan = std::move(f32);
    }
    const bool computes_bf16 = plan->computes_in(ir::DType::BF16);
    entry.split = batch_split(*plan, shapes, computes_bf16 ? ir::DType::BF16 : ir::DType::F32);
    entry.plan = std::move(plan);
    entry.ready = true;
  });
}

std::unique_ptr<Plan> Session::warmed_plan(const std::map<std::string, ir::Dims>& shapes,
                                           ir::DType precision, int threads) const {
  ir::Graph graph = graph_;
  passes::freeze_input_shapes(graph, shapes);
  auto plan = std::make_unique<Plan>(std::move(graph), devices_,
                                     threads > 0 ? threads : num_threads_, precision);
  // The warm-up creates the primitives, times and chooses kernels and packs weights, so that
  // the first inference does not. Zeros are valid indices and sizes where random data may not
  // be; a model that still fails on them reports its error on the real run.
  try {
    std::map<std::string, ir::Value> zeros;
    for (const ir::ValueInfo* v : plan->graph().runtime_inputs())
      zeros[v->name] = ir::Tensor(v->type.dtype, shapes.at(v->name));
    plan->warm_up(zeros);
  } catch (const Error&) {
  }
  return plan;
}

std::unique_ptr<BatchSplit> Session::batch_split(const Plan& whole,
                                                 const std::map<std::string, ir::Dims>& shapes,
                                                 ir::DType precision) const {
  // ZENITH_BATCH_SPLIT=on skips the timing (not the check of the outputs); =off never splits.
  const char* choice = std::getenv("ZENITH_BATCH_SPLIT");
  const bool forced = choice && std::string_view(choice) == "on";
  const int threads = whole.threads();
  if (threads < 2 || (choice && std::string_view(choice) == "off")) return nullptr;
  const ir::SampleIndependence samples = ir::sample_independence(whole.graph());
  // Two chunks a thread, so that one with a core to itself can take more; at least two samples
  // a thread, since the check below costs a compile of the chunk and runs of both.
  if (!samples.independent() || samples.batch % threads != 0 || samples.batch < 2 * threads)
    return nullptr;
  const int64_t chunks = samples.batch % (2 * threads) == 0 ? 2 * threads : threads;
  std::map<std::string, ir::Dims> chunk_shapes = shapes;
  for (auto& [name, dims] : chunk_shapes) dims[0] /= chunks;
  std::unique_ptr<BatchSplit> split;
  try {
    split = std::make_unique<BatchSplit>(warmed_plan(chunk_shapes, precision, 1),
                                         static_cast<int>(chunks), threads);
  } catch (const Error&) {
    return nullptr;
  }
  // The rules of sample_independence are checked on the kernels themselves: the chunks must
  // give the whole run's outputs on seeded inputs, and their best of three runs (after one that
  // lays out the buffers) must be no slower than the whole's on all its threads (a
  // memory-bound layer, VGG's 400 MB Linear at batch 8, reads its weights once per chunk).
  // The whole plan's runs here are kept from its thread governor, whose first averages they
  // would skew.
  const std::map<std::string, ir::Value> feeds = check_inputs(whole, shapes);
  cpu::ArenaCache arenas;
  std::vector<ir::Value> got, want;
  using Clock = std::chrono::steady_clock;
  double whole_best = 1e300, split_best = 1e300;
  try {
    for (int i = 0; i < 4; ++i) {
      auto start = Clock::now();
      whole.run_on(feeds, want, threads, arenas);
      const std::chrono::duration<double> whole_time = Clock::now() - start;
      start = Clock::now();
      if (!split->run_into(feeds, got, 0, arenas)) return nullptr;
      const std::chrono::duration<double> split_time = Clock::now() - start;
      if (i == 0) continue;
      whole_best = std::min(whole_best, whole_time.count());
      split_best = std::min(split_best, split_time.count());
    }
  } catch (const Error&) {
    return nullptr;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const ir::Tensor& a = got[i].tensor();
    const ir::Tensor& b = want[i].tensor();
    if (a.dims() != b.dims() || a.dtype() != b.dtype()) return nullptr;
    const bool same = a.dtype() == ir::DType::F32
                          ? ir::relative_l2_error(a, b) <= kSplitTolerance
                          : std::memcmp(a.raw(), b.raw(), a.size_bytes()) == 0;
    if (!same) return nullptr;
  }
  return forced || split_best <= whole_best ? std::move(split) : nullptr;
}

const Plan& Session::plan_for(const std::map<std::string, ir::Value>& feeds,
                                            std::shared_ptr<const Compiled>& hold) const {
  if (!specialize_) return generic();
  for (const std::string& name : input_names_) {
    auto it = feeds.find(name);
    if (it == feeds.end() || !it->second.is_tensor()) return generic();  // it reports the error
  }
  if ((hold = ready_plan(feeds))) return *hold->plan;
  Key key;
  for (const std::string& name : input_names_) key.push_back(feeds.at(name).tensor().dims());
  try {
    hold = compiled(key);
  } catch (const Error&) {
    return generic();  // shapes the model does not take: its input check names what is wrong
  }
  return *hold->plan;
}

std::shared_ptr<const Session::Compiled> Session::ready_plan(
    const std::map<std::string, ir::Value>& feeds) const {
  const auto same_shapes = [&](const Key& key) {
    for (size_t i = 0; i < key.size(); ++i)
      if (key[i] != feeds.find(input_names_[i])->second.tensor().dims()) return false;
    return true;
  };
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if (!it->second->ready || !same_shapes(it->first)) continue;
    plans_.splice(plans_.begin(), plans_, it);
    return plans_.front().second;
  }
  return nullptr;
}

std::vector<ir::Value> Session::run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                                    std::vector<StepProfile>* profile,
                                    cpu::ArenaCache* arenas) const {
  std::vector<ir::Value> results;
  run_into(feeds, results, seed, profile, arenas);
  return results;
}

void Session::run_into(const std::map<std::string, ir::Value>& feeds,
                       std::vector<ir::Value>& results, uint64_t seed,
                       std::vector<StepProfile>* profile, cpu::ArenaCache* arenas) const {
  std::shared_ptr<const Compiled> hold;
  const Plan& plan = plan_for(feeds, hold);
  // A profile lists the whole plan's steps; a run while another holds the parts' threads runs
  // whole.
  if (hold && hold->split && !profile &&
      hold->split->run_into(feeds, results, seed, arenas ? *arenas : split_arenas_))
    return;
  plan.run_into(feeds, results, seed, profile, arenas);
}

std::vector<std::vector<ir::Dims>> Session::split_shapes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Key> keys;
  for (const auto& [key, entry] : plans_)
    if (entry->ready && entry->split) keys.push_back(key);
  return keys;
}

std::vector<std::vector<ir::Dims>> Session::compiled_shapes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Key> keys;
  for (const auto& [key, entry] : plans_) keys.push_back(key);
  return keys;
}

ir::Graph load_graph(const std::filesystem::path& path) {
  // The magic decides, so a .zir under another name loads; a .zir name without the magic still
  // goes to the .zir reader, whose message says what is wrong with the file.
  const std::string ext = path.extension().string();
  if (ir::has_zir_magic(path) || ext == ".zir") return ir::read_zir(path);
  if (ext != ".onnx")
    throw_invalid_argument("{}: unknown model format '{}'; expected an .onnx or a .zir file",
                           path.string(), ext);
  return onnx_frontend::load_model(path);
}

}  // namespace zenith::runtime
