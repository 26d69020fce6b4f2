// The op registry: which ops the IR has, the ONNX version whose semantics each follows, and
// (where written) its shape inference.
#pragma once

#include <span>
#include <string_view>

namespace zenith::ir {

struct OpSchema {
  std::string_view domain;   // "" for the default ONNX domain
  std::string_view op_type;
  int onnx_version;          // the ONNX op version that defines the canonical form
};

// nullptr if the IR has no such op.
const OpSchema* find_op(std::string_view domain, std::string_view op_type);
// Every op, sorted by (domain, op_type).
std::span<const OpSchema> all_ops();

}  // namespace zenith::ir
