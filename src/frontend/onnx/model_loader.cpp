// Reading and checking the ModelProto, then importing its graph.
#include "frontend/onnx/model_loader.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <fstream>

#include "frontend/onnx/graph_importer.h"
#include "ir/errors.h"

namespace zenith::onnx_frontend {

ir::Graph load_model(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw_invalid_argument("{}: no such model file", file);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_invalid_argument("{}: cannot open the file for reading", file);
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in))
    throw_invalid_model("{}: not a valid ONNX model (protobuf parsing failed: the file is "
                        "truncated, corrupted or not ONNX)",
                        file);
  if (!model.has_graph()) throw_invalid_model("{}: the model has no graph", file);
  // ONNX resolves ops of an opset newer than it knows to the latest versions it knows, whose
  // semantics may differ (opset 18 moved Reduce* axes to an input), so such models are refused.
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (const auto& opset : model.opset_import()) {
    auto range = known.find(opset.domain() == "ai.onnx" ? "" : opset.domain());
    if (range != known.end() && opset.version() > range->second.second)
      throw_unsupported("{}: the model imports opset {} of domain '{}'; Zenith supports opsets up "
                        "to {} (re-export the model with opset {})", file, opset.version(),
                        opset.domain().empty() ? "ai.onnx" : opset.domain(),
                        range->second.second, range->second.second);
  }
  try {
    onnx::checker::check_model(file);
  } catch (const std::exception& e) {
    throw_invalid_model("{}: rejected by the ONNX checker: {}", file, e.what());
  }

  ImportOptions options;
  options.base_dir = path.parent_path();
  for (const auto& opset : model.opset_import()) options.opsets[opset.domain()] = opset.version();
  // ONNX: "ai.onnx" is an alias of the default domain.
  if (options.opsets.count("ai.onnx")) options.opsets[""] = options.opsets["ai.onnx"];
  try {
    ir::Graph graph = import_graph(model.graph(), options);
    graph.source = file;
    graph.opsets = options.opsets;
    return graph;
  } catch (const Error& e) {
    rethrow_with_context(e, file + ": ");
  }
}

}  // namespace zenith::onnx_frontend
