// Malformed .zir files: truncations, random byte flips and hostile headers are each an error
// with a precise message, never a crash or a read outside the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>

#include "ir/zir_test_util.h"
#include "testing/expect_error.h"

namespace zenith::ir {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::aligned_copy;

// A valid file of a few KiB: the sample graph with small constants, but a weight big enough to
// be compressed when the options ask for it.
std::vector<std::byte> valid_file(const ZirOptions& options = {}) {
  const fs::path path =
      fs::temp_directory_path() / ("zenith_zir_corruption_" + std::to_string(::getpid()) + ".zir");
  write_zir(testing::sample_graph(options.compress_fp16 ? kZirMinCompressedElements : 256), path,
            options);
  std::vector<std::byte> bytes = testing::read_file_bytes(path);
  fs::remove(path);
  return bytes;
}

struct Parts {
  std::string header;
  std::vector<std::byte> blob;
};

Parts split(std::span<const std::byte> file) {
  const zir::Prefix prefix = zir::decode_prefix(file, "valid.zir");
  const auto* text = reinterpret_cast<const char*>(file.data() + zir::kPrefixBytes);
  const auto blob = file.subspan(prefix.blob_offset);
  return {std::string(text, prefix.header_length), {blob.begin(), blob.end()}};
}

// A file with a consistent prefix (lengths, offsets, header checksum) around any header text.
std::vector<std::byte> join(std::string_view header, std::span<const std::byte> blob,
                            uint32_t version = kZirFormatVersion) {
  zir::Prefix prefix;
  prefix.format_version = version;
  prefix.producer = "zenith test";
  prefix.header_length = header.size();
  prefix.header_checksum = xxhash64(std::as_bytes(std::span(header)));
  prefix.blob_offset = zir::align_up(zir::kPrefixBytes + header.size());
  prefix.blob_length = blob.size();
  const auto head = zir::encode_prefix(prefix);
  std::vector<std::byte> out(prefix.blob_offset + blob.size());
  std::memcpy(out.data(), head.data(), head.size());
  if (!header.empty()) std::memcpy(out.data() + head.size(), header.data(), header.size());
  std::copy(blob.begin(), blob.end(), out.begin() + static_cast<ptrdiff_t>(prefix.blob_offset));
  return out;
}

void expect_rejected(std::span<const std::byte> file, const std::string& text,
                     Error::Kind kind = Error::Kind::InvalidModel) {
  const testing::AlignedBytes bytes = aligned_copy(file);
  testing::expect_error([&] { testing::parse(bytes); }, kind, text);
}

// The index of the constant table entry called `name`.
size_t constant_index(const json& header, const std::string& name) {
  for (size_t i = 0; i < header["constants"].size(); ++i)
    if (header["constants"][i]["name"] == name) return i;
  throw std::runtime_error("no constant " + name);
}

class ZirHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    const Parts parts = split(valid());
    header_ = json::parse(parts.header);
    blob_ = parts.blob;
  }
  static const std::vector<std::byte>& valid() {
    static const std::vector<std::byte> file = valid_file();
    return file;
  }
  json& constant(const std::string& name) {
    return header_["constants"][constant_index(header_, name)];
  }
  std::vector<std::byte> file() const { return join(header_.dump(), blob_); }

  json header_;
  std::vector<std::byte> blob_;
};

TEST(ZirTruncation, EveryLengthIsAnError) {
  const std::vector<std::byte> file = valid_file();
  for (size_t length = 0; length < file.size(); ++length)
    expect_rejected(std::span(file).first(length), "test.zir: ");
  expect_rejected(std::span(file).first(0), "not a .zir file");
  expect_rejected(std::span(file).first(63), "shorter than the 64-byte .zir prefix");
  expect_rejected(std::span(file).first(64), "runs past the end of the file");
  expect_rejected(std::span(file).first(file.size() - 1), "does not end where the file does");
}

// A truncation that also rewrites the prefix to match, as a hostile file would: cut inside the
// header, at the start of the blob, and at the start, middle and end of every constant.
TEST(ZirTruncation, ConsistentPrefixesAroundCutSectionsAreErrorsToo) {
  const Parts parts = split(valid_file());
  for (size_t cut : {size_t{0}, size_t{1}, parts.header.size() / 2, parts.header.size() - 1})
    expect_rejected(join(parts.header.substr(0, cut), parts.blob), "header: not valid JSON");
  const json header = json::parse(parts.header);
  std::vector<size_t> cuts = {0};
  for (const json& c : header["constants"]) {
    const size_t offset = c["offset"], length = c["length"];
    for (size_t cut : {offset, offset + length / 2, offset + length - 1})
      if (length > 0 && cut < parts.blob.size()) cuts.push_back(cut);
  }
  for (size_t cut : cuts)
    expect_rejected(join(header.dump(), std::span(parts.blob).first(cut)),
                    "runs past the end of the weight blob");
}

