// Synchronized batch norm (attribute sync = 1 on zenith.BatchNormTrain and BatchNormGrad): two
// replicas, run as two threads that sum through devices::set_replica_sum's hook, each on its
// half of a batch, must give what one unsynchronized run over the whole batch gives, on CPU (its
// blocked loops, and REF where the channels do not fill blocks) and on REF.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

#include "cpu/differential.h"
#include "devices/cpu/channel_block.h"
#include "devices/reference/interpreter.h"
#include "devices/reference/replica_sums.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::positive_tensor;
using testing::random_tensor;
using testing::zenith_node;
using Feeds = std::map<std::string, ir::Value>;
using Outputs = std::vector<ir::Value>;

// The process's replica sum for the object's lifetime: each call, from either of two threads,
// adds its doubles in and returns once both threads have, with both threads' sums.
class TwoReplicas {
 public:
  TwoReplicas() {
    devices::set_replica_sum([this](double* data, size_t count) { sum(data, count); });
  }
  ~TwoReplicas() { devices::set_replica_sum({}); }

  // The sums both replicas have taken part in; false if a call found no partner or a partner
  // with another count (then the replicas called in different orders).
  int rounds() const { return rounds_; }
  bool matched() const { return matched_; }

 private:
  void sum(double* data, size_t count) {
    // A partner that never calls fails the test rather than hanging it.
    constexpr auto kPatience = std::chrono::seconds(20);
    std::unique_lock lock(mutex_);
    // The last round's total stays until both replicas have read it.
    matched_ &= changed_.wait_for(lock, kPatience, [&] { return read_ == 0; });
    if (arrived_ == 0) total_.assign(count, 0.0);
    matched_ &= total_.size() == count;
    for (size_t i = 0; i < std::min(count, total_.size()); ++i) total_[i] += data[i];
    if (++arrived_ == 2) changed_.notify_all();
    matched_ &= changed_.wait_for(lock, kPatience, [&] { return arrived_ == 2; });
    std::copy_n(total_.begin(), std::min(count, total_.size()), data);
    if (++read_ == 2) {
      arrived_ = read_ = 0;
      ++rounds_;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<double> total_;
  int arrived_ = 0, read_ = 0, rounds_ = 0;
  bool matched_ = true;
};

// run(0) and run(1) on two threads at once, each the replica of that index; rethrows what
// either threw.
void on_two_replicas(const std::function<void(int)>& run) {
  std::exception_ptr failed[2];
  const auto replica = [&](int r) {
    try {
      run(r);
    } catch (...) {
      failed[r] = std::current_exception();
    }
  };
  std::thread second(replica, 1);
  replica(0);
  second.join();
  for (const std::exception_ptr& e : failed)
    if (e) std::rethrow_exception(e);
}

// Images [begin, end) of `t` (axis 0).
ir::Tensor images(const ir::Tensor& t, int64_t begin, int64_t end) {
  ir::Dims dims = t.dims();
  const int64_t image = dims[0] == 0 ? 0 : t.numel() / dims[0];
  dims[0] = end - begin;
  ir::Tensor part(ir::DType::F32, dims);
  std::copy_n(t.data<float>() + begin * image, part.numel(), part.data<float>());
  return part;
}

// Replica r's part of `whole`: the images [splits[r], splits[r + 1]) of its batched inputs.
Feeds part(const Feeds& whole, const std::vector<std::string>& batched, const int64_t splits[3],
           int r) {
  Feeds feeds = whole;
  for (const std::string& name : batched)
    feeds[name] = images(whole.at(name).tensor(), splits[r], splits[r + 1]);
  return feeds;
}

// Where a graph runs, and how closely a replica's results must match the whole batch's.
struct Device {
  std::string name;  // "CPU" (CPU then REF) or "REF"
  double rtol, atol;
};
// REF computes in f64, so only the f32 outputs' rounding differs; CPU sums in f32 in another
// order.
const Device kDevices[] = {{"CPU", 1e-4, 1e-5}, {"REF", 1e-6, 1e-7}};

// `graph` run on `device` with `feeds`; `fallbacks` counts its steps that ran on REF instead.
Outputs run_on(const Device& device, const ir::Graph& graph, const Feeds& feeds,
               size_t* fallbacks = nullptr) {
  if (device.name == "REF") return ref::Interpreter().run(graph, feeds);
  const runtime::Plan plan(graph, {"CPU", "REF"});
  Outputs out = plan.run(feeds, 0);
  if (fallbacks) *fallbacks = plan.ref_fallbacks();
  return out;
}

// True where CPU runs the synchronized op in its own loops; elsewhere the step falls back to
// REF (batch_norm_train.cpp).
bool cpu_loops_take(const ir::Dims& x) {
  return x.size() >= 3 && x[0] > 0 && x[1] % cpu::channel_block() == 0;
}

// One op twice, synchronized and not, and its inputs over the whole batch.
struct Case {
  std::shared_ptr<ir::Graph> synced, unsynced;
  Feeds whole;
  std::vector<std::string> batched;  // the inputs the replicas split along axis 0
  // Output 0 is batched; the others are per channel: gradients, which the replicas' add up to
  // the whole batch's, or statistics, each replica's the whole batch's.
  bool gradients = false;
};

// Both replicas' synchronized runs, on the images [splits[r], splits[r + 1]), against one
// unsynchronized run over the whole batch. Each replica sums over the replicas exactly once.
void expect_replicas_match_whole(const Case& c, const int64_t splits[3],
                                 const std::vector<Device>& devices = {std::begin(kDevices),
                                                                       std::end(kDevices)}) {
  const ir::Dims x = c.whole.at("X").tensor().dims();
  for (const Device& device : devices) {
    SCOPED_TRACE(device.name + " X " + ir::to_string(x) + " split at " + std::to_string(splits[1]));
    const Outputs whole = run_on(device, *c.unsynced, c.whole);
    Outputs replica[2];
    size_t fallbacks[2] = {};
    TwoReplicas replicas;
    on_two_replicas([&](int r) {
      replica[r] = run_on(device, *c.synced, part(c.whole, c.batched, splits, r), &fallbacks[r]);
    });
    EXPECT_TRUE(replicas.matched());
    EXPECT_EQ(replicas.rounds(), 1);
    for (int r = 0; r < 2 && device.name == "CPU"; ++r) {
      ir::Dims part_x = x;
      part_x[0] = splits[r + 1] - splits[r];
      EXPECT_EQ(fallbacks[r], cpu_loops_take(part_x) ? 0u : 1u) << "replica " << r;
    }
    Outputs got, want;
    for (int r = 0; r < 2; ++r) {
      got.push_back(replica[r][0]);
      want.push_back(images(whole[0].tensor(), splits[r], splits[r + 1]));
    }
    for (size_t i = 1; i < whole.size(); ++i) {
      if (c.gradients) {
        ir::Tensor sum = replica[0][i].tensor().clone();
        for (int64_t k = 0; k < sum.numel(); ++k)
          sum.data<float>()[k] += replica[1][i].tensor().data<float>()[k];
        got.push_back(sum);
        want.push_back(whole[i]);
      } else {
        got.insert(got.end(), {replica[0][i], replica[1][i]});
        want.insert(want.end(), {whole[i], whole[i]});
      }
    }
    testing::expect_outputs_near(got, want, device.rtol, device.atol);
  }
}

std::shared_ptr<ir::Graph> train_graph(bool relu, bool sync) {
  const std::vector<std::string> in = {"X", "scale", "B", "mean", "var"};
  const std::vector<std::string> out = {"Y", "mean_out", "var_out", "saved_mean", "saved_var"};
  return make_graph(
      {zenith_node("BatchNormTrain", in, out,
                   {{"momentum", 0.8f}, {"relu", int64_t{relu}}, {"sync", int64_t{sync}}})},
      in, out);
}

// X offset from zero (mean about 2.5 per channel, varying with position) so that each replica's
// mean differs from the whole batch's by more than rounding.
Case train_case(const ir::Dims& x, bool relu) {
  ir::Tensor values = random_tensor(x, 1);
  for (int64_t i = 0; i < values.numel(); ++i) values.data<float>()[i] += 2.0f + 0.5f * (i % 3);
  return {train_graph(relu, true),
          train_graph(relu, false),
          {{"X", values},
           {"scale", random_tensor({x[1]}, 2)},
           {"B", random_tensor({x[1]}, 3)},
           {"mean", random_tensor({x[1]}, 4)},
           {"var", positive_tensor({x[1]}, 5)}},
          {"X"}};
}

std::shared_ptr<ir::Graph> grad_graph(bool relu, bool sync) {
  std::vector<std::string> in = {"X", "scale", "dY", "mean", "var"};
  if (relu) in.push_back("Y");
  return make_graph(
      {zenith_node("BatchNormGrad", in, {"dX", "dscale", "dB"},
                   {{"epsilon", 1e-3f}, {"relu", int64_t{relu}}, {"sync", int64_t{sync}}})},
      in, {"dX", "dscale", "dB"});
}

// The gradient holds for any saved statistics. Y (uniform in [-1, 1]) masks half of dY.
Case grad_case(const ir::Dims& x, bool relu) {
  ir::Tensor mean = random_tensor({x[1]}, 4);
  for (int64_t c = 0; c < x[1]; ++c) mean.data<float>()[c] *= 0.1f;
  Case c = {grad_graph(relu, true),
            grad_graph(relu, false),
            {{"X", random_tensor(x, 1)},
             {"scale", random_tensor({x[1]}, 2)},
             {"dY", random_tensor(x, 3)},
             {"mean", mean},
             {"var", positive_tensor({x[1]}, 5)}},
            {"X", "dY"},
            true};
  if (relu) {
    c.whole["Y"] = random_tensor(x, 6);
    c.batched.push_back("Y");
  }
  return c;
}

// Channels that fill 16- and 8-channel blocks (CPU's loops), that fill only 8-channel ones (the
// loops under ONEDNN_MAX_CPU_ISA=AVX2, else REF) and that fill none (REF); odd sizes.
const ir::Dims kBatchNormShapes[] = {{4, 16, 5, 7}, {4, 32, 9}, {4, 24, 3, 3}, {4, 6, 5, 3}};
const int64_t kHalves[3] = {0, 2, 4};

TEST(SyncBatchNorm, TrainOnTwoReplicasIsTrainOnTheWholeBatch) {
  for (const ir::Dims& x : kBatchNormShapes)
    for (bool relu : {false, true}) expect_replicas_match_whole(train_case(x, relu), kHalves);
}

// dX as the whole batch's; dscale and dB each replica's share of the whole's.
TEST(SyncBatchNorm, GradOnTwoReplicasIsGradOnTheWholeBatch) {
  for (const ir::Dims& x : kBatchNormShapes)
    for (bool relu : {false, true}) expect_replicas_match_whole(grad_case(x, relu), kHalves);
}

// The CPU loops sum X image by image (f32 within an image, f64 across them), so the replicas'
// summed statistics, and with them Y, are the unsynchronized whole batch's however the images
// are split (here exactly: f64's rounding in another order seldom reaches an f32 result). Until
// they were, each replica's sum of squares about its own mean left the variance some ulps off the
// whole batch's; in small-cnn a max pool after the batch norm then took the other element of a
// near-tie (0.4953021 against 0.4953020), and 4 ranks' first step differed from one process's by
// 1e-2 of a bias.
TEST(SyncBatchNorm, CpuReplicasNormalizeExactlyAsTheWholeBatch) {
  const int64_t uneven[3] = {0, 1, 4};
  for (const ir::Dims& x : {ir::Dims{4, 32, 28, 28}, ir::Dims{4, 16, 5, 7}, ir::Dims{4, 32, 9}}) {
    if (!cpu_loops_take(x)) continue;
    for (bool relu : {false, true})
      for (const int64_t* splits : {kHalves, uneven})
        expect_replicas_match_whole(train_case(x, relu), splits, {{"CPU", 0, 0}});
  }
}

// A replica with no images still takes part in the sums (on CPU it runs on REF).
TEST(SyncBatchNorm, ReplicaWithAnEmptyBatchStillSums) {
  const int64_t all_on_second[3] = {0, 0, 4};
  for (const ir::Dims& x : {ir::Dims{4, 16, 3, 5}, ir::Dims{4, 6, 7}}) {
    expect_replicas_match_whole(train_case(x, true), all_on_second);
    expect_replicas_match_whole(grad_case(x, false), all_on_second);
  }
}

// Without a hook a process is its own only replica: sync = 1 changes nothing but rounding
// (CPU's synchronized op runs on REF where its loops do not take X, unsynchronized on oneDNN).
TEST(SyncBatchNorm, OneReplicaIsUnsynchronized) {
  for (const Device& device : kDevices)
    for (const ir::Dims& x : kBatchNormShapes)
      for (bool relu : {false, true})
        for (const Case& c : {train_case(x, relu), grad_case(x, relu)}) {
          SCOPED_TRACE(device.name + " X " + ir::to_string(x) + (relu ? " relu" : "") +
                       (c.gradients ? " gradient" : ""));
          const bool same_kernel = device.name == "REF" || cpu_loops_take(x);
          testing::expect_outputs_near(
              run_on(device, *c.synced, c.whole), run_on(device, *c.unsynced, c.whole),
              same_kernel ? 1e-6 : device.rtol, same_kernel ? 1e-7 : device.atol);
        }
}

}  // namespace
}  // namespace zenith
