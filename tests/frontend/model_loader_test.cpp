// Loading models: external data, and malformed or unsupported files as clear errors.
#include "frontend/onnx/model_loader.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>

namespace zenith::onnx_frontend {
namespace {

namespace fs = std::filesystem;

class ModelLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zenith_loader_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // y = x + w, with w an f32[4] initializer.
  static onnx::ModelProto add_model(const std::string& op = "Add", int64_t opset = 13) {
    onnx::ModelProto model;
    model.set_ir_version(8);
    auto* opset_import = model.add_opset_import();
    opset_import->set_domain("");
    opset_import->set_version(opset);
    auto* graph = model.mutable_graph();
    graph->set_name("g");
    for (const char* name : {"x", "y"}) {
      auto* v = name[0] == 'x' ? graph->add_input() : graph->add_output();
      v->set_name(name);
      auto* t = v->mutable_type()->mutable_tensor_type();
      t->set_elem_type(onnx::TensorProto::FLOAT);
      t->mutable_shape()->add_dim()->set_dim_value(4);
    }
    auto* w = graph->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(4);
    for (float f : {1.0f, 2.0f, 3.0f, 4.0f}) w->add_float_data(f);
    auto* node = graph->add_node();
    node->set_op_type(op);
    node->set_name("add0");
    node->add_input("x");
    node->add_input("w");
    node->add_output("y");
    return model;
  }

  fs::path write(const onnx::ModelProto& model, const std::string& name = "model.onnx") {
    const fs::path path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
    return path;
  }

  static void expect_error(const fs::path& path, Error::Kind kind, const std::string& substring) {
    try {
      load_model(path);
      FAIL() << "expected an error containing: " << substring;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos) << e.what();
    }
  }

  fs::path dir_;
};

TEST_F(ModelLoader, ImportsInitializersAndTypes) {
  const ir::Graph g = load_model(write(add_model()));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, "Add");
  EXPECT_EQ(g.initializers.at("w").data<float>()[3], 4.0f);
  EXPECT_EQ(ir::to_string(*g.inputs[0].type.shape), "[4]");
}

TEST_F(ModelLoader, ReadsExternalData) {
  onnx::ModelProto model = add_model();
  auto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  for (auto [key, value] : {std::pair{"location", "weights.bin"}, {"offset", "4"}, {"length", "16"}}) {
    auto* entry = w->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  }
  const float data[5] = {0.0f, 5.0f, 6.0f, 7.0f, 8.0f};
  std::ofstream(dir_ / "weights.bin", std::ios::binary).write(reinterpret_cast<const char*>(data), sizeof data);
  const ir::Graph g = load_model(write(model));
  EXPECT_EQ(g.initializers.at("w").data<float>()[0], 5.0f);
  EXPECT_EQ(g.initializers.at("w").data<float>()[3], 8.0f);
}

TEST_F(ModelLoader, ExternalDataPastTheEndOfItsFileIsAnError) {
  onnx::ModelProto model = add_model();
  auto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value("short.bin");
  std::ofstream(dir_ / "short.bin", std::ios::binary) << "abc";
  expect_error(write(model), Error::Kind::InvalidModel, "initializer 'w'");
}

TEST_F(ModelLoader, TruncatedFileIsInvalidModel) {
  const fs::path full = write(add_model());
  std::string bytes;
  {
    std::ifstream in(full, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const fs::path cut = dir_ / "cut.onnx";
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  expect_error(cut, Error::Kind::InvalidModel, "cut.onnx");
}

TEST_F(ModelLoader, GarbageFileIsInvalidModel) {
  const fs::path path = dir_ / "garbage.onnx";
  std::ofstream(path, std::ios::binary) << "\xff\xff\xff\xff this is not a model";
  expect_error(path, Error::Kind::InvalidModel, "garbage.onnx");
}

TEST_F(ModelLoader, MissingFileIsInvalidArgument) {
  expect_error(dir_ / "absent.onnx", Error::Kind::InvalidArgument, "no such model file");
}

TEST_F(ModelLoader, UnknownOpNamesNodeAndOp) {
  expect_error(write(add_model("Frobnicate")), Error::Kind::InvalidModel, "Frobnicate");
}

TEST_F(ModelLoader, AbsurdInitializerDimensionIsAnErrorNotAnAllocation) {
  onnx::ModelProto model = add_model();
  auto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_dims();
  w->add_dims(int64_t{1} << 20);
  w->add_dims(int64_t{1} << 20);
  expect_error(write(model), Error::Kind::InvalidModel, "initializer 'w'");
}

}  // namespace
}  // namespace zenith::onnx_frontend
