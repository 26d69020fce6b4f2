// EventLog: tensorflow.Event protobufs encoded by hand (the few fields scalars need), framed as
// TFRecord records.
#include "train/event_log.h"

#include <unistd.h>

#include <bit>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "ir/errors.h"
#include "train/crc32c.h"

namespace zenith::train {
namespace {

// Protobuf wire types (the low 3 bits of a field's key).
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kFixed32 = 5;

// Field numbers of tensorflow/core/util/event.proto and summary.proto.
constexpr uint32_t kEventWallTime = 1;     // double
constexpr uint32_t kEventStep = 2;         // int64
constexpr uint32_t kEventFileVersion = 3;  // string
constexpr uint32_t kEventSummary = 5;      // Summary
constexpr uint32_t kSummaryValue = 1;      // repeated Summary.Value
constexpr uint32_t kValueTag = 1;          // string
constexpr uint32_t kValueSimpleValue = 2;  // float

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_little_endian(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_key(std::string& out, uint32_t field, uint32_t wire_type) {
  put_varint(out, (field << 3) | wire_type);
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

// An Event's wall time and step, the fields every event has.
std::string event_header(int64_t step) {
  const double wall_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string event;
  put_key(event, kEventWallTime, kFixed64);
  put_little_endian(event, std::bit_cast<uint64_t>(wall_time), 8);
  put_key(event, kEventStep, kVarint);
  put_varint(event, static_cast<uint64_t>(step));  // negative int64s take 10 bytes, as protobuf's
  return event;
}

// TFRecord's masking keeps a CRC stored next to data from being the CRC of data that contains it.
uint32_t masked_crc32c(const std::string& bytes) {
  const uint32_t crc = crc32c(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

EventLog::EventLog(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  std::error_code not_a_directory;
  if (error || !std::filesystem::is_directory(dir, not_a_directory))
    throw_invalid_argument("{}: cannot create the log directory ({})", dir,
                           error ? error.message() : "a file of that name exists");
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const std::string base =
      (std::filesystem::path(dir) / fmt::format("events.out.tfevents.{}.{}", seconds, host_name()))
          .string();
  // A second log started in the same second (two runs sharing DIR) gets a numbered name rather
  // than truncating the first; TensorBoard reads every file with "tfevents" in its name.
  path_ = base;
  std::error_code unknown;  // a file that cannot be looked at fails to open below
  for (int n = 2; std::filesystem::exists(path_, unknown); ++n)
    path_ = fmt::format("{}.{}", base, n);
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw_invalid_argument("{}: cannot open the event file for writing", path_);
  std::string event = event_header(0);
  put_bytes(event, kEventFileVersion, "brain.Event:2");
  write_record(event);
}

void EventLog::scalar(const std::string& tag, int64_t step, float value) {
  std::string summary_value;
  put_bytes(summary_value, kValueTag, tag);
  put_key(summary_value, kValueSimpleValue, kFixed32);
  put_little_endian(summary_value, std::bit_cast<uint32_t>(value), 4);
  std::string summary;
  put_bytes(summary, kSummaryValue, summary_value);
  std::string event = event_header(step);
  put_bytes(event, kEventSummary, summary);
  write_record(event);
}

void EventLog::write_record(const std::string& event) {
  std::string length;
  put_little_endian(length, event.size(), 8);
  std::string record = length;
  put_little_endian(record, masked_crc32c(length), 4);
  record += event;
  put_little_endian(record, masked_crc32c(event), 4);
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
  out_.flush();
  if (!out_) throw_invalid_argument("{}: cannot write the event file", path_);
}

}  // namespace zenith::train
