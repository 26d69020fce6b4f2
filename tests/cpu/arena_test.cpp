// The arena: layout by lifetimes, runs that follow it, runs that diverge from it, and plans
// whose replayed runs give the recorded run's results.
#include <cstring>
#include <thread>

#include "cpu/differential.h"
#include "devices/cpu/arena.h"
#include "devices/cpu/buffer_pool.h"

namespace zenith {
namespace {

using cpu::ArenaLayout;
using cpu::BufferLife;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

bool alive_together(const std::vector<BufferLife>& lives, uint32_t i, uint32_t j) {
  return j < lives[i].freed_at;  // i < j
}

TEST(CpuArena, BuffersAliveTogetherNeverShareBytes) {
  // A chain where each buffer dies after the next is made, a long-lived one, and an output.
  const std::vector<BufferLife> lives = {
      {4096, 2}, {1024, 3}, {4096, 4}, {2048, 9}, {1024, 5}, {8192, 6}, {64, 7},
      {4096, BufferLife::kAliveAtEnd}, {512, 9}};
  const ArenaLayout layout = cpu::plan_arena(lives);
  ASSERT_EQ(layout.offsets.size(), lives.size());
  EXPECT_EQ(layout.offsets[7], ArenaLayout::kOutside);
  size_t inside = 0;
  for (uint32_t j = 0; j < lives.size(); ++j) {
    if (layout.offsets[j] == ArenaLayout::kOutside) continue;
    inside += lives[j].bytes;
    EXPECT_EQ(layout.offsets[j] % 64, 0u);
    EXPECT_LE(layout.offsets[j] + lives[j].bytes, layout.size);
    for (uint32_t i = 0; i < j; ++i) {
      if (layout.offsets[i] == ArenaLayout::kOutside) continue;
      const bool share = layout.offsets[i] < layout.offsets[j] + lives[j].bytes &&
                         layout.offsets[j] < layout.offsets[i] + lives[i].bytes;
      if (alive_together(lives, i, j)) {
        EXPECT_FALSE(share) << i << " and " << j;
      }
      const bool listed = std::count(layout.shares_with[j].begin(), layout.shares_with[j].end(), i) == 1;
      EXPECT_EQ(listed, share) << i << " and " << j;
    }
  }
  EXPECT_EQ(layout.total, inside);
  // Buffers 0, 2 and 5 (4, 4 and 8 KiB) are never alive together: the block is far smaller.
  EXPECT_LT(layout.size, inside - 8192);
}

// Asks a RunArena for `bytes`, in order, releasing buffer i after buffer `freed_after[i]` was
// handed out; returns each buffer's address.
std::vector<void*> run_sequence(cpu::ArenaCache& cache, const std::vector<size_t>& bytes,
                                const std::vector<size_t>& freed_after) {
  cpu::RunArena arena(cache, {1, 2, 3});
  std::vector<std::shared_ptr<void>> held(bytes.size());
  std::vector<void*> addresses;
  for (size_t j = 0; j < bytes.size(); ++j) {
    held[j] = cpu::run_buffer(bytes[j]);
    addresses.push_back(held[j].get());
    std::memset(held[j].get(), static_cast<int>(j), bytes[j]);
    for (size_t i = 0; i < j; ++i)
      if (held[i]) {
        EXPECT_EQ(static_cast<unsigned char*>(held[i].get())[bytes[i] - 1], i) << "buffer " << i << " was overwritten";
        if (freed_after[i] == j) held[i].reset();
      }
  }
  held.clear();
  arena.complete();
  return addresses;
}

TEST(CpuArena, LaterRunsFollowTheRecordedLayout) {
  cpu::ArenaCache cache;
  const std::vector<size_t> bytes = {4096, 4096, 4096, 4096};
  const std::vector<size_t> freed_after = {1, 2, 3, 9};
  EXPECT_EQ(cache.layout({1, 2, 3}), nullptr);
  run_sequence(cache, bytes, freed_after);  // records
  const auto layout = cache.layout({1, 2, 3});
  ASSERT_NE(layout, nullptr);
  EXPECT_EQ(layout->size, 2 * 4096u);  // two alive at a time
  const std::vector<void*> a = run_sequence(cache, bytes, freed_after);
  EXPECT_EQ(a[0], a[2]);  // the replay hands out the block's offsets
  EXPECT_EQ(a[1], a[3]);
  EXPECT_EQ(cache.layout({1, 2, 3}), layout);  // it matched: kept
  const std::vector<void*> b = run_sequence(cache, bytes, freed_after);
  EXPECT_EQ(a, b);  // the block went back and was taken again
}

TEST(CpuArena, ARunThatDivergesIsSafeAndReplacesTheLayout) {
  cpu::ArenaCache cache;
  run_sequence(cache, {4096, 4096, 4096}, {1, 2, 9});
  const auto first = cache.layout({1, 2, 3});
  // Buffer 0 now lives longer: buffer 2 may not take its bytes (run_sequence checks each
  // buffer's contents survive); then different sizes.
  run_sequence(cache, {4096, 4096, 4096}, {9, 9, 9});
  const auto second = cache.layout({1, 2, 3});
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_EQ(second->size, 3 * 4096u);
  run_sequence(cache, {128, 8192, 64, 4096}, {2, 2, 3, 9});
  EXPECT_EQ(cache.layout({1, 2, 3})->bytes, (std::vector<size_t>{128, 8192, 64, 4096}));
}

TEST(CpuArena, ABufferOutlivingItsRunKeepsItsBytes) {
  cpu::ArenaCache cache;
  run_sequence(cache, {4096, 4096}, {1, 9});  // records: both inside
  std::shared_ptr<void> kept;
  {
    cpu::RunArena arena(cache, {1, 2, 3});
    kept = cpu::run_buffer(4096);
    std::memset(kept.get(), 7, 4096);
    cpu::run_buffer(4096).reset();
    arena.complete();
  }
  run_sequence(cache, {4096, 4096}, {1, 9});  // must not be handed `kept`'s bytes
  EXPECT_EQ(static_cast<unsigned char*>(kept.get())[4095], 7);
}

// A residual block and a dense block: the replayed runs give the recorded run's results, bit
// for bit, also from two threads at once, each in its own block. One OpenMP thread per run, so
// that the governor has no other count to try (oneDNN's results may differ in the last bits
// between thread counts).
TEST(CpuArena, ReplayedRunsGiveTheRecordedResults) {
  const std::vector<int64_t> same = {1, 1, 1, 1};
  const auto g = make_graph(
      {make_node("Conv", {"X", "W"}, {"a"}, {{"pads", same}}), make_node("Relu", {"a"}, {"r"}),
       make_node("Conv", {"r", "W"}, {"b"}, {{"pads", same}}), make_node("Add", {"b", "a"}, {"s"}),
       make_node("Conv", {"s", "W"}, {"f1"}, {{"pads", same}}),
       make_node("Concat", {"s", "f1"}, {"k1"}, {{"axis", int64_t{1}}}),
       make_node("Conv", {"k1", "W2"}, {"f2"}, {{"pads", same}}),
       make_node("Concat", {"s", "f1", "f2"}, {"Y"}, {{"axis", int64_t{1}}})},
      {"X"}, {"Y"}, {{"W", random_tensor({16, 16, 3, 3}, 2)}, {"W2", random_tensor({16, 32, 3, 3}, 3)}});
  const runtime::Plan plan(*g, {"CPU", "REF"}, 1);
  for (int64_t batch : {1, 3}) {
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({batch, 16, 9, 7}, 1)}};
    plan.run(feeds, 0);  // the first run with these shapes also chooses kernels
    const ir::Tensor recorded = plan.run(feeds, 0)[0].tensor();
    const auto layout = plan.arena_layout(feeds);
    ASSERT_NE(layout, nullptr);
    EXPECT_LT(layout->size, layout->total) << "no buffer reused another's bytes";
    std::vector<ir::Tensor> replayed(4);
    std::thread other([&] {
      for (size_t i = 0; i < 2; ++i) replayed[i] = plan.run(feeds, 0)[0].tensor();
    });
    for (size_t i = 2; i < 4; ++i) replayed[i] = plan.run(feeds, 0)[0].tensor();
    other.join();
    for (const ir::Tensor& t : replayed) {
      ASSERT_EQ(t.dims(), recorded.dims());
      EXPECT_EQ(std::memcmp(t.raw(), recorded.raw(), t.size_bytes()), 0);
    }
    EXPECT_EQ(plan.arena_layout(feeds), layout);
  }
}

}  // namespace
}  // namespace zenith
