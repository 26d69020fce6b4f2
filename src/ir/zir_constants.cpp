// The constant table: every entry is checked against the blob before a tensor refers to it.
#include "ir/zir_constants.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "ir/xxhash64.h"
#include "ir/zir_format.h"

namespace zenith::ir::zir {
namespace {

// One table entry while it is checked: errors name the file and the constant.
struct Entry {
  std::string_view file;
  std::string name;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    throw_invalid_model("{}: constant '{}': {}", file, name,
                        fmt::format(format, std::forward<Args>(args)...));
  }
};

DType read_dtype(const JsonField& field, const Entry& e, std::string_view what) {
  const std::string name = field.as_string();
  const std::optional<DType> dtype = dtype_from_name(name);
  if (!dtype || *dtype == DType::Undefined) e.fail("unknown {} '{}'", what, name);
  return *dtype;
}

// The dims and their element count, refused in the order checked_numel would refuse them, so
// that making the tensor cannot throw afterwards.
std::pair<Dims, int64_t> read_dims(const JsonField& field, const Entry& e) {
  Dims dims;
  for (const JsonField& item : field.items()) dims.push_back(item.as_int());
  for (int64_t d : dims)
    if (d < 0) e.fail("dims {} have a negative dimension", to_string(dims));
  int64_t numel = 1;
  for (int64_t d : dims) {
    if (d != 0 && numel > std::numeric_limits<int64_t>::max() / d)
      e.fail("dims {} hold more elements than fit in 64 bits", to_string(dims));
    numel *= d;
  }
  return {std::move(dims), numel};
}

uint64_t read_checksum(const JsonField& field, const Entry& e) {
  const std::string text = field.as_string();
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (text.size() != 16 || ec != std::errc() || end != text.data() + text.size())
    e.fail("checksum '{}' is not 16 hexadecimal digits", text);
  return value;
}

// A decoded copy: the file may claim more than the tensors Zenith allocates (kMaxTensorBytes).
Tensor allocate(DType dtype, const Dims& dims, const Entry& e) {
  try {
    return Tensor(dtype, dims);
  } catch (const Error& error) {
    e.fail("{}", error.what());
  }
}

// Each element's length as a little-endian u64, then all the bytes (docs/ZIR.md).
Tensor decode_strings(std::span<const std::byte> bytes, const Dims& dims, int64_t numel,
                      const Entry& e) {
  const uint64_t count = static_cast<uint64_t>(numel);
  if (count > bytes.size() / sizeof(uint64_t))
    e.fail("{} bytes cannot hold the lengths of {} strings", bytes.size(), count);
  uint64_t at = count * sizeof(uint64_t);
  std::vector<uint64_t> lengths(count);
  if (count > 0) std::memcpy(lengths.data(), bytes.data(), at);
  for (uint64_t i = 0; i < count; ++i) {
    if (lengths[i] > bytes.size() - at)
      e.fail("string {} of {} bytes runs past the constant's {} bytes", i, lengths[i],
             bytes.size());
    at += lengths[i];
  }
  if (at != bytes.size()) e.fail("its strings fill {} of its {} bytes", at, bytes.size());
  Tensor t = allocate(DType::String, dims, e);
  at = count * sizeof(uint64_t);
  for (uint64_t i = 0; i < count; ++i) {
    t.data<std::string>()[i].assign(reinterpret_cast<const char*>(bytes.data() + at), lengths[i]);
    at += lengths[i];
  }
  return t;
}

Tensor widen_fp16(std::span<const std::byte> bytes, const Dims& dims, const Entry& e) {
  Tensor t = allocate(DType::F32, dims, e);
  // The blob places every constant at a multiple of 64 bytes, so the halves are aligned.
  widen_f16(reinterpret_cast<const uint16_t*>(bytes.data()), t.data<float>(),
            static_cast<size_t>(t.numel()));
  return t;
}

// `blob_used`: where the previous constant ends. Constants follow each other without overlap,
// so a hostile table cannot make the reader hash or copy the same bytes again and again.
Tensor decode_constant(const JsonField& field, std::span<const std::byte> blob,
                       const std::shared_ptr<const void>& owner, Entry& e, uint64_t& blob_used) {
  e.name = field.member("name").as_string();
  const DType dtype = read_dtype(field.member("dtype"), e, "dtype");
  const DType stored = read_dtype(field.member("stored_dtype"), e, "stored dtype");
  if (stored != dtype && !(dtype == DType::F32 && stored == DType::F16))
    e.fail("dtype {} cannot be stored as {} (only f32 may be stored as f16)", dtype_name(dtype),
           dtype_name(stored));
  const auto [dims, numel] = read_dims(field.member("dims"), e);
  const uint64_t offset = field.member("offset").as_uint();
  const uint64_t length = field.member("length").as_uint();
  const uint64_t checksum = read_checksum(field.member("checksum"), e);

  if (offset % kAlignment != 0) e.fail("offset {} is not a multiple of {}", offset, kAlignment);
  if (offset > blob.size() || length > blob.size() - offset)
    e.fail("offset {} + length {} runs past the end of the weight blob ({} bytes)", offset, length,
           blob.size());
  if (offset < blob_used)
    e.fail("offset {} overlaps the previous constant, which ends at {}", offset, blob_used);
  blob_used = offset + length;
  if (stored != DType::String) {
    const uint64_t element = dtype_size(stored);
    const uint64_t count = static_cast<uint64_t>(numel);
    if (count > std::numeric_limits<uint64_t>::max() / element || count * element != length)
      e.fail("length {} does not match dims {} of {} ({} x {} bytes)", length, to_string(dims),
             dtype_name(stored), count, element);
  }
  const auto bytes = blob.subspan(offset, length);
  // The structure of the bytes is checked before the checksum so that a fuzzer, which cannot
  // forge checksums, still reaches these checks.
  Tensor tensor;
  if (stored == DType::String)
    tensor = decode_strings(bytes, dims, numel, e);
  else if (stored != dtype)
    tensor = widen_fp16(bytes, dims, e);
  if (dtype == DType::Bool)
    for (uint64_t i = 0; i < length; ++i)
      if (std::to_integer<int>(bytes[i]) > 1)  // any other byte is not a valid C++ bool
        e.fail("element {} is {}, not a bool (0 or 1)", i, std::to_integer<int>(bytes[i]));
  if (const uint64_t actual = xxhash64(bytes); actual != checksum)
    e.fail(
        "checksum {:016x} of its {} bytes does not match the {:016x} in the header (the file is "
        "corrupted)",
        actual, length, checksum);
  if (tensor.defined()) return tensor;
  return Tensor::view(dtype, dims, const_cast<std::byte*>(bytes.data()), owner);
}

}  // namespace

std::vector<Tensor> decode_constants(const JsonField& table, std::span<const std::byte> blob,
                                     const std::shared_ptr<const void>& owner,
                                     std::string_view file) {
  std::vector<Tensor> constants;
  uint64_t blob_used = 0;
  for (const JsonField& field : table.items()) {
    Entry e{file, fmt::format("#{}", constants.size())};
    constants.push_back(decode_constant(field, blob, owner, e, blob_used));
  }
  return constants;
}

}  // namespace zenith::ir::zir
