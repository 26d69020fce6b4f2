#include <gtest/gtest.h>

#include <string>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefComparison, BroadcastsAndReturnsBool) {
  auto a = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  auto b = make_tensor<int32_t>({2}, {2, 3});
  EXPECT_EQ(values_of<bool>(run_node("Less", {a, b})[0]), (std::vector<bool>{1, 1, 0, 0}));
  EXPECT_EQ(values_of<bool>(run_node("GreaterOrEqual", {a, b})[0]),
            (std::vector<bool>{0, 0, 1, 1}));
}

TEST(RefComparison, EqualComparesStrings) {
  auto a = make_tensor<std::string>({2}, {"cat", "dog"});
  auto b = make_tensor<std::string>({}, {"dog"});
  EXPECT_EQ(values_of<bool>(run_node("Equal", {a, b})[0]), (std::vector<bool>{false, true}));
}

TEST(RefComparison, GreaterRejectsStrings) {
  auto a = make_tensor<std::string>({1}, {"a"});
  const std::string message = error_message(
      [&] {
        run_node("Greater", {a, a});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("dtype string"), std::string::npos) << message;
}

TEST(RefLogical, TruthTablesWithBroadcast) {
  auto a = make_tensor<bool>({2, 2}, {false, false, true, true});
  auto b = make_tensor<bool>({2}, {false, true});
  EXPECT_EQ(values_of<bool>(run_node("And", {a, b})[0]), (std::vector<bool>{0, 0, 0, 1}));
  EXPECT_EQ(values_of<bool>(run_node("Or", {a, b})[0]), (std::vector<bool>{0, 1, 1, 1}));
  EXPECT_EQ(values_of<bool>(run_node("Xor", {a, b})[0]), (std::vector<bool>{0, 1, 1, 0}));
  EXPECT_EQ(values_of<bool>(run_node("Not", {b})[0]), (std::vector<bool>{1, 0}));
}

TEST(RefLogical, RejectsNonBool) {
  auto a = make_tensor<int32_t>({1}, {1});
  error_message([&] { run_node("And", {a, a}); }, Error::Kind::InvalidArgument);
}

TEST(RefWhere, BroadcastsAllThreeInputs) {
  auto condition = make_tensor<bool>({2, 1}, {true, false});
  auto x = make_tensor<std::string>({2}, {"a", "b"});
  auto y = make_tensor<std::string>({}, {"z"});
  auto out = run_node("Where", {condition, x, y});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2}));
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"a", "b", "z", "z"}));
}

TEST(RefWhere, ConditionMustBeBool) {
  auto x = make_tensor<float>({1}, {1});
  const std::string message = error_message(
      [&] {
        run_node("Where", {x, x, x});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("input 0"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
