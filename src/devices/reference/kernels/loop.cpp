// Loop: runs `body` while the trip count and the condition allow, threading loop-carried values
// (tensors, sequences or optionals) through it and stacking its scan outputs along a new axis 0.
#include <optional>

#include "devices/reference/interpreter.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/tensor_list_util.h"

namespace zenith::ref {
namespace {

bool read_cond(const ir::Value& value, std::string_view what) {
  const ir::Tensor& cond = value.tensor(what);
  if (cond.numel() != 1 || cond.dtype() != ir::DType::Bool)
    throw_invalid_argument("{} must hold a single bool, got {} tensor of shape {}", what,
                           ir::dtype_name(cond.dtype()), ir::to_string(cond.dims()));
  return *cond.data<bool>();
}

void loop(KernelContext& ctx) {
  const ir::GraphPtr body = ctx.attr<ir::GraphPtr>("body");
  if (!body) throw_invalid_model("attribute 'body' holds no graph");
  if (ctx.num_inputs() < 2)
    throw_invalid_model("Loop takes at least 2 inputs (M, cond), {} given", ctx.num_inputs());
  const size_t num_carried = ctx.num_inputs() - 2;
  if (body->inputs.size() != num_carried + 2 || body->outputs.size() < num_carried + 1)
    throw_invalid_model(
        "attribute 'body' has {} inputs and {} outputs; with {} loop-carried "
        "values it needs {} inputs and at least {} outputs",
        body->inputs.size(), body->outputs.size(), num_carried, num_carried + 2, num_carried + 1);
  const size_t num_scan = body->outputs.size() - 1 - num_carried;
  if (ctx.num_outputs() > num_carried + num_scan)
    throw_invalid_model("the node has {} outputs, the body gives only {}", ctx.num_outputs(),
                        num_carried + num_scan);

  std::optional<int64_t> trip_count;
  if (ctx.has_input(0)) {
    const ir::Tensor& m = ctx.input(0);
    if (m.numel() != 1 || !ir::is_integer(m.dtype()))
      throw_invalid_argument("input 'M' must hold a single integer, got {} tensor of shape {}",
                             ir::dtype_name(m.dtype()), ir::to_string(m.dims()));
    trip_count = m.as_int64(0);
  }
  const bool has_cond = ctx.has_input(1);
  bool cond = has_cond ? read_cond(ctx.input_value(1), "input 'cond'") : true;

  std::vector<ir::Value> carried;
  for (size_t i = 0; i < num_carried; ++i) carried.push_back(ctx.input_value(2 + i));
  std::vector<std::vector<ir::Tensor>> scans(num_scan);
  size_t scan_bytes = 0;
  const PreparedGraph prepared = ctx.prepare(*body);
  for (int64_t i = 0; (!trip_count || i < *trip_count) && cond; ++i) {
    std::vector<ir::Value> inputs{ir::Tensor::scalar<int64_t>(i), ir::Tensor::scalar<bool>(cond)};
    inputs.insert(inputs.end(), carried.begin(), carried.end());
    std::vector<ir::Value> outputs = ctx.run_subgraph(*body, inputs, &prepared);
    // Without a cond input the body's condition output is required but ignored.
    if (has_cond) cond = read_cond(outputs[0], "the body's condition output");
    for (size_t v = 0; v < num_carried; ++v) carried[v] = std::move(outputs[1 + v]);
    for (size_t k = 0; k < num_scan; ++k) {
      const std::string what = fmt::format("scan output {}", k);
      scans[k].push_back(outputs[1 + num_carried + k].tensor(what));
      scan_bytes += scans[k].back().size_bytes();
    }
    if (scan_bytes > ir::kMaxTensorBytes)
      throw_invalid_argument("the scan outputs exceed {} bytes after {} iterations",
                             ir::kMaxTensorBytes, i + 1);
  }

  for (size_t v = 0; v < num_carried && v < ctx.num_outputs(); ++v)
    ctx.set_output(v, std::move(carried[v]));
  for (size_t k = 0; k < num_scan && num_carried + k < ctx.num_outputs(); ++k) {
    const ir::ValueInfo& info = body->outputs[1 + num_carried + k];
    ctx.set_output(num_carried + k,
                   stack_iterations(scans[k], 0, info, fmt::format("scan output {}", k)));
  }
}

}  // namespace

void register_loop(KernelRegistry& registry) { registry.add("Loop", &loop); }

}  // namespace zenith::ref
