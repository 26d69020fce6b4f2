// Logical ops on bool tensors: And, Or, Xor (with broadcasting) and Not.
#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void and_op(KernelContext& ctx) {
  binary_kernel<kBool>(ctx, [](bool a, bool b) { return a && b; });
}
void or_op(KernelContext& ctx) {
  binary_kernel<kBool>(ctx, [](bool a, bool b) { return a || b; });
}
void xor_op(KernelContext& ctx) {
  binary_kernel<kBool>(ctx, [](bool a, bool b) { return a != b; });
}
void not_op(KernelContext& ctx) {
  unary_kernel<kBool>(ctx, [](bool a) { return !a; });
}

}  // namespace

void register_logical(KernelRegistry& registry) {
  registry.add("And", &and_op);
  registry.add("Not", &not_op);
  registry.add("Or", &or_op);
  registry.add("Xor", &xor_op);
}

}  // namespace zenith::ref
