// Helpers that the .zir tests and the fuzz target share: a graph with every kind of content,
// exact-size aligned copies of file bytes, header checksum repair, and reading every constant.
#pragma once

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <vector>

#include "ir/graph.h"
#include "ir/xxhash64.h"
#include "ir/zir.h"
#include "ir/zir_format.h"

namespace zenith::testing {

// A tensor whose elements differ: numbers i+1 (scaled for floats), alternating bools, and
// strings that include empty and non-ASCII ones.
inline ir::Tensor distinct_tensor(ir::DType dtype, ir::Dims dims) {
  ir::Tensor t(dtype, std::move(dims));
  ir::visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, std::string>)
        data[i] = i % 3 == 0 ? "" : "s\xc3\xa9" + std::to_string(i);
      else if constexpr (std::is_same_v<T, bool>)
        data[i] = i % 2 == 1;
      else if constexpr (std::is_integral_v<T>)
        data[i] = static_cast<T>(i + 1);
      else
        data[i] = T(static_cast<float>(i + 1) * 0.37f);
    }
  });
  return t;
}

inline const std::vector<ir::DType>& all_dtypes() {
  using ir::DType;
  static const std::vector<DType> dtypes = {
      DType::F32, DType::F64, DType::F16, DType::BF16, DType::I8,  DType::U8,   DType::I16,
      DType::U16, DType::I32, DType::U32, DType::I64,  DType::U64, DType::Bool, DType::String};
  return dtypes;
}

// A graph with every attribute kind (subgraphs nested two deep), a constant of every dtype,
// symbolic, unknown and unranked shapes, and sequence and optional types. The f32 weight "w"
// has `weight_elements` elements; "too_big_for_f16" holds values that overflow f16.
inline ir::Graph sample_graph(int64_t weight_elements = 2048) {
  using namespace ir;
  auto inner = std::make_shared<Graph>();
  inner->name = "inner";
  inner->outputs = {{"z", TypeInfo{}}};
  inner->nodes.push_back({"id", "Identity", "", {"i"}, {"z"}, {}});

  auto body = std::make_shared<Graph>();
  body->name = "body";
  body->inputs = {{"i", TypeInfo::tensor(DType::I64, Shape{})},
                  {"cond", TypeInfo::tensor(DType::Bool, Shape{})}};
  body->outputs = {{"cond_out", TypeInfo::tensor(DType::Bool, Shape{})}};
  body->initializers["body_c"] = distinct_tensor(DType::I32, {3});
  body->nodes.push_back({"if",
                         "If",
                         "",
                         {"cond"},
                         {"cond_out"},
                         {{"then_branch", GraphPtr(inner)}, {"else_branch", GraphPtr(inner)}}});

  const auto elem = [](TypeInfo::Kind kind, std::shared_ptr<const TypeInfo> of) {
    TypeInfo t;
    t.kind = kind;
    t.elem = std::move(of);
    return t;
  };
  const auto seq = TypeInfo::Kind::Sequence;
  const auto opt = TypeInfo::Kind::Optional;

  Graph g;
  g.name = "sample";
  g.opsets = {{"", 17}, {"ai.onnx.ml", 3}};
  g.inputs = {
      {"x", TypeInfo::tensor(DType::F32, Shape{Dim::named("batch"), 3, Dim{}, 224})},
      {"seq",
       elem(seq, std::make_shared<TypeInfo>(TypeInfo::tensor(DType::I64, Shape{Dim::named("n")})))},
      {"opt", elem(opt, std::make_shared<TypeInfo>(TypeInfo::tensor(DType::F32, Shape{2})))},
      {"untyped", TypeInfo{}}};
  g.outputs = {{"y", TypeInfo::tensor(DType::F32, Shape{Dim::named("batch"), 1000})},
               {"none", elem(opt, nullptr)}};
  g.value_types["unranked"] = TypeInfo::tensor(DType::F16);
  g.value_types["scalar"] = TypeInfo::tensor(DType::I64, Shape{});
  g.value_types["nested"] =
      elem(seq, std::make_shared<TypeInfo>(elem(
                    seq, std::make_shared<TypeInfo>(TypeInfo::tensor(DType::BF16, Shape{2})))));
  for (DType dtype : all_dtypes())
    g.initializers["c_" + std::string(dtype_name(dtype))] = distinct_tensor(dtype, {2, 3});
  Tensor w(DType::F32, {weight_elements});
  for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = std::sin(0.1f * i) * 3.0f;
  g.initializers["w"] = w;
  Tensor too_big(DType::F32, {ir::kZirMinCompressedElements});
  for (int64_t i = 0; i < too_big.numel(); ++i) too_big.data<float>()[i] = 1e6f + i;
  g.initializers["too_big_for_f16"] = too_big;
  g.initializers["empty"] = Tensor(DType::F32, {0, 5});
  g.initializers["scalar"] = Tensor::scalar<int64_t>(-7);

  const float inf = std::numeric_limits<float>::infinity();
  Node all{"all", "Custom", "zenith.test", {"x", "", "w"}, {"y", ""}, {}};
  all.attributes = {{"int", std::numeric_limits<int64_t>::min()},
                    {"float", -0.0f},
                    {"nan", std::numeric_limits<float>::quiet_NaN()},
                    {"string", std::string("h\xc3\xa9llo \"world\"\n")},
                    {"tensor", distinct_tensor(DType::String, {2})},
                    {"graph", GraphPtr(body)},
                    {"ints", std::vector<int64_t>{-1, 0, std::numeric_limits<int64_t>::max()}},
                    {"floats", std::vector<float>{0.1f, -inf, inf, 1e-45f, 3.4e38f}},
                    {"strings", std::vector<std::string>{"", "a", "\xc3\xbc"}},
                    {"tensors", std::vector<Tensor>{distinct_tensor(DType::U8, {4}),
                                                    distinct_tensor(DType::F16, {2, 2}),
                                                    Tensor(DType::F32, {0})}},
                    {"graphs", std::vector<GraphPtr>{body, inner}},
                    {"empty_ints", std::vector<int64_t>{}}};
  g.nodes.push_back(std::move(all));
  g.nodes.push_back({"relu", "Relu", "", {"y"}, {"r"}, {}});
  return g;
}

