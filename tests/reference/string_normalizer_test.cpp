#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kWords = make_tensor<std::string>({4}, {"Monday", "tuesday", "MONDAY", "été"});

TEST(RefStringNormalizer, CaseInsensitiveStopwordsThenUpper) {
  auto out = run_node("StringNormalizer", {kWords},
                      {{"stopwords", std::vector<std::string>{"monday"}},
                       {"case_change_action", std::string("UPPER")}});
  // Only ASCII letters change case; the UTF-8 bytes of é are kept.
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"TUESDAY", "éTé"}));
}

TEST(RefStringNormalizer, CaseSensitiveStopwordsKeepOtherCases) {
  auto out = run_node("StringNormalizer", {kWords.reshaped({1, 4})},
                      {{"stopwords", std::vector<std::string>{"monday", "Monday"}},
                       {"is_case_sensitive", int64_t{1}},
                       {"case_change_action", std::string("LOWER")}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 3}));
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"tuesday", "monday", "été"}));
}

TEST(RefStringNormalizer, AllStopwordsLeaveOneEmptyString) {
  auto out = run_node("StringNormalizer", {make_tensor<std::string>({2}, {"a", "A"})},
                      {{"stopwords", std::vector<std::string>{"a"}}});
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{""}));
}

TEST(RefStringNormalizer, UnknownCaseActionIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("StringNormalizer", {kWords}, {{"case_change_action", std::string("TITLE")}});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("case_change_action"), std::string::npos) << message;
}

TEST(RefStringNormalizer, TwoRowsAreAnError) {
  const std::string message = error_message(
      [] {
        run_node("StringNormalizer", {kWords.reshaped({2, 2})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("[1, C]"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
