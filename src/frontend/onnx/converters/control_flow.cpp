// Converters for control-flow ops: Scan-8 (batched) -> Scan-16.
#include "frontend/onnx/converters/control_flow.h"

#include <memory>

#include "ir/errors.h"

namespace zenith::onnx_frontend {

// Scan-8 has a batch axis 0 on every input and output, and sequences along axis 1. It becomes
// an outer Scan over the batch (every input a scan input, every output a scan output) whose body
// runs an inner Scan, with the original body, over one batch entry's sequences.
void convert_scan(ir::Node& node, ConvertContext& context) {
  if (context.since_version() >= 9) return;
  if (node.inputs.empty()) throw_invalid_model("Scan-8 needs at least input 0 (sequence_lens)");
  if (node.has_input(0))
    throw_unsupported("Scan-8 with sequence_lens (input 0) is not supported; re-export the model "
                      "with opset >= 9");
  const auto body = node.attr<ir::GraphPtr>("body");
  const int64_t num_scan_inputs = node.attr<int64_t>("num_scan_inputs");
  const std::vector<std::string> inputs(node.inputs.begin() + 1, node.inputs.end());
  if (num_scan_inputs < 0 || num_scan_inputs > static_cast<int64_t>(inputs.size()))
    throw_invalid_model("attribute 'num_scan_inputs' is {}, but the node has {} state and scan "
                        "inputs",
                        num_scan_inputs, inputs.size());

  ir::Node inner;
  inner.op_type = "Scan";
  inner.name = context.unique_name(node.name + "_per_batch");
  inner.attributes["body"] = body;
  inner.attributes["num_scan_inputs"] = num_scan_inputs;
  if (node.has_attr("directions"))
    inner.attributes["scan_input_directions"] = node.attr<std::vector<int64_t>>("directions");

  auto batch_body = std::make_shared<ir::Graph>();
  batch_body->name = inner.name + "_body";
  for (const std::string& input : inputs) {
    inner.inputs.push_back(context.unique_name(input + "_entry"));
    batch_body->inputs.push_back({inner.inputs.back(), ir::TypeInfo{}});
  }
  for (const std::string& output : node.outputs) {
    inner.outputs.push_back(context.unique_name((output.empty() ? node.name : output) + "_entry"));
    batch_body->outputs.push_back({inner.outputs.back(), ir::TypeInfo{}});
  }
  batch_body->nodes.push_back(std::move(inner));

  node.inputs = inputs;
  node.attributes.clear();
  node.attributes["body"] = ir::GraphPtr(std::move(batch_body));
  node.attributes["num_scan_inputs"] = static_cast<int64_t>(inputs.size());
}

}  // namespace zenith::onnx_frontend