// Bytes at a 64-byte aligned address with nothing after them, so AddressSanitizer reports a
// read one byte past the end.
struct AlignedBytes {
  std::shared_ptr<std::byte> data;
  size_t size = 0;
  std::span<std::byte> span() const { return {data.get(), size}; }
};

inline AlignedBytes aligned_copy(std::span<const std::byte> bytes) {
  constexpr std::align_val_t kAlign{ir::zir::kAlignment};
  AlignedBytes out;
  out.data.reset(new (kAlign) std::byte[bytes.size()],
                 [](std::byte* p) { ::operator delete[](p, kAlign); });
  out.size = bytes.size();
  if (!bytes.empty()) std::memcpy(out.data.get(), bytes.data(), bytes.size());
  return out;
}

inline ir::Graph parse(const AlignedBytes& bytes, ir::ZirInfo* info = nullptr) {
  return ir::parse_zir(bytes.span(), "test.zir", bytes.data, info);
}

// Makes the prefix's header checksum match the header, when the header length fits the file,
// so that a mutated header gets past the checksum to the JSON checks.
inline void fix_header_checksum(std::span<std::byte> file) {
  constexpr size_t kLengthAt = 32, kChecksumAt = 40;
  if (file.size() < ir::zir::kPrefixBytes) return;
  uint64_t length;
  std::memcpy(&length, file.data() + kLengthAt, sizeof length);
  if (length > file.size() - ir::zir::kPrefixBytes) return;
  const uint64_t checksum = ir::xxhash64(file.subspan(ir::zir::kPrefixBytes, length));
  std::memcpy(file.data() + kChecksumAt, &checksum, sizeof checksum);
}

// Reads every byte of every constant in `graph` and its subgraphs.
inline uint64_t read_every_constant(const ir::Graph& graph) {
  uint64_t sum = 0;
  const auto tensor = [&](const ir::Tensor& t) {
    if (t.dtype() == ir::DType::String) {
      for (int64_t i = 0; i < t.numel(); ++i) sum += t.data<std::string>()[i].size();
    } else {
      for (size_t i = 0; i < t.size_bytes(); ++i) sum += std::to_integer<uint64_t>(t.raw()[i]);
    }
  };
  for (const auto& [name, t] : graph.initializers) tensor(t);
  for (const ir::Node& node : graph.nodes)
    for (const auto& [key, value] : node.attributes) {
      if (const auto* t = std::get_if<ir::Tensor>(&value)) tensor(*t);
      if (const auto* ts = std::get_if<std::vector<ir::Tensor>>(&value))
        for (const ir::Tensor& t : *ts) tensor(t);
      if (const auto* g = std::get_if<ir::GraphPtr>(&value)) sum += read_every_constant(**g);
      if (const auto* gs = std::get_if<std::vector<ir::GraphPtr>>(&value))
        for (const ir::GraphPtr& g : *gs) sum += read_every_constant(*g);
    }
  return sum;
}

inline std::vector<std::byte> read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

}  // namespace zenith::testing
