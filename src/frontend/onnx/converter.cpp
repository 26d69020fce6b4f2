// ConvertContext helpers and the converter table lookup.
#include "frontend/onnx/converter.h"

#include <algorithm>

#include "frontend/onnx/converter_list.h"

namespace zenith::onnx_frontend {

std::string ConvertContext::unique_name(const std::string& hint) {
  std::string name = hint;
  for (int i = 1; names_.count(name); ++i) name = hint + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

std::string ConvertContext::add_constant(const std::string& hint, ir::Tensor value) {
  std::string name = unique_name(hint);
  graph_.initializers.emplace(name, std::move(value));
  return name;
}

const Converter* find_converter(std::string_view domain, std::string_view op_type) {
  const auto table = converter_table();
  auto it = std::find_if(table.begin(), table.end(), [&](const Converter& c) {
    return c.domain == domain && c.op_type == op_type;
  });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace zenith::onnx_frontend
