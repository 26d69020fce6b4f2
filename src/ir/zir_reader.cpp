// Reading a .zir file: map it, check the prefix, parse and check the header, then make the
// constants and the graph.
#include <array>
#include <cstring>
#include <fstream>

#include "ir/mapped_file.h"
#include "ir/zir.h"
#include "ir/zir_constants.h"
#include "ir/zir_format.h"
#include "ir/zir_graph.h"
#include "ir/zir_json.h"

namespace zenith::ir {
namespace {

using nlohmann::json;

ZirInfo read_info(const zir::JsonField& header, uint32_t format_version) {
  ZirInfo info;
  info.format_version = format_version;
  info.producer = header.member("producer").as_string();
  const zir::JsonField compression = header.member("compression");
  info.compression = compression.as_string();
  if (info.compression != "none" && info.compression != "fp16")
    compression.fail("unknown compression '{}' (expected none or fp16)", info.compression);
  info.passes = header.member("passes").as_strings();
  for (const auto& [key, value] : header.member("metadata").members())
    info.metadata[key] = value.as_string();
  return info;
}

// The file's header, parsed: after the prefix, checked by decode_prefix.
json parse_header(std::span<const std::byte> file, const zir::Prefix& prefix,
                  std::string_view name) {
  const auto text = file.subspan(zir::kPrefixBytes, prefix.header_length);
  try {
    const auto* begin = reinterpret_cast<const char*>(text.data());
    return json::parse(begin, begin + text.size());
  } catch (const json::exception& e) {
    throw_invalid_model("{}: header: not valid JSON: {}", name, e.what());
  }
}

}  // namespace

ZirInfo read_zir_info(const std::filesystem::path& path) {
  const MappedFile mapped = map_file(path);
  const std::string name = path.string();
  const zir::Prefix prefix = zir::decode_prefix(mapped.bytes, name);
  const json header = parse_header(mapped.bytes, prefix, name);
  return read_info(zir::JsonField(header, "header", name), prefix.format_version);
}

Graph parse_zir(std::span<const std::byte> file, std::string_view name,
                std::shared_ptr<const void> owner, ZirInfo* info) {
  if (reinterpret_cast<uintptr_t>(file.data()) % zir::kAlignment != 0)
    throw_invalid_argument("{}: parse_zir needs the file's bytes at a {}-byte aligned address",
                           name, zir::kAlignment);
  const zir::Prefix prefix = zir::decode_prefix(file, name);
  const json header = parse_header(file, prefix, name);
  const zir::JsonField root(header, "header", name);
  ZirInfo parsed = read_info(root, prefix.format_version);
  const std::vector<Tensor> constants = zir::decode_constants(
      root.member("constants"), file.subspan(prefix.blob_offset, prefix.blob_length), owner, name);
  Graph graph = zir::decode_graph(root.member("graph"), constants);
  graph.source = std::string(name);
  if (info) *info = std::move(parsed);
  return graph;
}

Graph read_zir(const std::filesystem::path& path, ZirInfo* info) {
  const MappedFile mapped = map_file(path);
  return parse_zir(mapped.bytes, path.string(), mapped.owner, info);
}

bool has_zir_magic(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, zir::kMagic.size()> head{};
  in.read(head.data(), head.size());
  return in && std::memcmp(head.data(), zir::kMagic.data(), head.size()) == 0;
}

}  // namespace zenith::ir
