// The checkpoint file: "ZENITHCK", the header's length (u64), a JSON header (step, run, each
// tensor's name, dtype, dims and offset), the tensors' bytes, then an xxHash64 of all before it.
#include "train/checkpoint.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>

#include "ir/errors.h"
#include "ir/xxhash64.h"

namespace zenith::train {
namespace {

constexpr char kMagic[8] = {'Z', 'E', 'N', 'I', 'T', 'H', 'C', 'K'};

void append(std::string& out, const void* data, size_t bytes) {
  out.append(static_cast<const char*>(data), bytes);
}

uint64_t hash(const std::string& bytes, size_t length) {
  return ir::xxhash64(std::as_bytes(std::span(bytes.data(), length)));
}

}  // namespace

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint) {
  nlohmann::json header = {{"step", checkpoint.step}, {"run", checkpoint.run}};
  size_t offset = 0;
  for (const auto& [name, t] : checkpoint.tensors) {
    header["tensors"].push_back({{"name", name},
                                 {"dtype", std::string(ir::dtype_name(t.dtype()))},
                                 {"dims", t.dims()},
                                 {"offset", offset}});
    offset += t.size_bytes();
  }
  const std::string text = header.dump();
  std::string bytes(kMagic, sizeof kMagic);
  const uint64_t length = text.size();
  append(bytes, &length, sizeof length);
  bytes += text;
  bytes.reserve(bytes.size() + offset + sizeof(uint64_t));
  for (const auto& [name, t] : checkpoint.tensors) append(bytes, t.raw(), t.size_bytes());
  const uint64_t sum = hash(bytes, bytes.size());
  append(bytes, &sum, sizeof sum);

  std::filesystem::path temporary = path;
  temporary += ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw_invalid_argument("{}: cannot write the checkpoint", temporary.string());
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error)
    throw_invalid_argument("{}: cannot move the checkpoint into place: {}", path.string(),
                           error.message());
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_invalid_argument("{}: no checkpoint there", path.string());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto damaged = [&](const std::string& what) {
    throw_invalid_argument("{}: not a whole Zenith checkpoint ({})", path.string(), what);
  };
  uint64_t length = 0, sum = 0;
  if (bytes.size() < sizeof kMagic + 2 * sizeof(uint64_t) ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    damaged("no checkpoint header");
  std::memcpy(&sum, bytes.data() + bytes.size() - sizeof sum, sizeof sum);
  if (hash(bytes, bytes.size() - sizeof sum) != sum) damaged("truncated or damaged: checksum");
  std::memcpy(&length, bytes.data() + sizeof kMagic, sizeof length);
  const size_t data = sizeof kMagic + sizeof length + length;
  if (length > bytes.size() || data > bytes.size() - sizeof sum) damaged("header length");
  Checkpoint c;
  try {
    const nlohmann::json header =
        nlohmann::json::parse(bytes.begin() + sizeof kMagic + sizeof length, bytes.begin() + data);
    c.step = header.at("step").get<int64_t>();
    c.run = header.at("run").get<std::map<std::string, std::string>>();
    for (const nlohmann::json& t : header.value("tensors", nlohmann::json::array())) {
      const std::optional<ir::DType> dtype = ir::dtype_from_name(t.at("dtype").get<std::string>());
      if (dtype != ir::DType::F32 && dtype != ir::DType::I64) damaged("a tensor's dtype");
      ir::Tensor tensor(*dtype, t.at("dims").get<ir::Dims>());
      const size_t offset = t.at("offset").get<size_t>();
      if (offset > bytes.size() - sizeof sum - data ||
          tensor.size_bytes() > bytes.size() - sizeof sum - data - offset)
        damaged("tensor '" + t.at("name").get<std::string>() + "' past the end");
      if (tensor.size_bytes() > 0)
        std::memcpy(tensor.raw(), bytes.data() + data + offset, tensor.size_bytes());
      c.tensors.emplace(t.at("name").get<std::string>(), std::move(tensor));
    }
  } catch (const nlohmann::json::exception& e) {
    damaged(std::string("header: ") + e.what());
  }
  return c;
}

}  // namespace zenith::train
