// .zir round trips: every attribute kind, dtype and type comes back bitwise; constants are views
// into the mapping; FP16 compression; writing over a mapped file; loading by magic.
#include "ir/zir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ir/zir_test_util.h"
#include "runtime/session.h"
#include "testing/expect_error.h"
#include "testing/temp_dir.h"

namespace zenith::ir {
namespace {

namespace fs = std::filesystem;
using testing::sample_graph;

void expect_same_graph(const Graph& a, const Graph& b, const std::string& where);

void expect_same_tensor(const Tensor& a, const Tensor& b, const std::string& where) {
  ASSERT_EQ(a.dtype(), b.dtype()) << where;
  ASSERT_EQ(a.dims(), b.dims()) << where;
  if (a.dtype() == DType::String) {
    for (int64_t i = 0; i < a.numel(); ++i)
      EXPECT_EQ(a.data<std::string>()[i], b.data<std::string>()[i]) << where << "[" << i << "]";
  } else if (a.size_bytes() > 0) {
    EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.size_bytes()), 0) << where;
  }
}

void expect_same_type(const TypeInfo& a, const TypeInfo& b, const std::string& where) {
  ASSERT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.dtype, b.dtype) << where;
  EXPECT_EQ(a.shape, b.shape) << where << ": " << to_string(a) << " vs " << to_string(b);
  ASSERT_EQ(a.elem == nullptr, b.elem == nullptr) << where;
  if (a.elem) expect_same_type(*a.elem, *b.elem, where + ".elem");
}

void expect_same_attribute(const Attribute& a, const Attribute& b, const std::string& where) {
  ASSERT_EQ(a.index(), b.index()) << where;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, std::vector<float>>) {
          const auto bits = [](const auto& v) {
            std::ostringstream out;
            if constexpr (std::is_same_v<T, float>) {
              out << std::bit_cast<uint32_t>(v);
            } else {
              for (float f : v) out << std::bit_cast<uint32_t>(f) << ",";
            }
            return out.str();
          };
          EXPECT_EQ(bits(x), bits(y)) << where;
        } else if constexpr (std::is_same_v<T, Tensor>) {
          expect_same_tensor(x, y, where);
        } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
          ASSERT_EQ(x.size(), y.size()) << where;
          for (size_t i = 0; i < x.size(); ++i) expect_same_tensor(x[i], y[i], where);
        } else if constexpr (std::is_same_v<T, GraphPtr>) {
          expect_same_graph(*x, *y, where);
        } else if constexpr (std::is_same_v<T, std::vector<GraphPtr>>) {
          ASSERT_EQ(x.size(), y.size()) << where;
          for (size_t i = 0; i < x.size(); ++i) expect_same_graph(*x[i], *y[i], where);
        } else {
          EXPECT_EQ(x, y) << where;
        }
      },
      a);
}

void expect_same_values(const std::vector<ValueInfo>& a, const std::vector<ValueInfo>& b,
                        const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name) << where;
    expect_same_type(a[i].type, b[i].type, where + "." + a[i].name);
  }
}

void expect_same_graph(const Graph& a, const Graph& b, const std::string& where) {
  EXPECT_EQ(a.name, b.name) << where;
  EXPECT_EQ(a.opsets, b.opsets) << where;
  expect_same_values(a.inputs, b.inputs, where + " inputs");
  expect_same_values(a.outputs, b.outputs, where + " outputs");
  ASSERT_EQ(a.value_types.size(), b.value_types.size()) << where;
  for (const auto& [name, type] : a.value_types)
    expect_same_type(type, b.value_types.at(name), name);
  ASSERT_EQ(a.initializers.size(), b.initializers.size()) << where;
  for (const auto& [name, t] : a.initializers) expect_same_tensor(t, b.initializers.at(name), name);
  ASSERT_EQ(a.nodes.size(), b.nodes.size()) << where;
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node& x = a.nodes[i];
    const Node& y = b.nodes[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.op_type, y.op_type) << x.name;
    EXPECT_EQ(x.domain, y.domain) << x.name;
    EXPECT_EQ(x.inputs, y.inputs) << x.name;
    EXPECT_EQ(x.outputs, y.outputs) << x.name;
    ASSERT_EQ(x.attributes.size(), y.attributes.size()) << x.name;
    for (const auto& [key, value] : x.attributes)
      expect_same_attribute(value, y.attributes.at(key), where + "/" + x.name + ":" + key);
  }
}

