// Binary ops whose second operand holds one value per (image, channel): squeeze-and-excitation
// blocks, after a Conv (blocked operand) or on a plain input, in either operand order.
#include <cmath>

#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

constexpr int64_t kChannels[] = {8, 24, 40, 100};

// Conv 1x1 (so the full operand is channel-blocked) -> c; GlobalAveragePool -> Conv 1x1 ->
// Sigmoid -> e; Y = c (op) e, or e (op) c when `swap`.
std::shared_ptr<ir::Graph> excitation(const std::string& op, int64_t channels, bool swap) {
  const ir::Dims w = {channels, channels, 1, 1};
  return make_graph(
      {make_node("Conv", {"X", "W1", "B1"}, {"c"}), make_node("GlobalAveragePool", {"c"}, {"g"}),
       make_node("Conv", {"g", "W2", "B2"}, {"s"}), make_node("Sigmoid", {"s"}, {"e"}),
       make_node(op, swap ? std::vector<std::string>{"e", "c"} : std::vector<std::string>{"c", "e"},
                 {"Y"})},
      {"X"}, {"Y"},
      {{"W1", random_tensor(w, 2)},
       {"B1", random_tensor({channels}, 3)},
       {"W2", random_tensor(w, 4)},
       {"B2", random_tensor({channels}, 5)}});
}

// Not Add: the excitation's Conv would take the Add as its residual sum with the wider [N,C,H,W]
// addend, which its step cannot hold (a fusion limit of its own; the other tests cover Add).
TEST(CpuChannelBroadcast, ExcitationAfterBlockedConv) {
  for (const char* op : {"Sub", "Mul", "Div"})
    for (int64_t channels : kChannels)
      for (int64_t batch : {1, 3})
        for (bool swap : {false, true}) {
          if (swap && std::string(op) != "Mul") continue;
          SCOPED_TRACE(std::string(op) + " C=" + std::to_string(channels) +
                       " N=" + std::to_string(batch) + (swap ? " swapped" : ""));
          // dividing by a sigmoid near 0 magnifies the Conv's rounding (100-term sums)
          const testing::CpuExpectation expect =
              std::string(op) == "Div" ? testing::CpuExpectation{.rtol = 1e-3, .atol = 1e-4}
                                       : testing::CpuExpectation{};
          expect_cpu_matches_ref(*excitation(op, channels, swap),
                                 {{"X", random_tensor({batch, channels, 5, 7}, 1)}}, expect);
        }
}

// A positive divisor, far from zero.
ir::Tensor divisor(ir::Dims dims) {
  ir::Tensor t = random_tensor(std::move(dims), 2);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::fabs(t.data<float>()[i]) + 0.5f;
  return t;
}

TEST(CpuChannelBroadcast, PlainOperandEveryBroadcastShape) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"})
    for (int64_t channels : kChannels)
      for (int64_t batch : {1, 3})
        for (const ir::Dims& s : {ir::Dims{batch, channels, 1, 1}, ir::Dims{1, channels, 1, 1},
                                  ir::Dims{channels, 1, 1}}) {
          SCOPED_TRACE(std::string(op) + " C=" + std::to_string(channels) +
                       " N=" + std::to_string(batch) + " S rank " + std::to_string(s.size()));
          auto g = make_graph({make_node(op, {"X", "S"}, {"Y"})}, {"X", "S"}, {"Y"});
          expect_cpu_matches_ref(
              *g, {{"X", random_tensor({batch, channels, 6, 5}, 1)}, {"S", divisor(s)}});
        }
}

TEST(CpuChannelBroadcast, FusedReluStillApplies) {
  auto g = make_graph({make_node("Conv", {"X", "W"}, {"c"}), make_node("Mul", {"c", "S"}, {"m"}),
                       make_node("Relu", {"m"}, {"Y"})},
                      {"X", "S"}, {"Y"}, {{"W", random_tensor({40, 40, 1, 1}, 2)}});
  for (int64_t batch : {1, 3})
    expect_cpu_matches_ref(*g, {{"X", random_tensor({batch, 40, 4, 6}, 1)},
                                {"S", random_tensor({batch, 40, 1, 1}, 3)}});
}

// Large enough (3 x 112 x 143 elements) for the loop to split among threads, mid-image and
// mid-run of channels.
TEST(CpuChannelBroadcast, LargeEnoughToSplitAmongThreads) {
  for (int64_t channels : {24, 100}) {
    SCOPED_TRACE("C=" + std::to_string(channels));
    expect_cpu_matches_ref(*excitation("Mul", channels, false),
                           {{"X", random_tensor({3, channels, 13, 11}, 1)}});
    auto g = make_graph({make_node("Mul", {"X", "S"}, {"Y"})}, {"X", "S"}, {"Y"});
    expect_cpu_matches_ref(*g, {{"X", random_tensor({3, channels, 13, 11}, 1)},
                                {"S", random_tensor({3, channels, 1, 1}, 3)}});
  }
}

}  // namespace
}  // namespace zenith
