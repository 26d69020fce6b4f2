// Writing a graph as a .zir file: the JSON header with its constant table, then the blob.
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>

#include "ir/xxhash64.h"
#include "ir/zir.h"
#include "ir/zir_format.h"
#include "ir/zir_json.h"

namespace zenith::ir {
namespace {

using nlohmann::json;

// A constant on its way into the blob.
struct BlobEntry {
  std::string name;
  const Tensor* tensor;
  DType stored;
  std::vector<std::byte> encoded;  // the stored bytes, when they are not the tensor's own
  uint64_t offset = 0;

  std::span<const std::byte> bytes() const {
    if (tensor->dtype() == DType::String || stored != tensor->dtype()) return encoded;
    return {tensor->raw(), tensor->size_bytes()};
  }
};

// Each element's length as a little-endian u64, then all the bytes (docs/ZIR.md).
std::vector<std::byte> encode_strings(const Tensor& t) {
  const std::string* items = t.data<std::string>();
  std::vector<std::byte> out(static_cast<size_t>(t.numel()) * sizeof(uint64_t));
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint64_t length = items[i].size();
    std::memcpy(out.data() + i * sizeof length, &length, sizeof length);
  }
  for (int64_t i = 0; i < t.numel(); ++i) {
    const auto* p = reinterpret_cast<const std::byte*>(items[i].data());
    out.insert(out.end(), p, p + items[i].size());
  }
  return out;
}

// The f16 bits of an f32 tensor, or nothing when a finite value would overflow to infinity.
std::vector<std::byte> encode_fp16(const Tensor& t) {
  std::vector<std::byte> out(static_cast<size_t>(t.numel()) * sizeof(Float16));
  const float* src = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const Float16 h(src[i]);
    if (std::isfinite(src[i]) && !std::isfinite(static_cast<float>(h))) return {};
    std::memcpy(out.data() + i * sizeof h, &h.bits, sizeof h.bits);
  }
  return out;
}

class Encoder {
 public:
  explicit Encoder(const ZirOptions& options) : options_(options) {}

  json graph(const Graph& g) {
    json out = json::object();
    out["name"] = g.name;
    out["opsets"] = g.opsets;
    out["inputs"] = value_infos(g.inputs);
    out["outputs"] = value_infos(g.outputs);
    out["value_types"] = json::object();
    for (const auto& [name, t] : g.value_types) out["value_types"][name] = type(t);
    out["initializers"] = json::object();
    for (const auto& [name, t] : g.initializers) out["initializers"][name] = add_constant(t, name);
    out["nodes"] = json::array();
    for (const Node& n : g.nodes) out["nodes"].push_back(node(n));
    return out;
  }

  // Lays the constants out in the blob; returns the table and the blob's length.
  std::pair<json, uint64_t> constant_table() {
    json table = json::array();
    uint64_t end = 0;
    for (BlobEntry& e : entries_) {
      e.offset = zir::align_up(end);
      end = e.offset + e.bytes().size();
      table.push_back({{"name", e.name},
                       {"dtype", dtype_name(e.tensor->dtype())},
                       {"stored_dtype", dtype_name(e.stored)},
                       {"dims", e.tensor->dims()},
                       {"offset", e.offset},
                       {"length", e.bytes().size()},
                       {"checksum", fmt::format("{:016x}", xxhash64(e.bytes()))}});
    }
    return {table, end};
  }

  const std::vector<BlobEntry>& entries() const { return entries_; }
  ZirSummary summary() const {
    ZirSummary s = summary_;
    s.constants = entries_.size();
    return s;
  }

 private:
  json value_infos(const std::vector<ValueInfo>& values) {
    json out = json::array();
    for (const ValueInfo& v : values) out.push_back({{"name", v.name}, {"type", type(v.type)}});
    return out;
  }

  json type(const TypeInfo& t) {
    if (t.kind != TypeInfo::Kind::Tensor)
      return {{"kind", t.kind == TypeInfo::Kind::Sequence ? "sequence" : "optional"},
              {"elem", t.elem ? type(*t.elem) : json(nullptr)}};
    json shape = nullptr;
    if (t.shape) {
      shape = json::array();
      for (const Dim& d : *t.shape)
        shape.push_back(d.is_known()       ? json(d.value)
                        : d.symbol.empty() ? json(nullptr)
                                           : json(d.symbol));
    }
    return {{"kind", "tensor"}, {"dtype", dtype_name(t.dtype)}, {"shape", shape}};
  }

  json node(const Node& n) {
    json attributes = json::object();
    for (const auto& [key, value] : n.attributes)
      attributes[key] = {{"type", attribute_kind_name(value)},
                         {"value", attribute(value, n.name + ":" + key)}};
    return {{"name", n.name},     {"op_type", n.op_type}, {"domain", n.domain},
            {"inputs", n.inputs}, {"outputs", n.outputs}, {"attributes", attributes}};
  }

