// Opset converters: old op versions import into the IR's canonical forms and compute the same.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>

#include "devices/reference/interpreter.h"
#include "frontend/onnx/graph_importer.h"
#include "frontend/onnx/tensor_proto.h"
#include "ir/errors.h"
#include "reference/run_node.h"

namespace zenith::onnx_frontend {
namespace {

using testing::make_tensor;

// A one-node ONNX graph under one opset, built with the protobuf classes.
class OneNode {
 public:
  OneNode(std::string op_type, int64_t opset) : opset_(opset) {
    node_ = graph_.add_node();
    node_->set_op_type(std::move(op_type));
    node_->set_name("n");
  }
  // A float input with a static shape.
  OneNode& input(const std::string& name, const std::vector<int64_t>& dims) {
    node_->add_input(name);
    auto* value = graph_.add_input();
    value->set_name(name);
    auto* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) tensor->mutable_shape()->add_dim()->set_dim_value(d);
    return *this;
  }
  // A float input whose rank the model does not state.
  OneNode& unranked_input(const std::string& name) {
    node_->add_input(name);
    auto* value = graph_.add_input();
    value->set_name(name);
    value->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    return *this;
  }
  OneNode& output(const std::string& name) {
    node_->add_output(name);
    graph_.add_output()->set_name(name);
    return *this;
  }
  onnx::AttributeProto& attr(const std::string& name, onnx::AttributeProto::AttributeType type) {
    auto* a = node_->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return *a;
  }
  OneNode& ints(const std::string& name, const std::vector<int64_t>& values) {
    auto& a = attr(name, onnx::AttributeProto::INTS);
    for (int64_t v : values) a.add_ints(v);
    return *this;
  }
  OneNode& i(const std::string& name, int64_t value) {
    attr(name, onnx::AttributeProto::INT).set_i(value);
    return *this;
  }
  OneNode& f(const std::string& name, float value) {
    attr(name, onnx::AttributeProto::FLOAT).set_f(value);
    return *this;
  }
  OneNode& floats(const std::string& name, const std::vector<float>& values) {
    auto& a = attr(name, onnx::AttributeProto::FLOATS);
    for (float v : values) a.add_floats(v);
    return *this;
  }
  OneNode& s(const std::string& name, const std::string& value) {
    attr(name, onnx::AttributeProto::STRING).set_s(value);
    return *this;
  }
  ir::Graph import() const { return import_graph(graph_, {{{"", opset_}}, {}}); }

