// Building blocks the opset converters share: constants, helper nodes, attribute -> input moves.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/onnx/converter.h"

namespace zenith::onnx_frontend {

// Adds a node before the converted `node` and returns the name of its (single) output.
std::string emit_before(ConvertContext& context, const ir::Node& node, std::string op_type,
                        std::vector<std::string> inputs,
                        std::map<std::string, ir::Attribute> attributes = {});

// Adds a node after the converted `node` that computes `output` (an original output of the node,
// freed by redirect_output) from `inputs`.
void emit_after(ConvertContext& context, const ir::Node& node, std::string op_type,
                std::vector<std::string> inputs, std::string output,
                std::map<std::string, ir::Attribute> attributes = {});

// A 1-D i64 initializer holding `values`; its name derives from the node and `what`.
std::string int64_constant(ConvertContext& context, const ir::Node& node, const std::string& what,
                           const std::vector<int64_t>& values);

// A rank-0 initializer of `value` in the element type of `like`: a constant when the graph knows
// that type, else a CastLike node (old ops such as Clip-6 take their bounds as float attributes
// while the canonical op wants inputs of the data's type).
std::string scalar_like(ConvertContext& context, const ir::Node& node, const std::string& what,
                        float value, const std::string& like);

// Sets input `index`, padding skipped optional inputs with "".
void set_input(ir::Node& node, size_t index, std::string name);

// Moves the ints attribute `key`, when present, to input `index` as a 1-D i64 constant.
void ints_attribute_to_input(ir::Node& node, ConvertContext& context, const std::string& key,
                             size_t index);

// Renames output `index` of `node` to a fresh value and returns the old name, so that a node
// added after it can produce the old name from the fresh one.
std::string redirect_output(ir::Node& node, ConvertContext& context, size_t index);

// The rank of `value` when the graph knows it (initializer, graph input or annotated value).
std::optional<int64_t> static_rank(const ConvertContext& context, const std::string& value);

// Removes the listed attributes (old-version knobs the canonical op does not have).
void erase_attributes(ir::Node& node, std::initializer_list<const char*> keys);

}  // namespace zenith::onnx_frontend