// The address ranges of this process's mappings of `file`, from /proc/self/maps.
std::vector<std::pair<uintptr_t, uintptr_t>> mappings_of(const fs::path& file) {
  const std::string target = fs::canonical(file).string();
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.size() < target.size() ||
        line.compare(line.size() - target.size(), target.size(), target) != 0)
      continue;
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &begin, &end) == 2) ranges.emplace_back(begin, end);
  }
  return ranges;
}

class ZirTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"zir"};
};

using ZirRoundTrip = ZirTest;

TEST_F(ZirRoundTrip, EveryAttributeKindDtypeAndTypeComesBackBitwise) {
  const Graph graph = sample_graph();
  ZirOptions options;
  options.passes = {"identity_elimination", "constant_folding"};
  options.metadata = {{"source", "sample.onnx"}, {"note", "\xc3\xa9t\xc3\xa9"}};
  write_zir(graph, dir_ / "sample.zir", options);
  ZirInfo info;
  const Graph back = read_zir(dir_ / "sample.zir", &info);
  expect_same_graph(graph, back, "graph");
  EXPECT_EQ(back.source, (dir_ / "sample.zir").string());
  EXPECT_EQ(info.format_version, kZirFormatVersion);
  EXPECT_EQ(info.producer.rfind("zenith ", 0), 0u) << info.producer;
  EXPECT_EQ(info.compression, "none");
  EXPECT_EQ(info.passes, options.passes);
  EXPECT_EQ(info.metadata, options.metadata);
}

TEST_F(ZirRoundTrip, AnEmptyGraph) {
  write_zir(Graph{}, dir_ / "empty.zir");
  expect_same_graph(Graph{}, read_zir(dir_ / "empty.zir"), "graph");
}

TEST_F(ZirRoundTrip, ConstantsAreViewsIntoTheMappingUntilTheLastOneDies) {
  const fs::path file = dir_ / "sample.zir";
  write_zir(sample_graph(), file);
  Tensor kept;
  {
    const Graph back = read_zir(file);
    const auto ranges = mappings_of(file);
    ASSERT_EQ(ranges.size(), 1u);
    const auto [begin, end] = ranges[0];
    EXPECT_EQ(end - begin, (fs::file_size(file) + 4095) / 4096 * 4096);
    for (const auto& [name, t] : back.initializers) {
      const auto p = reinterpret_cast<uintptr_t>(t.raw());
      if (t.dtype() == DType::String) {
        EXPECT_FALSE(p >= begin && p < end) << name << " (strings are decoded)";
      } else {
        EXPECT_TRUE(p >= begin && p + t.size_bytes() <= end) << name;
        EXPECT_EQ(p % kTensorAlignment, 0u) << name;
      }
    }
    kept = back.initializers.at("w");
  }
  EXPECT_EQ(mappings_of(file).size(), 1u) << "a live view keeps the file mapped";
  kept = Tensor();
  EXPECT_TRUE(mappings_of(file).empty()) << "the last view unmaps the file";
}