 private:
  onnx::GraphProto graph_;
  onnx::NodeProto* node_;
  int64_t opset_;
};

const ir::Node& only_node(const ir::Graph& graph, const std::string& op_type) {
  const ir::Node* found = nullptr;
  for (const auto& node : graph.nodes)
    if (node.op_type == op_type) {
      EXPECT_EQ(found, nullptr) << "more than one " << op_type;
      found = &node;
    }
  if (!found) throw std::runtime_error("no " + op_type + " node");
  return *found;
}

std::vector<int64_t> constant_input(const ir::Graph& graph, const ir::Node& node, size_t i) {
  EXPECT_TRUE(node.has_input(i));
  return ir::to_int64_vector(graph.initializers.at(node.inputs.at(i)), "test");
}

std::vector<float> run_floats(const ir::Graph& graph, std::map<std::string, ir::Value> feeds) {
  const auto outputs = ref::Interpreter().run(graph, feeds);
  const ir::Tensor& t = outputs.at(0).tensor();
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

TEST(Converters, ReduceAxesAttributeBecomesInputAtCanonicalVersion) {
  // ReduceMean-13 is the canonical version, yet the IR takes axes as an input (opset-18 form).
  const auto graph =
      OneNode("ReduceMean", 13).input("x", {2, 3}).output("y").ints("axes", {1}).import();
  const auto& node = only_node(graph, "ReduceMean");
  EXPECT_FALSE(node.has_attr("axes"));
  EXPECT_EQ(constant_input(graph, node, 1), std::vector<int64_t>{1});
  const auto y = run_floats(graph, {{"x", make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_EQ(y, (std::vector<float>{2, 5}));
}

TEST(Converters, ReduceSumOneWithoutAxesReducesEverything) {
  const auto graph = OneNode("ReduceSum", 1).input("x", {2, 2}).output("y").i("keepdims", 0).import();
  const auto& node = only_node(graph, "ReduceSum");
  EXPECT_FALSE(node.has_input(1));
  const auto y = run_floats(graph, {{"x", make_tensor<float>({2, 2}, {1, 2, 3, 4})}});
  EXPECT_EQ(y, std::vector<float>{10});
}

TEST(Converters, SoftmaxElevenCoercesToTwoDimensions) {
  // Softmax-11 with axis=1 normalizes over dims 1 and 2 together, not over dim 1 alone.
  const auto graph = OneNode("Softmax", 11).input("x", {1, 2, 2}).output("y").i("axis", 1).import();
  const auto y = run_floats(graph, {{"x", make_tensor<float>({1, 2, 2}, {0, 1, 2, 3})}});
  const float total = 1 + std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f);
  ASSERT_EQ(y.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], std::exp(float(i)) / total, 1e-6f) << i;
}

TEST(Converters, SoftmaxOneAtLastAxisNeedsNoReshape) {
  const auto graph = OneNode("Softmax", 1).input("x", {2, 3}).output("y").i("axis", 1).import();
  ASSERT_EQ(graph.nodes.size(), 1u);
  EXPECT_EQ(graph.nodes[0].attr<int64_t>("axis"), -1);
}

TEST(Converters, LegacyBroadcastAlignsAtAxis) {
  // Add-6 with broadcast=1, axis=0: B of shape (2) lines up with A's first dimension.
  const auto graph = OneNode("Add", 6)
                         .input("a", {2, 3})
                         .input("b", {2})
                         .output("c")
                         .i("broadcast", 1)
                         .i("axis", 0)
                         .import();
  EXPECT_FALSE(only_node(graph, "Add").has_attr("broadcast"));
  const auto c = run_floats(graph, {{"a", make_tensor<float>({2, 3}, {0, 0, 0, 1, 1, 1})},
                                    {"b", make_tensor<float>({2}, {10, 20})}});
  EXPECT_EQ(c, (std::vector<float>{10, 10, 10, 21, 21, 21}));
}

TEST(Converters, LegacyBroadcastAlignsAtAxisWhenRankIsKnownOnlyAtRunTime) {
  const auto graph = OneNode("Mul", 1)
                         .unranked_input("a")
                         .input("b", {2})
                         .output("c")
                         .i("broadcast", 1)
                         .i("axis", 1)
                         .import();
  const auto c = run_floats(graph, {{"a", make_tensor<float>({1, 2, 2}, {1, 1, 1, 1})},
                                    {"b", make_tensor<float>({2}, {2, 3})}});
  EXPECT_EQ(c, (std::vector<float>{2, 2, 3, 3}));
}

TEST(Converters, ClipSixBoundsBecomeInputsOfTheDataType) {
  const auto graph =
      OneNode("Clip", 6).input("x", {3}).output("y").f("min", -1).f("max", 1).import();
  const auto& node = only_node(graph, "Clip");
  EXPECT_TRUE(node.attributes.empty());
  EXPECT_EQ(graph.initializers.at(node.inputs.at(1)).dtype(), ir::DType::F32);
  const auto y = run_floats(graph, {{"x", make_tensor<float>({3}, {-5, 0.5f, 5})}});
  EXPECT_EQ(y, (std::vector<float>{-1, 0.5f, 1}));
}

TEST(Converters, PadTwoAttributesBecomeInputs) {
  const auto graph = OneNode("Pad", 2)
                         .input("x", {2})
                         .output("y")
                         .ints("pads", {1, 2})
                         .f("value", 7)
                         .import();
  const auto& node = only_node(graph, "Pad");
  EXPECT_EQ(constant_input(graph, node, 1), (std::vector<int64_t>{1, 2}));
  const auto y = run_floats(graph, {{"x", make_tensor<float>({2}, {1, 2})}});
  EXPECT_EQ(y, (std::vector<float>{7, 1, 2, 7, 7}));
}

TEST(Converters, TileOneRepeatsAlongTheAxisInput) {
  const auto graph =
      OneNode("Tile", 1).input("x", {2, 2}).input("tiles", {}).input("axis", {}).output("y").import();
  EXPECT_EQ(only_node(graph, "Tile").inputs.size(), 2u);
  const auto y = run_floats(graph, {{"x", make_tensor<float>({2, 2}, {1, 2, 3, 4})},
                                    {"tiles", ir::Tensor::scalar(2.0f)},
                                    {"axis", ir::Tensor::scalar(1.0f)}});
  EXPECT_EQ(y, (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
}

TEST(Converters, CastOneTypeNameBecomesCode) {
  const auto graph = OneNode("Cast", 1).input("x", {1}).output("y").s("to", "INT64").import();
  EXPECT_EQ(only_node(graph, "Cast").attr<int64_t>("to"), onnx::TensorProto::INT64);
}

TEST(Converters, UpsampleSevenBecomesAsymmetricFloorResize) {
  const auto graph = OneNode("Upsample", 7)
                         .input("x", {1, 3})
                         .output("y")
                         .floats("scales", {1, 2})
                         .s("mode", "nearest")
                         .import();
  const auto& node = only_node(graph, "Resize");
  EXPECT_FALSE(node.has_input(1));
  EXPECT_EQ(node.attr<std::string>("coordinate_transformation_mode"), "asymmetric");
  EXPECT_EQ(node.attr<std::string>("nearest_mode"), "floor");
  const auto y = run_floats(graph, {{"x", make_tensor<float>({1, 3}, {1, 2, 3})}});
  EXPECT_EQ(y, (std::vector<float>{1, 1, 2, 2, 3, 3}));
}

TEST(Converters, VersionBelowTheOldestSupportedIsUnsupported) {
  try {
    // Upsample-1 was experimental (height_scale / width_scale); Zenith starts at Upsample-7.
    OneNode("Upsample", 6).input("x", {1, 1, 2, 2}).output("y").import();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("version 1 of op Upsample (opset 6) is not supported"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("versions 7 and later"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith::onnx_frontend
