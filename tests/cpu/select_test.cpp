// Where, Cast, comparisons and logic on the CPU device against REF, with broadcasting in every
// operand; each test fails if a node runs on REF.
#include <cmath>
#include <limits>

#include "cpu/inputs.h"

namespace zenith {
namespace {

using testing::expect_cpu_error;
using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// Integers in [-3, 3], so that comparisons find equal pairs.
ir::Tensor as_dtype(const ir::Tensor& random, ir::DType dtype) {
  return testing::as_dtype(random, dtype, 3);
}

// f32 values with repeats, so that Equal is sometimes true.
ir::Tensor coarse(ir::Dims dims, uint64_t seed) {
  ir::Tensor t = random_tensor(std::move(dims), seed);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = std::round(t.data<float>()[i] * 2) / 2;
  return t;
}

const ir::Dims kShapes[][2] = {
    {{2, 3, 5}, {2, 3, 5}}, {{2, 3, 5}, {5}}, {{3, 1}, {2, 1, 4}}, {{}, {4, 3}}};

TEST(CpuCompare, EveryOpDtypeAndBroadcast) {
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    for (ir::DType dtype : {ir::DType::F32, ir::DType::I64, ir::DType::I32})
      for (const auto& shapes : kShapes) {
        SCOPED_TRACE(::testing::Message() << op << " " << ir::dtype_name(dtype));
        auto g = make_graph({make_node(op, {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
        expect_cpu_matches_ref(*g, {{"A", as_dtype(coarse(shapes[0], 1), dtype)},
                                    {"B", as_dtype(coarse(shapes[1], 2), dtype)}});
      }
  // NaN compares unequal and unordered, as on REF.
  ir::Tensor nan = random_tensor({4}, 1);
  nan.data<float>()[1] = std::numeric_limits<float>::quiet_NaN();
  for (const char* op : {"Equal", "Less", "GreaterOrEqual"}) {
    auto g = make_graph({make_node(op, {"A", "A"}, {"Y"})}, {"A"}, {"Y"});
    expect_cpu_matches_ref(*g, {{"A", nan}});
  }
}

TEST(CpuCompare, LogicOnBools) {
  for (const char* op : {"And", "Or", "Xor", "Equal"})
    for (const auto& shapes : kShapes) {
      auto g = make_graph({make_node(op, {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
      expect_cpu_matches_ref(*g, {{"A", as_dtype(random_tensor(shapes[0], 1), ir::DType::Bool)},
                                  {"B", as_dtype(random_tensor(shapes[1], 2), ir::DType::Bool)}});
    }
  auto g = make_graph({make_node("Not", {"A"}, {"Y"})}, {"A"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"A", as_dtype(random_tensor({3, 7, 5}, 1), ir::DType::Bool)}});
  // A large mask runs over several threads.
  expect_cpu_matches_ref(*g, {{"A", as_dtype(random_tensor({3, 70001}, 1), ir::DType::Bool)}});
}

TEST(CpuCompare, OtherDtypesRunOnRefWithAReason) {
  auto g = make_graph({make_node("And", {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"},
                      {{"B", as_dtype(random_tensor({3}, 1), ir::DType::I64)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[0].device, "REF");
  EXPECT_EQ(plan.assignments()[0].reason, "input 'B' is i64; the CPU device runs And on bool only");
}

TEST(CpuWhere, BroadcastingInEveryOperandAndDtype) {
  const ir::Dims shapes[][3] = {
      {{2, 3, 5}, {2, 3, 5}, {2, 3, 5}}, {{3, 1}, {1, 4}, {}}, {{5}, {2, 1, 5}, {3, 1}}};
  for (ir::DType dtype : testing::kMovedDtypes)
    for (const auto& s : shapes) {
      SCOPED_TRACE(ir::dtype_name(dtype));
      auto g = make_graph({make_node("Where", {"C", "X", "Y"}, {"Z"})}, {"C", "X", "Y"}, {"Z"});
      expect_cpu_matches_ref(*g, {{"C", as_dtype(random_tensor(s[0], 1), ir::DType::Bool)},
                                  {"X", as_dtype(random_tensor(s[1], 2), dtype)},
                                  {"Y", as_dtype(random_tensor(s[2], 3), dtype)}});
    }
  // An attention mask: a [tokens] mask over [batch, heads, tokens, tokens] scores.
  auto mask = make_graph({make_node("Where", {"C", "X", "fill"}, {"Z"})}, {"C", "X"}, {"Z"},
                         {{"fill", ir::Tensor::scalar(-1e9f)}});
  expect_cpu_matches_ref(*mask, {{"C", as_dtype(random_tensor({1, 1, 1, 129}, 1), ir::DType::Bool)},
                                 {"X", random_tensor({3, 4, 129, 129}, 2)}});
}

// Max, Min, Sum and Mean of one to three inputs broadcast together (a detector's box clipping
// is Min then Max against scalars), NaN propagated by Max and Min as REF does, integers for Max
// and Min; large enough for the fold to run on several threads.
TEST(CpuVariadic, BroadcastCountsDtypesAndNaN) {
  ir::Tensor a = random_tensor({4, 1, 97, 100}, 1);
  a.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();
  ir::Tensor b = random_tensor({3, 1, 100}, 2);
  b.data<float>()[7] = std::numeric_limits<float>::quiet_NaN();  // a NaN met after a number
  const ir::Tensor c = random_tensor({}, 3);
  for (const char* op : {"Max", "Min", "Sum", "Mean"})
    for (size_t count : {1, 2, 3}) {
      SCOPED_TRACE(::testing::Message() << op << " of " << count);
      const std::vector<std::string> names = {"A", "B", "C"};
      const std::vector<std::string> inputs(names.begin(), names.begin() + count);
      auto g = make_graph({make_node(op, inputs, {"Y"})}, inputs, {"Y"});
      std::map<std::string, ir::Value> feeds = {{"A", a}, {"B", b}, {"C", c}};
      for (size_t k = count; k < 3; ++k) feeds.erase(names[k]);
      expect_cpu_matches_ref(*g, feeds);
      if (std::string(op) == "Max" || std::string(op) == "Min")
        for (ir::DType dtype : {ir::DType::I64, ir::DType::I32}) {
          std::map<std::string, ir::Value> ints;
          for (const auto& [name, value] : feeds)
            ints[name] = testing::as_dtype(value.tensor(), dtype);
          ints["A"] = testing::as_dtype(random_tensor({4, 1, 97, 100}, 1), dtype);
          expect_cpu_matches_ref(*g, ints);
        }
    }
}

TEST(CpuCast, BetweenF32I64I32AndBool) {
  ir::Tensor x = random_tensor({3, 7}, 1);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] *= 1e3f;
  x.data<float>()[1] = 1e20f;  // saturates
  x.data<float>()[2] = -0.0f;
  for (ir::DType from : testing::kMovedDtypes)
    for (ir::DType to : testing::kMovedDtypes) {
      SCOPED_TRACE(::testing::Message() << ir::dtype_name(from) << " to " << ir::dtype_name(to));
      const int64_t code = to == ir::DType::F32   ? 1
                           : to == ir::DType::I64 ? 7
                           : to == ir::DType::I32 ? 6
                                                  : 9;
      auto g = make_graph({make_node("Cast", {"X"}, {"Y"}, {{"to", code}})}, {"X"}, {"Y"});
      ir::Tensor input =
          from == ir::DType::F32 ? x.clone() : as_dtype(random_tensor({3, 7}, 1), from);
      // NaN becomes 0 in an integer and true in a bool (NaN outputs would not compare equal).
      if (from == ir::DType::F32 && to != ir::DType::F32)
        input.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
      expect_cpu_matches_ref(*g, {{"X", input}}, {.rtol = 0, .atol = 0});
    }
  auto f16 = make_graph({make_node("Cast", {"X"}, {"Y"}, {{"to", int64_t{10}}})}, {"X"}, {"Y"});
  const runtime::Plan plan(*f16, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[0].device, "REF");
}

TEST(CpuBinary, IntegerOperandsWithBroadcasting) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"})
    for (ir::DType dtype : {ir::DType::I64, ir::DType::I32})
      for (const auto& shapes : kShapes) {
        SCOPED_TRACE(::testing::Message() << op << " " << ir::dtype_name(dtype));
        ir::Tensor r = random_tensor(shapes[1], 2);
        for (int64_t i = 0; i < r.numel(); ++i)  // |r| >= 1: divisors of 3 to 6, either sign
          r.data<float>()[i] = std::copysign(1 + std::fabs(r.data<float>()[i]), r.data<float>()[i]);
        const ir::Tensor b = as_dtype(r, dtype);
        ir::Tensor a = as_dtype(random_tensor(shapes[0], 1), dtype);
        auto g = make_graph({make_node(op, {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
        expect_cpu_matches_ref(*g, {{"A", a}, {"B", b}}, {.rtol = 0, .atol = 0});
      }
}

TEST(CpuBinary, ScalarOperands) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    auto g = make_graph({make_node(op, {"A", "s"}, {"Y"})}, {"A"}, {"Y"},
                        {{"s", ir::Tensor::scalar(0.75f)}});
    expect_cpu_matches_ref(*g, {{"A", random_tensor({2, 3, 5}, 1)}});
  }
  auto first = make_graph({make_node("Mul", {"s", "A"}, {"Y"})}, {"A"}, {"Y"},
                          {{"s", ir::Tensor::scalar(2.0f)}});
  expect_cpu_matches_ref(*first, {{"A", random_tensor({7}, 1)}});
}

TEST(CpuBinary, IntegerDivisionByZeroNamesTheNode) {
  auto g = make_graph({make_node("Div", {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
  const ir::Tensor b = testing::ints({2, 0, 1});
  expect_cpu_error(*g, {{"A", b}, {"B", b}}, {"n_Div", "integer division by zero"});
}

}  // namespace
}  // namespace zenith
