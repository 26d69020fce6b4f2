// Loading a case's model and data, running it, comparing outputs.
#include "case_runner.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "frontend/onnx/tensor_proto.h"
#include "ir/errors.h"
#include "runtime/session.h"

namespace zenith::conformance {
namespace {

namespace fs = std::filesystem;
using onnx_frontend::ProtoKind;

ProtoKind proto_kind(const ir::TypeInfo& type) {
  switch (type.kind) {
    case ir::TypeInfo::Kind::Sequence: return ProtoKind::Sequence;
    case ir::TypeInfo::Kind::Optional: return ProtoKind::Optional;
    case ir::TypeInfo::Kind::Tensor: break;
  }
  return ProtoKind::Tensor;
}

// ONNX's test data stores bfloat16 tensors as their uint16 bit patterns, because numpy has no
// bfloat16; the graph's declared type says which ones to reinterpret.
ir::Value read_as_declared(const fs::path& file, const ir::TypeInfo& type) {
  ir::Value value = onnx_frontend::read_value_file(file, proto_kind(type));
  if (type.kind != ir::TypeInfo::Kind::Tensor || type.dtype != ir::DType::BF16 ||
      !value.is_tensor() || value.tensor().dtype() != ir::DType::U16)
    return value;
  const ir::Tensor& bits = value.tensor();
  ir::Tensor bf16(ir::DType::BF16, bits.dims());
  std::memcpy(bf16.raw(), bits.raw(), bits.size_bytes());
  return bf16;
}

std::string compare_tensors(const ir::Tensor& actual, const ir::Tensor& expected,
                            const Tolerance& tol) {
  if (actual.dtype() != expected.dtype())
    return fmt::format("dtype {} != expected {}", ir::dtype_name(actual.dtype()),
                       ir::dtype_name(expected.dtype()));
  if (actual.dims() != expected.dims())
    return fmt::format("shape {} != expected {}", ir::to_string(actual.dims()),
                       ir::to_string(expected.dims()));
  if (actual.dtype() == ir::DType::String) {
    for (int64_t i = 0; i < actual.numel(); ++i)
      if (actual.data<std::string>()[i] != expected.data<std::string>()[i])
        return fmt::format("element {}: '{}' != expected '{}'", i, actual.data<std::string>()[i],
                           expected.data<std::string>()[i]);
    return "";
  }
  const bool exact = !ir::is_floating(actual.dtype());
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const double a = actual.as_double(i);
    const double e = expected.as_double(i);
    if (std::isnan(a) && std::isnan(e)) continue;
    if (a == e) continue;
    if (exact || !(std::fabs(a - e) <= tol.atol + tol.rtol * std::fabs(e)))
      return fmt::format("element {}: {} != expected {}", i, a, e);
  }
  return "";
}

std::string compare_values(const ir::Value& actual, const ir::Value& expected,
                           const Tolerance& tol) {
  if (expected.is_none()) return actual.is_none() ? "" : "expected an empty optional";
  if (expected.is_tensor())
    return actual.is_tensor() ? compare_tensors(actual.tensor(), expected.tensor(), tol)
                              : "expected a tensor";
  if (!actual.is_sequence()) return "expected a sequence";
  const auto& a = actual.sequence().items;
  const auto& e = expected.sequence().items;
  if (a.size() != e.size())
    return fmt::format("sequence of {} tensors != expected {}", a.size(), e.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (auto m = compare_tensors(a[i], e[i], tol); !m.empty())
      return fmt::format("sequence item {}: {}", i, m);
  return "";
}

CaseResult run_data_set(const runtime::Session& session, const fs::path& dir,
                        const Tolerance& tol) {
  const ir::Graph& graph = session.graph();
  const auto outputs = session.run(read_inputs(dir, graph));
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    const fs::path file = dir / fmt::format("output_{}.pb", i);
    if (!fs::exists(file)) continue;
    const ir::Value expected = read_as_declared(file, graph.outputs[i].type);
    if (auto m = compare_values(outputs[i], expected, tol); !m.empty())
      return {Status::Failed, fmt::format("{}: output '{}': {}", dir.filename().string(),
                                          graph.outputs[i].name, m)};
  }
  return {Status::Passed, ""};
}

}  // namespace

std::vector<fs::path> data_sets(const fs::path& case_dir) {
  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(case_dir))
    if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0)
      sets.push_back(entry.path());
  std::sort(sets.begin(), sets.end());
  return sets;
}

std::map<std::string, ir::Value> read_inputs(const fs::path& data_set, const ir::Graph& graph) {
  const auto inputs = graph.runtime_inputs();
  std::map<std::string, ir::Value> feeds;
  for (size_t i = 0;; ++i) {
    const fs::path file = data_set / fmt::format("input_{}.pb", i);
    if (!fs::exists(file)) break;
    if (i >= inputs.size()) throw_invalid_model("{} has no matching graph input", file.string());
    feeds[inputs[i]->name] = read_as_declared(file, inputs[i]->type);
  }
  return feeds;
}

const char* to_string(Status status) {
  switch (status) {
    case Status::Passed: return "passed";
    case Status::Failed: return "failed";
    case Status::Error: return "error";
    case Status::Unsupported: return "unsupported";
  }
  return "?";
}

CaseResult run_case(const fs::path& case_dir, const std::string& device, const Tolerance& tol) {
  try {
    runtime::Session session(runtime::load_graph(case_dir / "model.onnx"), device);
    for (const fs::path& set : data_sets(case_dir)) {
      CaseResult r = run_data_set(session, set, tol);
      if (r.status != Status::Passed) return r;
    }
    return {Status::Passed, ""};
  } catch (const Error& e) {
    return {e.kind() == Error::Kind::Unsupported ? Status::Unsupported : Status::Error, e.what()};
  } catch (const std::exception& e) {
    return {Status::Error, std::string("unexpected exception: ") + e.what()};
  }
}

}  // namespace zenith::conformance
