#include <gtest/gtest.h>

#include <sstream>

#include "loadgen/log_files.h"

namespace zenith::loadgen {
namespace {

TEST(LoadGenAccuracyLog, ListsResponsesInCompletionOrderWithUpperCaseHex) {
  TestResult result;
  std::ostringstream empty;
  write_accuracy_log(result, empty);
  EXPECT_EQ(empty.str(), "[\n]\n");

  result.accuracy_responses = {{3, 17, {0x00, 0xab, 0x7f}}, {1, 2, {}}};
  std::ostringstream out;
  write_accuracy_log(result, out);
  EXPECT_EQ(out.str(),
            "[\n"
            "{ \"seq_id\" : 3, \"qsl_idx\" : 17, \"data\" : \"00AB7F\" },\n"
            "{ \"seq_id\" : 1, \"qsl_idx\" : 2, \"data\" : \"\" }\n"
            "]\n");
}

}  // namespace
}  // namespace zenith::loadgen
