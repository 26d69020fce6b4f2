// GradientReducer and Timeline in one process (a world of one rank): buckets close at their
// size in the backward pass's order, averages are the gradients handed in, a gradient never
// handed in is an error, and the timeline's trace is Chrome's JSON. Several ranks: the
// data_parallel_test.py checks under mpirun.
#include "distributed/gradient_reducer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "distributed/timeline.h"
#include "ir/errors.h"

namespace zenith::distributed {
namespace {

using namespace std::chrono_literals;

TEST(GradientReducer, BucketsFillInBackwardOrderAndAverageOverOneRank) {
  Communicator& world = Communicator::world();
  ASSERT_FALSE(world.launched());
  // Gradients of 3, 5 and 2 floats made in the order 2, 1, 0; buckets close at 16 bytes.
  GradientReducer reducer(world, {3, 5, 2}, {2, 1, 0}, 16, 5s);
  EXPECT_EQ(reducer.buckets(), 2u);  // {2, 1}: 28 bytes, then {0}
  for (int step = 0; step < 2; ++step) {
    std::vector<std::vector<float>> g = {{1, 2, 3}, {4, 5, 6, 7, 8}, {9, 10}};
    for (auto& v : g)
      for (float& x : v) x += static_cast<float>(step);
    for (size_t k : {2, 1, 0}) reducer.ready(k, g[k].data());
    reducer.wait();
    for (size_t k = 0; k < g.size(); ++k)
      for (size_t i = 0; i < g[k].size(); ++i) EXPECT_EQ(reducer.average(k)[i], g[k][i]);
  }
  double sum = 2.5;
  reducer.collective([&](Communicator& c) { c.allreduce_sum(&sum, 1); });
  EXPECT_EQ(sum, 2.5);
  // Per step, bucket 0 on the communication thread; bucket 1, the last to complete, on this one
  // (nothing left to overlap), as is the collective.
  const std::vector<Interval> intervals = reducer.take_intervals();
  const auto count = [&](const char* name, int bucket, Lane lane) {
    return std::count_if(intervals.begin(), intervals.end(), [&](const Interval& i) {
      return std::string(i.name) == name && i.bucket == bucket && i.lane == lane;
    });
  };
  EXPECT_EQ(count("allreduce", 0, Lane::Communication), 2);
  EXPECT_EQ(count("allreduce", 1, Lane::Compute), 2);
  EXPECT_EQ(count("collective", -1, Lane::Compute), 1);
}

TEST(GradientReducer, AGradientNeverHandedInIsAnError) {
  GradientReducer reducer(Communicator::world(), {4, 4}, {1, 0}, 1 << 20, 5s);
  const float g[4] = {1, 2, 3, 4};
  reducer.ready(1, g);
  try {
    reducer.wait();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Internal);
    EXPECT_NE(std::string(e.what()).find("never handed in"), std::string::npos) << e.what();
  }
}

TEST(Timeline, TraceIsChromeJsonWithEachRanksLanesAndTotals) {
  const auto origin = std::chrono::steady_clock::now();
  Timeline timeline(origin);
  timeline.add({"forward", -1, origin, origin + 3ms}, 0);
  timeline.add({"allreduce", 1, origin + 2ms, origin + 5ms, Lane::Communication}, 0);
  timeline.add({"wait", -1, origin + 3ms, origin + 5ms}, 0);
  timeline.add({"allreduce", 0, origin + 5ms, origin + 6ms}, 0);  // on the compute lane
  const Timeline::Totals t = timeline.totals();
  EXPECT_NEAR(t.compute, 0.003, 1e-9);
  EXPECT_NEAR(t.communication, 0.004, 1e-9);
  EXPECT_NEAR(t.exposed, 0.003, 1e-9);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "zenith_timeline_test.json";
  write_trace(path.string(), {timeline.events_json(0), timeline.events_json(1)});
  std::ifstream file(path);
  const nlohmann::json trace = nlohmann::json::parse(file);
  int complete = 0, named = 0;
  for (const nlohmann::json& e : trace["traceEvents"]) {
    complete += e["ph"] == "X";
    named += e["ph"] == "M";
    if (e["name"] == "allreduce bucket 1" && e["pid"] == 1) {
      EXPECT_EQ(e["tid"], 1);
      EXPECT_NEAR(e["ts"].get<double>(), 2000, 1);
      EXPECT_NEAR(e["dur"].get<double>(), 3000, 1);
    }
  }
  EXPECT_EQ(complete, 8);
  EXPECT_EQ(named, 6);  // per rank: its process and two lanes
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace zenith::distributed