// Flips 1-4 random bytes of a small valid file 2000 times: each result is a graph whose every
// constant can be read, or an error. With `fix_checksum` the header checksum is recomputed after
// the flips, so that damaged JSON reaches the header checks instead of stopping at the checksum.
void flip_bytes(bool fix_checksum, const ZirOptions& options = {}) {
  const std::vector<std::byte> file = valid_file(options);
  std::mt19937_64 rng(fix_checksum ? 2 : 1);
  int errors = 0, graphs = 0;
  for (int round = 0; round < 2000; ++round) {
    testing::AlignedBytes bytes = aligned_copy(file);
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i)
      bytes.span()[rng() % bytes.size] ^= static_cast<std::byte>(1 + rng() % 255);
    if (fix_checksum) testing::fix_header_checksum(bytes.span());
    try {
      const Graph graph = testing::parse(bytes);
      testing::read_every_constant(graph);
      ++graphs;
    } catch (const Error& e) {
      ASSERT_NE(e.kind(), Error::Kind::Internal) << e.what();
      ++errors;
    }
  }
  EXPECT_GT(errors, 1000);
  ::testing::Test::RecordProperty("graphs", graphs);
}

TEST(ZirCorruption, RandomByteFlipsGiveAnErrorOrAReadableGraph) { flip_bytes(false); }
TEST(ZirCorruption, RandomByteFlipsBehindAValidHeaderChecksum) { flip_bytes(true); }
TEST(ZirCorruption, RandomByteFlipsInACompressedFile) {
  ZirOptions options;
  options.compress_fp16 = true;
  flip_bytes(true, options);
}

TEST_F(ZirHostile, TheUnchangedFileParses) {
  EXPECT_EQ(testing::parse(aligned_copy(file())).name, "sample");
}

TEST_F(ZirHostile, ConstantPastTheEndOfTheBlob) {
  constant("w")["offset"] = blob_.size() / 64 * 64;
  expect_rejected(file(), fmt::format("test.zir: constant 'w': offset {} + length 1024 runs past "
                                      "the end of the weight blob ({} bytes)",
                                      blob_.size() / 64 * 64, blob_.size()));
}

TEST_F(ZirHostile, OffsetAndLengthThatOverflowWhenAdded) {
  constant("w")["offset"] = 64;
  constant("w")["length"] = UINT64_MAX;
  expect_rejected(file(), "runs past the end of the weight blob");
}

TEST_F(ZirHostile, ConstantsThatOverlap) {
  constant("w")["offset"] = 0;
  expect_rejected(file(), "constant 'w': offset 0 overlaps the previous constant, which ends at");
}

TEST_F(ZirHostile, MisalignedOffset) {
  constant("w")["offset"] = 8;
  expect_rejected(file(), "constant 'w': offset 8 is not a multiple of 64");
}

TEST_F(ZirHostile, NegativeDims) {
  constant("w")["dims"] = {4, -64};
  expect_rejected(file(), "constant 'w': dims [4,-64] have a negative dimension");
}

TEST_F(ZirHostile, DimsWhoseProductOverflows) {
  constant("w")["dims"] = {int64_t{1} << 40, int64_t{1} << 40};
  expect_rejected(
      file(),
      "constant 'w': dims [1099511627776,1099511627776] hold more elements than fit in 64 bits");
  constant("w")["dims"] = {int64_t{1} << 31, int64_t{1} << 31};
  expect_rejected(file(),
                  "constant 'w': length 1024 does not match dims [2147483648,2147483648] of f32");
}

TEST_F(ZirHostile, UnknownDtypeAndImpossibleStorage) {
  constant("w")["dtype"] = "f8";
  expect_rejected(file(), "constant 'w': unknown dtype 'f8'");
  constant("w")["dtype"] = "undefined";
  expect_rejected(file(), "constant 'w': unknown dtype 'undefined'");
  constant("w")["dtype"] = "i32";
  constant("w")["stored_dtype"] = "f16";
  expect_rejected(file(), "constant 'w': dtype i32 cannot be stored as f16");
}

TEST_F(ZirHostile, WrongChecksum) {
  blob_[constant("w")["offset"].get<size_t>() + 5] ^= std::byte{1};
  expect_rejected(file(), "constant 'w': checksum");
  expect_rejected(file(), "does not match the");
  constant("w")["checksum"] = "xyz";
  expect_rejected(file(), "constant 'w': checksum 'xyz' is not 16 hexadecimal digits");
}

TEST_F(ZirHostile, StringLengthsPastTheConstant) {
  const size_t at = constant("c_string")["offset"];
  const uint64_t huge = uint64_t{1} << 63;
  std::memcpy(blob_.data() + at, &huge, sizeof huge);
  expect_rejected(file(), "constant 'c_string': string 0 of 9223372036854775808 bytes runs past");
}

TEST_F(ZirHostile, BoolBytesOtherThanZeroOrOne) {
  blob_[constant("c_bool")["offset"].get<size_t>() + 1] = std::byte{2};
  expect_rejected(file(), "constant 'c_bool': element 1 is 2, not a bool (0 or 1)");
}

