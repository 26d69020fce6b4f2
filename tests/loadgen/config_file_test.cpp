// mlperf.conf / user.conf parsing: values, precedence, and errors that name file and line.
#include "loadgen/config_file.h"

#include <gtest/gtest.h>

#include "testing/expect_error.h"

namespace zenith::loadgen {
namespace {

using testing::expect_error;

TestSettings server() {
  TestSettings s;
  s.scenario = Scenario::Server;
  return s;
}

TEST(LoadGenConfig, BuiltInMlperfConfGivesOfficialSeedsAndBounds) {
  TestSettings s = server();
  apply_config(s, builtin_mlperf_conf(), "mlperf.conf", "resnet50", ConfigKind::MlperfConf);
  EXPECT_EQ(s.qsl_rng_seed, 2085463073848966840ULL);
  EXPECT_EQ(s.schedule_rng_seed, 16159082839903944936ULL);
  EXPECT_EQ(s.server_target_latency_ns, 15'000'000u);  // resnet50 beats *.Server's 10 ms
  EXPECT_DOUBLE_EQ(s.server_target_latency_percentile, 0.99);
  EXPECT_EQ(s.min_duration_ms, 600'000u);
  EXPECT_EQ(s.performance_sample_count_override, 1024u);
}

TEST(LoadGenConfig, MostSpecificLineWinsWhateverItsPlace) {
  TestSettings s = server();
  apply_config(s,
               "resnet50.Server.target_qps = 300\n"
               "*.Server.target_qps = 100   # comment\n"
               "resnet50.*.target_qps = 200\n"
               "other.Server.target_qps = 999\n"
               "*.Offline.target_qps = 999\n",
               "user.conf", "resnet50", ConfigKind::UserConf);
  EXPECT_DOUBLE_EQ(s.server_target_qps, 300);
}

TEST(LoadGenConfig, UnitsAreMillisecondsAndPercent) {
  TestSettings s;
  s.scenario = Scenario::MultiStream;
  apply_config(s,
               "*.MultiStream.target_latency = 80\n*.MultiStream.target_latency_percentile = 99\n"
               "*.MultiStream.samples_per_query = 4\n",
               "user.conf", "m", ConfigKind::UserConf);
  EXPECT_EQ(s.multi_stream_expected_latency_ns, 80'000'000u);
  EXPECT_DOUBLE_EQ(s.multi_stream_target_latency_percentile, 0.99);
  EXPECT_EQ(s.multi_stream_samples_per_query, 4u);
}

TEST(LoadGenConfig, MalformedFilesNameFileAndLine) {
  TestSettings s = server();
  auto apply = [&](const char* text) {
    return [&s, text] { apply_config(s, text, "user.conf", "m", ConfigKind::UserConf); };
  };
  expect_error(apply("# ok\nm.Server.target_qps 10\n"), Error::Kind::InvalidArgument,
               "user.conf:2: 'm.Server.target_qps 10' is not of the form model.scenario.key");
  expect_error(apply("m.target_qps = 10\n"), Error::Kind::InvalidArgument,
               "user.conf:1: 'm.target_qps = 10' is not of the form");
  expect_error(apply("m.Server.target_qsp = 10\n"), Error::Kind::InvalidArgument,
               "user.conf:1: unknown key 'target_qsp'");
  expect_error(apply("m.Sever.target_qps = 10\n"), Error::Kind::InvalidArgument,
               "user.conf:1: unknown scenario 'Sever'");
  expect_error(apply("m.Server.target_qps = fast\n"), Error::Kind::InvalidArgument,
               "user.conf:1: target_qps = 'fast' is not a number");
  expect_error(apply("\n\nm.Server.target_qps = 0\n"), Error::Kind::InvalidArgument,
               "user.conf:3: target_qps = 0 must be > 0");
  expect_error(apply("m.Server.target_latency = -5\n"), Error::Kind::InvalidArgument,
               "user.conf:1: target_latency = -5 must be > 0");
  expect_error(apply("m.Server.min_query_count = 1.5\n"), Error::Kind::InvalidArgument,
               "min_query_count = '1.5' is not a non-negative integer");
  expect_error(apply("*.*.qsl_rng_seed = 1\n"), Error::Kind::InvalidArgument,
               "user.conf:1: 'qsl_rng_seed' may only be set in mlperf.conf");
  expect_error(apply("m.Server.target_qps =\n"), Error::Kind::InvalidArgument,
               "target_qps has no value");
}

TEST(LoadGenConfig, MissingFileIsNamed) {
  TestSettings s;
  expect_error([&] { apply_user_conf(s, "/nonexistent/user.conf", "m"); },
               Error::Kind::InvalidArgument, "/nonexistent/user.conf: cannot open");
}

}  // namespace
}  // namespace zenith::loadgen
