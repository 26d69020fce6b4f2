// Comparisons with broadcasting and bool results: Equal, Greater, GreaterOrEqual, Less,
// LessOrEqual.
#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Equal also compares bools and strings (strings since opset 19; accepting them costs nothing).
void equal(KernelContext& ctx) {
  compare_kernel<kAnyDType>(ctx, [](const auto& a, const auto& b) { return a == b; });
}
void greater(KernelContext& ctx) {
  compare_kernel<kNumeric>(ctx, [](auto a, auto b) { return a > b; });
}
void greater_or_equal(KernelContext& ctx) {
  compare_kernel<kNumeric>(ctx, [](auto a, auto b) { return a >= b; });
}
void less(KernelContext& ctx) {
  compare_kernel<kNumeric>(ctx, [](auto a, auto b) { return a < b; });
}
void less_or_equal(KernelContext& ctx) {
  compare_kernel<kNumeric>(ctx, [](auto a, auto b) { return a <= b; });
}

}  // namespace

void register_comparison(KernelRegistry& registry) {
  registry.add("Equal", &equal);
  registry.add("Greater", &greater);
  registry.add("GreaterOrEqual", &greater_or_equal);
  registry.add("Less", &less);
  registry.add("LessOrEqual", &less_or_equal);
}

}  // namespace zenith::ref