TEST_F(ZirRoundTrip, Fp16CompressionRoundsBigF32ConstantsOnly) {
  const Graph graph = sample_graph();
  write_zir(graph, dir_ / "f32.zir");
  ZirOptions options;
  options.compress_fp16 = true;
  write_zir(graph, dir_ / "f16.zir", options);
  ZirInfo info;
  const Graph back = read_zir(dir_ / "f16.zir", &info);
  EXPECT_EQ(info.compression, "fp16");
  const Tensor& w = back.initializers.at("w");
  ASSERT_EQ(w.dtype(), DType::F32);
  const Tensor& original = graph.initializers.at("w");
  for (int64_t i = 0; i < w.numel(); ++i) {
    const float expected = static_cast<float>(Float16(original.data<float>()[i]));
    ASSERT_EQ(w.data<float>()[i], expected) << i;  // exactly the f16 rounding
    ASSERT_LE(std::abs(expected - original.data<float>()[i]), 3.0f / 2048) << i;
  }
  for (const auto& [begin, end] : mappings_of(dir_ / "f16.zir"))
    EXPECT_FALSE(reinterpret_cast<uintptr_t>(w.raw()) >= begin &&
                 reinterpret_cast<uintptr_t>(w.raw()) < end)
        << "widened constants are copies";
  // Small, overflowing and non-f32 constants are stored as they are.
  for (const std::string name : {"c_f32", "too_big_for_f16", "c_f64", "c_f16", "empty"})
    expect_same_tensor(graph.initializers.at(name), back.initializers.at(name), name);
  EXPECT_LT(fs::file_size(dir_ / "f16.zir"), fs::file_size(dir_ / "f32.zir") - 2048 * 2 + 64);
}

TEST_F(ZirRoundTrip, RewritingAMappedFileLeavesTheOldViewsIntact) {
  const fs::path file = dir_ / "model.zir";
  write_zir(sample_graph(), file);
  const Graph old = read_zir(file);
  Graph changed = sample_graph();
  changed.initializers["w"] = Tensor(DType::F32, {2048});
  write_zir(changed, file);
  const Graph fresh = read_zir(file);
  EXPECT_EQ(old.initializers.at("w").data<float>()[1],
            sample_graph().initializers.at("w").data<float>()[1]);
  EXPECT_EQ(fresh.initializers.at("w").data<float>()[1], 0.0f);
  EXPECT_FALSE(fs::exists(dir_ / "model.zir.tmp"));
}

using ZirWriter = ZirTest;

TEST_F(ZirWriter, RefusesWhatTheFormatCannotHold) {
  Graph graph;
  graph.initializers["undefined"] = Tensor();
  testing::expect_error([&] { write_zir(graph, dir_ / "a.zir"); }, Error::Kind::InvalidArgument,
                        "a.zir: constant 'undefined' is an undefined tensor");
  Graph bad_name;
  bad_name.nodes.push_back({"\xff\xfe", "Relu", "", {}, {}, {}});
  testing::expect_error([&] { write_zir(bad_name, dir_ / "b.zir"); }, Error::Kind::InvalidArgument,
                        "b.zir: the graph cannot be written as .zir");
  EXPECT_FALSE(fs::exists(dir_ / "a.zir"));
  EXPECT_FALSE(fs::exists(dir_ / "b.zir.tmp"));
  testing::expect_error([&] { write_zir(Graph{}, dir_ / "no/such/dir.zir"); },
                        Error::Kind::InvalidArgument, "cannot write the file");
}

using ZirLoadGraph = ZirTest;

TEST_F(ZirLoadGraph, ChoosesTheReaderByMagic) {
  write_zir(sample_graph(), dir_ / "model.bin");
  EXPECT_EQ(runtime::load_graph(dir_ / "model.bin").name, "sample");
  std::ofstream(dir_ / "fake.zir") << "not a zir";
  std::ofstream(dir_ / "model.txt") << "not a zir";
  const auto expect_error = [](const fs::path& path, Error::Kind kind, const std::string& text) {
    testing::expect_error([&] { runtime::load_graph(path); }, kind, text);
  };
  expect_error(dir_ / "fake.zir", Error::Kind::InvalidModel, "fake.zir: not a .zir file");
  expect_error(dir_ / "model.txt", Error::Kind::InvalidArgument,
               "expected an .onnx or a .zir file");
  expect_error(dir_ / "missing.zir", Error::Kind::InvalidArgument,
               "missing.zir: no such model file");
  std::ofstream(dir_ / "empty.zir").flush();
  expect_error(dir_ / "empty.zir", Error::Kind::InvalidModel, "empty.zir: not a .zir file");
}

}  // namespace
}  // namespace zenith::ir