  json attribute(const Attribute& value, const std::string& where) {
    return std::visit(
        [&](const auto& v) -> json {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, float>) {
            return zir::float_to_json(v);
          } else if constexpr (std::is_same_v<T, std::vector<float>>) {
            json out = json::array();
            for (float f : v) out.push_back(zir::float_to_json(f));
            return out;
          } else if constexpr (std::is_same_v<T, Tensor>) {
            return add_constant(v, where);
          } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
            json out = json::array();
            for (size_t i = 0; i < v.size(); ++i)
              out.push_back(add_constant(v[i], fmt::format("{}[{}]", where, i)));
            return out;
          } else if constexpr (std::is_same_v<T, GraphPtr>) {
            return graph(*v);
          } else if constexpr (std::is_same_v<T, std::vector<GraphPtr>>) {
            json out = json::array();
            for (const GraphPtr& g : v) out.push_back(graph(*g));
            return out;
          } else {
            return v;
          }
        },
        value);
  }

  size_t add_constant(const Tensor& t, const std::string& name) {
    if (!t.defined()) throw_invalid_argument("constant '{}' is an undefined tensor", name);
    BlobEntry e{name, &t, t.dtype(), {}};
    if (t.dtype() == DType::String) {
      e.encoded = encode_strings(t);
    } else if (options_.compress_fp16 && fp16_candidate(t)) {
      if (!options_.keep_f32.count(name)) e.encoded = encode_fp16(t);
      if (!e.encoded.empty()) e.stored = DType::F16;
      ++(e.encoded.empty() ? summary_.kept_f32 : summary_.compressed);
    }
    entries_.push_back(std::move(e));
    return entries_.size() - 1;
  }

  const ZirOptions& options_;
  std::vector<BlobEntry> entries_;
  ZirSummary summary_;
};

void write_file(const std::filesystem::path& path,
                const std::array<std::byte, zir::kPrefixBytes>& prefix, const std::string& header,
                const std::vector<BlobEntry>& entries) {
  const auto fail = [&]() {
    throw_invalid_argument("{}: cannot write the file: {}", path.string(), std::strerror(errno));
  };
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail();
  static constexpr std::array<char, zir::kAlignment> kZeros{};
  const auto pad_to = [&](uint64_t offset) {
    const uint64_t at = static_cast<uint64_t>(out.tellp());
    out.write(kZeros.data(), static_cast<std::streamsize>(offset - at));
  };
  out.write(reinterpret_cast<const char*>(prefix.data()), prefix.size());
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  const uint64_t blob_offset = zir::align_up(zir::kPrefixBytes + header.size());
  pad_to(blob_offset);
  for (const BlobEntry& e : entries) {
    pad_to(blob_offset + e.offset);
    out.write(reinterpret_cast<const char*>(e.bytes().data()),
              static_cast<std::streamsize>(e.bytes().size()));
  }
  out.close();
  if (!out) fail();
}

}  // namespace

bool fp16_candidate(const Tensor& tensor) {
  return tensor.dtype() == DType::F32 && tensor.numel() >= kZirMinCompressedElements;
}

ZirSummary write_zir(const Graph& graph, const std::filesystem::path& path,
                     const ZirOptions& options) {
  const std::string producer = "zenith " ZENITH_VERSION;
  Encoder encoder(options);
  json header = json::object();
  std::string text;
  uint64_t blob_length = 0;
  try {
    header["producer"] = producer;
    header["compression"] = options.compress_fp16 ? "fp16" : "none";
    header["passes"] = options.passes;
    header["metadata"] = options.metadata;
    header["graph"] = encoder.graph(graph);
    std::tie(header["constants"], blob_length) = encoder.constant_table();
    text = header.dump();
  } catch (const json::exception& e) {
    // dump() refuses strings that are not UTF-8, which JSON cannot hold.
    throw_invalid_argument("{}: the graph cannot be written as .zir: {}", path.string(), e.what());
  } catch (const Error& e) {
    rethrow_with_context(e, path.string() + ": ");
  }

  if (text.size() > zir::kMaxHeaderBytes)
    throw_invalid_argument(
        "{}: the graph needs a .zir header of {} bytes, more than the {} MiB "
        "readers accept",
        path.string(), text.size(), zir::kMaxHeaderBytes >> 20);
  zir::Prefix prefix;
  prefix.format_version = kZirFormatVersion;
  prefix.producer = producer;
  prefix.header_length = text.size();
  prefix.header_checksum = xxhash64(std::as_bytes(std::span(text)));
  prefix.blob_offset = zir::align_up(zir::kPrefixBytes + text.size());
  prefix.blob_length = blob_length;

  std::filesystem::path temporary = path;
  temporary += ".tmp";
  std::error_code ec;
  try {
    write_file(temporary, zir::encode_prefix(prefix), text, encoder.entries());
    std::filesystem::rename(temporary, path, ec);
  } catch (...) {
    std::filesystem::remove(temporary, ec);
    throw;
  }
  if (ec) {
    const std::string reason = ec.message();
    std::filesystem::remove(temporary, ec);
    throw_invalid_argument("{}: cannot replace the file: {}", path.string(), reason);
  }
  ZirSummary summary = encoder.summary();
  summary.file_bytes = prefix.blob_offset + blob_length;
  return summary;
}

}  // namespace zenith::ir
