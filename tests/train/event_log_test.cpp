// EventLog's files read back by a decoder of the test's own: TFRecord framing with both masked
// CRC-32Cs checked (a bitwise CRC, independent of the library's table), then the Event protobuf.
#include "train/event_log.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "testing/expect_error.h"
#include "testing/temp_dir.h"
#include "train/crc32c.h"

namespace zenith::train {
namespace {

uint32_t bitwise_crc32c(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

uint64_t little_endian(const std::string& bytes, size_t at, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

// Splits a TFRecord file into its records' data, failing the test on a bad length or CRC.
std::vector<std::string> read_records(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> records;
  size_t at = 0;
  while (at < file.size()) {
    if (file.size() - at < 12) {
      ADD_FAILURE() << "a record header cut short at byte " << at;
      break;
    }
    const uint64_t length = little_endian(file, at, 8);
    EXPECT_EQ(little_endian(file, at + 8, 4), masked(bitwise_crc32c(file.substr(at, 8))))
        << "length CRC of the record at byte " << at;
    if (file.size() - at - 12 < length + 4) {
      ADD_FAILURE() << "record data cut short at byte " << at;
      break;
    }
    std::string data = file.substr(at + 12, length);
    EXPECT_EQ(little_endian(file, at + 12 + length, 4), masked(bitwise_crc32c(data)))
        << "data CRC of the record at byte " << at;
    records.push_back(std::move(data));
    at += 12 + length + 4;
  }
  return records;
}

struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t number_value = 0;  // varint, fixed64 or fixed32
  std::string bytes;          // length-delimited
};

uint64_t read_varint(const std::string& s, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0; at < s.size() && shift < 64; shift += 7) {
    const auto byte = static_cast<uint8_t>(s[at++]);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return v;
  }
  ADD_FAILURE() << "a varint runs past its message";
  return v;
}

std::vector<Field> parse_message(const std::string& s) {
  std::vector<Field> fields;
  size_t at = 0;
  while (at < s.size()) {
    const uint64_t key = read_varint(s, at);
    Field f;
    f.number = static_cast<uint32_t>(key >> 3);
    f.wire_type = static_cast<uint32_t>(key & 7);
    if (f.wire_type == 0) {
      f.number_value = read_varint(s, at);
    } else if (f.wire_type == 1 || f.wire_type == 5) {
      const int size = f.wire_type == 1 ? 8 : 4;
      if (s.size() - at < static_cast<size_t>(size)) {
        ADD_FAILURE() << "a fixed field runs past its message";
        break;
      }
      f.number_value = little_endian(s, at, size);
      at += size;
    } else if (f.wire_type == 2) {
      const uint64_t length = read_varint(s, at);
      if (s.size() - at < length) {
        ADD_FAILURE() << "a length-delimited field runs past its message";
        break;
      }
      f.bytes = s.substr(at, length);
      at += length;
    } else {
      ADD_FAILURE() << "unexpected wire type " << f.wire_type;
      break;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

// The decoded Event, with the fields EventLog writes.
struct Event {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::vector<std::pair<std::string, float>> values;
};

Event decode_event(const std::string& data) {
  Event e;
  for (const Field& f : parse_message(data)) {
    if (f.number == 1 && f.wire_type == 1) {
      e.wall_time = std::bit_cast<double>(f.number_value);
    } else if (f.number == 2 && f.wire_type == 0) {
      e.step = static_cast<int64_t>(f.number_value);
    } else if (f.number == 3 && f.wire_type == 2) {
      e.file_version = f.bytes;
    } else if (f.number == 5 && f.wire_type == 2) {
      for (const Field& v : parse_message(f.bytes)) {
        EXPECT_TRUE(v.number == 1 && v.wire_type == 2) << "Summary field " << v.number;
        std::pair<std::string, float> tagged;
        for (const Field& g : parse_message(v.bytes)) {
          if (g.number == 1 && g.wire_type == 2)
            tagged.first = g.bytes;
          else if (g.number == 2 && g.wire_type == 5)
            tagged.second = std::bit_cast<float>(static_cast<uint32_t>(g.number_value));
          else
            ADD_FAILURE() << "unexpected Summary.Value field " << g.number;
        }
        e.values.push_back(tagged);
      }
    } else {
      ADD_FAILURE() << "unexpected Event field " << f.number << " of wire type " << f.wire_type;
    }
  }
  return e;
}

TEST(Crc32c, KnownVectors) {
  const std::string digits = "123456789";
  EXPECT_EQ(crc32c(reinterpret_cast<const uint8_t*>(digits.data()), digits.size()), 0xE3069283u);
  EXPECT_EQ(crc32c(nullptr, 0), 0u);
  // RFC 3720 (iSCSI) appendix B.4: 32 bytes of zeros, of 0xFF, and counting up from 0.
  std::vector<uint8_t> bytes(32, 0);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x8A9136AAu);
  std::fill(bytes.begin(), bytes.end(), 0xFF);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x62A8AB43u);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x46DD794Eu);
}

TEST(EventLog, ScalarsReadBackWithTheirTagsStepsAndValues) {
  testing::TempDir tmp("event_log");
  const std::filesystem::path dir = tmp / "runs/first";  // neither folder exists yet
  EventLog log(dir.string());
  log.scalar("loss", 1, 2.5f);
  log.scalar("loss", 2, 0.1f);
  log.scalar("val/accuracy", 3, 0.875f);
  log.scalar("lr", int64_t{1} << 40, -3.0e-7f);
  log.scalar("loss", -1, 0.0f);

  // Read while the log is still open: each scalar is on disk as soon as it is logged.
  const std::filesystem::path path = log.path();
  EXPECT_EQ(path.parent_path(), dir);
  const std::string name = path.filename().string();
  const std::string prefix = "events.out.tfevents.";
  ASSERT_EQ(name.rfind(prefix, 0), 0u) << name;
  const size_t dot = name.find('.', prefix.size());
  ASSERT_NE(dot, std::string::npos) << name;
  const std::string seconds = name.substr(prefix.size(), dot - prefix.size());
  EXPECT_FALSE(seconds.empty());
  EXPECT_EQ(seconds.find_first_not_of("0123456789"), std::string::npos) << name;
  EXPECT_GT(name.size(), dot + 1) << "no host name in " << name;

  const std::vector<std::string> records = read_records(path);
  ASSERT_EQ(records.size(), 6u);
  const Event first = decode_event(records[0]);
  EXPECT_EQ(first.file_version, "brain.Event:2");
  EXPECT_TRUE(first.values.empty());

  const std::vector<std::tuple<std::string, int64_t, float>> expected = {
      {"loss", 1, 2.5f},
      {"loss", 2, 0.1f},
      {"val/accuracy", 3, 0.875f},
      {"lr", int64_t{1} << 40, -3.0e-7f},
      {"loss", -1, 0.0f}};
  double previous_time = first.wall_time;
  EXPECT_TRUE(std::isfinite(first.wall_time) && first.wall_time > 0) << first.wall_time;
  for (size_t i = 0; i < expected.size(); ++i) {
    const Event e = decode_event(records[i + 1]);
    EXPECT_EQ(e.step, std::get<1>(expected[i])) << "event " << i + 1;
    EXPECT_TRUE(e.file_version.empty());
    ASSERT_EQ(e.values.size(), 1u) << "event " << i + 1;
    EXPECT_EQ(e.values[0].first, std::get<0>(expected[i]));
    // Bit for bit: the float is stored, not printed and parsed.
    EXPECT_EQ(std::bit_cast<uint32_t>(e.values[0].second),
              std::bit_cast<uint32_t>(std::get<2>(expected[i])))
        << e.values[0].second;
    EXPECT_GE(e.wall_time, previous_time) << "event " << i + 1;
    previous_time = e.wall_time;
  }
}

TEST(EventLog, TwoLogsInOneDirectoryKeepTheirOwnFiles) {
  testing::TempDir tmp("event_log");
  EventLog first(tmp.path().string());
  first.scalar("loss", 1, 1.0f);
  EventLog second(tmp.path().string());
  second.scalar("loss", 1, 2.0f);
  ASSERT_NE(first.path(), second.path());
  const std::vector<std::string> a = read_records(first.path());
  const std::vector<std::string> b = read_records(second.path());
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(decode_event(a[1]).values.at(0).second, 1.0f);
  EXPECT_EQ(decode_event(b[1]).values.at(0).second, 2.0f);
}

TEST(EventLog, DirectoryThatCannotBeCreatedNamesThePath) {
  testing::TempDir tmp("event_log");
  const std::filesystem::path file = tmp / "not_a_dir";
  std::ofstream(file) << "x";
  testing::expect_error([&] { EventLog log(file.string()); }, Error::Kind::InvalidArgument,
                        file.string() + ": cannot create the log directory");
  testing::expect_error([&] { EventLog log((file / "logs").string()); },
                        Error::Kind::InvalidArgument,
                        (file / "logs").string() + ": cannot create the log directory");
}

}  // namespace
}  // namespace zenith::train
