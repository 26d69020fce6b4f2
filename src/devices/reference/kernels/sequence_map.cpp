// SequenceMap: applies `body` to each item of the input sequence, pairing it with the same item
// of every additional sequence input (or the whole of each additional tensor input).
#include "devices/reference/interpreter.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void sequence_map(KernelContext& ctx) {
  const ir::GraphPtr body = ctx.attr<ir::GraphPtr>("body");
  if (!body) throw_invalid_model("attribute 'body' holds no graph");
  if (body->inputs.size() != ctx.num_inputs() || body->outputs.size() != ctx.num_outputs())
    throw_invalid_model("attribute 'body' has {} inputs and {} outputs, the node {} and {}",
                        body->inputs.size(), body->outputs.size(), ctx.num_inputs(),
                        ctx.num_outputs());
  const ir::TensorSequence& seq = ctx.input_value(0).sequence("input 'input_sequence'");
  const size_t length = seq.items.size();
  for (size_t j = 1; j < ctx.num_inputs(); ++j) {
    const ir::Value& v = ctx.input_value(j);
    if (v.is_sequence() && v.sequence().items.size() != length)
      throw_invalid_argument("input {} is a sequence of {} tensors, input 'input_sequence' has {}",
                             j, v.sequence().items.size(), length);
    if (v.is_none()) throw_invalid_argument("input {} is an empty optional", j);
  }

  std::vector<ir::TensorSequence> results(ctx.num_outputs());
  for (size_t k = 0; k < results.size(); ++k) {
    const ir::TypeInfo& type = body->outputs[k].type;
    if (type.kind == ir::TypeInfo::Kind::Tensor) results[k].elem_dtype = type.dtype;
  }
  const PreparedGraph prepared = ctx.prepare(*body);
  for (size_t i = 0; i < length; ++i) {
    std::vector<ir::Value> inputs{seq.items[i]};
    for (size_t j = 1; j < ctx.num_inputs(); ++j) {
      const ir::Value& v = ctx.input_value(j);
      inputs.push_back(v.is_sequence() ? ir::Value(v.sequence().items[i]) : v);
    }
    std::vector<ir::Value> outputs = ctx.run_subgraph(*body, inputs, &prepared);
    for (size_t k = 0; k < results.size(); ++k) {
      const ir::Tensor& t = outputs[k].tensor(fmt::format("body output {}", k));
      if (results[k].elem_dtype != ir::DType::Undefined && t.dtype() != results[k].elem_dtype)
        throw_invalid_argument("body output {} has dtype {} at item {}, expected {}", k,
                               ir::dtype_name(t.dtype()), i, ir::dtype_name(results[k].elem_dtype));
      results[k].elem_dtype = t.dtype();
      results[k].items.push_back(t);
    }
  }
  for (size_t k = 0; k < results.size(); ++k) ctx.set_output(k, std::move(results[k]));
}

}  // namespace

void register_sequence_map(KernelRegistry& registry) { registry.add("SequenceMap", &sequence_map); }

}  // namespace zenith::ref
