// Optional, OptionalGetElement, OptionalHasElement: wrapping a value that may be absent.
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// An optional holding a tensor or sequence is represented by that value itself, so wrapping is
// forwarding; without an input the result is the empty optional.
void optional(KernelContext& ctx) {
  ctx.set_output(0, ctx.has_input(0) ? ctx.input_value(0) : ir::Value());
}

void optional_get_element(KernelContext& ctx) {
  const ir::Value& v = ctx.input_value(0);
  if (v.is_none()) throw_invalid_argument("input 'input' is an empty optional");
  ctx.set_output(0, v);
}

// An absent input (allowed since opset 18) counts as an empty optional.
void optional_has_element(KernelContext& ctx) {
  const bool has = ctx.has_input(0) && !ctx.input_value(0).is_none();
  ctx.set_output(0, ir::Tensor::scalar<bool>(has));
}

}  // namespace

void register_optional(KernelRegistry& registry) {
  registry.add("Optional", &optional);
  registry.add("OptionalGetElement", &optional_get_element);
  registry.add("OptionalHasElement", &optional_has_element);
}

}  // namespace zenith::ref
