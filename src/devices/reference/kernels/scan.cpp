// Scan (opset 9+ semantics): runs `body` once per slice of the scan inputs along their scan
// axes, threading state values through it and stacking its scan outputs along their axes.
#include <algorithm>

#include "devices/reference/interpreter.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/tensor_list_util.h"

namespace zenith::ref {
namespace {

// Attribute `key`, which must list `count` entries (all `fallback` when absent).
std::vector<int64_t> per_value_attr(const KernelContext& ctx, const std::string& key,
                                    size_t count) {
  std::vector<int64_t> values = ctx.attr<std::vector<int64_t>>(key, std::vector<int64_t>(count, 0));
  if (values.size() != count)
    throw_invalid_model("attribute '{}' has {} entries, expected {}", key, values.size(), count);
  return values;
}

void check_directions(const std::vector<int64_t>& directions, const std::string& key) {
  for (int64_t d : directions)
    if (d != 0 && d != 1)
      throw_invalid_model("attribute '{}' holds {}, expected 0 (forward) or 1 (reverse)", key, d);
}

void scan(KernelContext& ctx) {
  const ir::GraphPtr body = ctx.attr<ir::GraphPtr>("body");
  if (!body) throw_invalid_model("attribute 'body' holds no graph");
  const int64_t num_scan_inputs = ctx.attr<int64_t>("num_scan_inputs");
  if (num_scan_inputs < 1 || static_cast<size_t>(num_scan_inputs) > ctx.num_inputs())
    throw_invalid_model("attribute 'num_scan_inputs' is {}, expected 1 to {} (the node's inputs)",
                        num_scan_inputs, ctx.num_inputs());
  const size_t num_scan_in = static_cast<size_t>(num_scan_inputs);
  const size_t num_state = ctx.num_inputs() - num_scan_in;
  if (body->inputs.size() != ctx.num_inputs() || body->outputs.size() < num_state)
    throw_invalid_model(
        "attribute 'body' has {} inputs and {} outputs; the node has {} inputs "
        "of which {} are states",
        body->inputs.size(), body->outputs.size(), ctx.num_inputs(), num_state);
  const size_t num_scan_out = body->outputs.size() - num_state;
  if (ctx.num_outputs() > body->outputs.size())
    throw_invalid_model("the node has {} outputs, the body gives only {}", ctx.num_outputs(),
                        body->outputs.size());

  std::vector<int64_t> in_axes = per_value_attr(ctx, "scan_input_axes", num_scan_in);
  const auto in_dirs = per_value_attr(ctx, "scan_input_directions", num_scan_in);
  const auto out_axes = per_value_attr(ctx, "scan_output_axes", num_scan_out);
  const auto out_dirs = per_value_attr(ctx, "scan_output_directions", num_scan_out);
  check_directions(in_dirs, "scan_input_directions");
  check_directions(out_dirs, "scan_output_directions");

  int64_t length = -1;
  for (size_t j = 0; j < num_scan_in; ++j) {
    const ir::Tensor& x = ctx.input(num_state + j);
    const std::string what = fmt::format("scan_input_axes[{}] for scan input {}", j, j);
    in_axes[j] = ir::normalize_axis(in_axes[j], x.rank(), what);
    const int64_t n = x.dims()[static_cast<size_t>(in_axes[j])];
    if (length >= 0 && n != length)
      throw_invalid_argument("scan input {} has {} slices along axis {}, scan input 0 has {}", j, n,
                             in_axes[j], length);
    length = n;
  }

  std::vector<ir::Value> states;
  for (size_t i = 0; i < num_state; ++i) states.push_back(ctx.input_value(i));
  std::vector<std::vector<ir::Tensor>> scans(num_scan_out);
  const PreparedGraph prepared = ctx.prepare(*body);
  for (int64_t t = 0; t < length; ++t) {
    std::vector<ir::Value> inputs = states;
    for (size_t j = 0; j < num_scan_in; ++j) {
      const ir::Tensor& x = ctx.input(num_state + j);
      const int64_t index = in_dirs[j] == 0 ? t : length - 1 - t;
      ir::Dims dims = x.dims();
      dims.erase(dims.begin() + in_axes[j]);
      inputs.push_back(slice_axis(x, in_axes[j], index, 1).reshaped(dims));
    }
    std::vector<ir::Value> outputs = ctx.run_subgraph(*body, inputs, &prepared);
    for (size_t i = 0; i < num_state; ++i) states[i] = std::move(outputs[i]);
    for (size_t k = 0; k < num_scan_out; ++k)
      scans[k].push_back(outputs[num_state + k].tensor(fmt::format("scan output {}", k)));
  }

  for (size_t i = 0; i < num_state && i < ctx.num_outputs(); ++i)
    ctx.set_output(i, std::move(states[i]));
  for (size_t k = 0; k < num_scan_out && num_state + k < ctx.num_outputs(); ++k) {
    if (out_dirs[k] == 1) std::reverse(scans[k].begin(), scans[k].end());
    ctx.set_output(num_state + k,
                   stack_iterations(scans[k], out_axes[k], body->outputs[num_state + k],
                                    fmt::format("scan output {}", k)));
  }
}

}  // namespace

void register_scan(KernelRegistry& registry) { registry.add("Scan", &scan); }

}  // namespace zenith::ref