TEST_F(ZirHostile, NewerFormatVersion) {
  expect_rejected(
      join(header_.dump(), blob_, 2),
      "test.zir: .zir format version 2 (written by 'zenith test') is newer than version 1",
      Error::Kind::Unsupported);
}

TEST_F(ZirHostile, MissingFieldsAndWrongTypesNameTheirPlace) {
  header_["graph"]["nodes"][0].erase("op_type");
  expect_rejected(file(), "test.zir: header.graph.nodes[0]: the field 'op_type' is missing");
  header_["graph"]["nodes"][0]["op_type"] = 5;
  expect_rejected(file(),
                  "test.zir: header.graph.nodes[0].op_type: expected a string, found number");
  header_["graph"]["nodes"][0]["op_type"] = "Custom";
  header_["graph"]["nodes"][0]["attributes"]["int"]["value"] = UINT64_MAX;
  expect_rejected(file(),
                  "header.graph.nodes[0].attributes['int'].value: 18446744073709551615 does not "
                  "fit in a signed 64-bit integer");
  header_["graph"]["nodes"][0]["attributes"]["int"] = {{"type", "complex"}, {"value", 1}};
  expect_rejected(file(),
                  "header.graph.nodes[0].attributes['int'].type: unknown attribute type 'complex'");
  header_["graph"]["nodes"][0]["attributes"]["int"] = {{"type", "float"}, {"value", 1e300}};
  expect_rejected(file(), "1e+300 is out of float range");
}

TEST_F(ZirHostile, ConstantIndexOutOfRange) {
  header_["graph"]["initializers"]["w"] = 9999;
  expect_rejected(
      file(),
      fmt::format("header.graph.initializers['w']: constant 9999 does not exist (the table has {})",
                  header_["constants"].size()));
}

TEST_F(ZirHostile, NegativeDimensionInAType) {
  header_["graph"]["inputs"][0]["type"]["shape"][1] = -3;
  expect_rejected(file(), "header.graph.inputs[0].type.shape[1]: negative dimension -3");
}

TEST_F(ZirHostile, DeepNestingIsRefusedWithoutExhaustingTheStack) {
  json graph = header_["graph"];
  for (int i = 0; i < 40; ++i) {
    json outer = graph;
    outer["nodes"] = {{{"name", "n"},
                       {"op_type", "If"},
                       {"domain", ""},
                       {"inputs", json::array()},
                       {"outputs", json::array()},
                       {"attributes", {{"then_branch", {{"type", "graph"}, {"value", graph}}}}}}};
    graph = outer;
  }
  header_["graph"] = graph;
  expect_rejected(file(), "subgraphs nest deeper than 32 levels");

  json type = {{"kind", "tensor"}, {"dtype", "f32"}, {"shape", nullptr}};
  for (int i = 0; i < 40; ++i) type = {{"kind", "sequence"}, {"elem", type}};
  header_["graph"] = json::parse(split(valid()).header)["graph"];
  header_["graph"]["inputs"][0]["type"] = type;
  expect_rejected(file(), "types nest deeper than 32 levels");

  // JSON nested far deeper than any recursion could go: the parser does not recurse.
  std::string text = split(valid()).header;
  text.pop_back();
  text += ",\"deep\":" + std::string(200000, '[') + std::string(200000, ']') + "}";
  EXPECT_EQ(testing::parse(aligned_copy(join(text, blob_))).name, "sample")
      << "unknown fields are ignored";
  text = split(valid()).header;
  const std::string metadata = "\"metadata\":{";
  text.insert(
      text.find(metadata) + metadata.size(),
      "\"deep\":" + std::string(200000, '[') + std::string(200000, ']'));  // "metadata" is {} here
  expect_rejected(join(text, blob_),
                  "test.zir: header.metadata['deep']: expected a string, found array");
}

TEST_F(ZirHostile, BrokenPrefixes) {
  expect_rejected(join("{", blob_), "test.zir: header: not valid JSON");
  expect_rejected(join("[]", blob_), "test.zir: header: expected an object, found array");
  std::vector<std::byte> bad = file();
  bad[12] = std::byte{0x07};
  expect_rejected(bad, "the producer field is not printable ASCII");
  bad = file();
  bad[40] ^= std::byte{1};
  expect_rejected(bad, "test.zir: header: checksum");
  bad = file();
  bad[39] = std::byte{0x01};  // the top byte of the header length
  expect_rejected(bad, "more than the 256 MiB a .zir header may have");
  bad = file();
  bad[48] ^= std::byte{64};
  expect_rejected(bad, "the weight blob offset is");
  bad = file();
  bad[8] = std::byte{0};
  expect_rejected(bad, "format version 0 does not exist");
  std::vector<std::byte> unaligned(file().size() + 1);
  std::memcpy(unaligned.data() + 1, file().data(), file().size());
  testing::AlignedBytes copy = aligned_copy(unaligned);
  EXPECT_THROW(parse_zir(copy.span().subspan(1), "x.zir", nullptr), Error);
}

}  // namespace
}  // namespace zenith::ir
