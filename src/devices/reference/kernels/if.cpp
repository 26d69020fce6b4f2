// If: runs then_branch or else_branch and forwards its outputs (tensors, sequences or optionals).
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void if_op(KernelContext& ctx) {
  const ir::Tensor& cond = ctx.input(0);
  if (cond.numel() != 1 || cond.dtype() != ir::DType::Bool)
    throw_invalid_argument("input 'cond' must hold a single bool, got {} tensor of shape {}",
                           ir::dtype_name(cond.dtype()), ir::to_string(cond.dims()));
  const bool taken = *cond.data<bool>();
  const char* branch_name = taken ? "then_branch" : "else_branch";
  const ir::GraphPtr branch = ctx.attr<ir::GraphPtr>(branch_name);
  if (!branch) throw_invalid_model("attribute '{}' holds no graph", branch_name);
  if (branch->outputs.size() != ctx.num_outputs())
    throw_invalid_model("attribute '{}' has {} outputs, the node has {}", branch_name,
                        branch->outputs.size(), ctx.num_outputs());
  std::vector<ir::Value> results = ctx.run_subgraph(*branch, {});
  for (size_t i = 0; i < results.size(); ++i) ctx.set_output(i, std::move(results[i]));
}

}  // namespace

void register_if(KernelRegistry& registry) { registry.add("If", &if_op); }

}  // namespace zenith::ref
