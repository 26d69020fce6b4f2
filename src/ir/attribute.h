// Attribute: a node's typed attribute value, including subgraphs for If / Loop / Scan.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ir/tensor.h"

namespace zenith::ir {

class Graph;
using GraphPtr = std::shared_ptr<const Graph>;

using Attribute = std::variant<int64_t, float, std::string, Tensor, GraphPtr, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, std::vector<Tensor>,
                               std::vector<GraphPtr>>;

// "int", "float", "string", "tensor", "graph", "ints", "floats", "strings", "tensors", "graphs".
std::string_view attribute_kind_name(const Attribute& attribute);

template <typename T> constexpr std::string_view attribute_kind_name_of();
template <> constexpr std::string_view attribute_kind_name_of<int64_t>() { return "int"; }
template <> constexpr std::string_view attribute_kind_name_of<float>() { return "float"; }
template <> constexpr std::string_view attribute_kind_name_of<std::string>() { return "string"; }
template <> constexpr std::string_view attribute_kind_name_of<Tensor>() { return "tensor"; }
template <> constexpr std::string_view attribute_kind_name_of<GraphPtr>() { return "graph"; }
template <> constexpr std::string_view attribute_kind_name_of<std::vector<int64_t>>() { return "ints"; }
template <> constexpr std::string_view attribute_kind_name_of<std::vector<float>>() { return "floats"; }
template <> constexpr std::string_view attribute_kind_name_of<std::vector<std::string>>() {
  return "strings";
}
template <> constexpr std::string_view attribute_kind_name_of<std::vector<Tensor>>() { return "tensors"; }
template <> constexpr std::string_view attribute_kind_name_of<std::vector<GraphPtr>>() { return "graphs"; }

}  // namespace zenith::ir
