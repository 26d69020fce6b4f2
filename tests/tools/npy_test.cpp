// .npy reading and writing: round trips for every dtype and each kind of malformed file.
#include "tools/npy.h"

#include <gtest/gtest.h>

#include <cstring>

namespace zenith::tools {
namespace {

template <typename T>
ir::Tensor iota_tensor(ir::Dims dims) {
  ir::Tensor t(ir::dtype_of<T>(), std::move(dims));
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<T>()[i] = static_cast<T>(static_cast<int>(i % 7) - 2);
  return t;
}

template <typename T>
void expect_round_trip(ir::Dims dims) {
  const ir::Tensor t = iota_tensor<T>(dims);
  const ir::Tensor back = parse_npy(to_npy_bytes(t), "mem.npy");
  ASSERT_EQ(back.dtype(), t.dtype());
  ASSERT_EQ(back.dims(), t.dims());
  EXPECT_EQ(std::memcmp(back.raw(), t.raw(), t.size_bytes()), 0) << ir::dtype_name(t.dtype());
}

TEST(Npy, RoundTripsEveryDtype) {
  expect_round_trip<float>({2, 3});
  expect_round_trip<double>({5});
  expect_round_trip<int8_t>({2, 2, 2});
  expect_round_trip<uint8_t>({3, 1});
  expect_round_trip<int16_t>({4});
  expect_round_trip<uint16_t>({4});
  expect_round_trip<int32_t>({1, 4});
  expect_round_trip<uint32_t>({4});
  expect_round_trip<int64_t>({2, 2});
  expect_round_trip<uint64_t>({2});
  expect_round_trip<float>({});      // rank 0: shape ()
  expect_round_trip<float>({0, 3});  // empty
}

TEST(Npy, RoundTripsHalfAndBool) {
  ir::Tensor h(ir::DType::F16, {3});
  h.data<ir::Float16>()[1] = 1.5f;
  const ir::Tensor hb = parse_npy(to_npy_bytes(h), "h.npy");
  EXPECT_EQ(static_cast<float>(hb.data<ir::Float16>()[1]), 1.5f);
  ir::Tensor b(ir::DType::Bool, {2});
  b.data<bool>()[1] = true;
  const ir::Tensor bb = parse_npy(to_npy_bytes(b), "b.npy");
  EXPECT_FALSE(bb.data<bool>()[0]);
  EXPECT_TRUE(bb.data<bool>()[1]);
}

TEST(Npy, DataIs64ByteAlignedLikeNumpy) {
  const std::string bytes = to_npy_bytes(iota_tensor<float>({3}));
  EXPECT_EQ((bytes.size() - 12) % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (3,)"), std::string::npos);
}

// A version 1.0 file with `header` as its dictionary and `data_bytes` bytes of data.
std::string npy_file(const std::string& header, size_t data_bytes, char major = 1) {
  std::string out = "\x93NUMPY";
  out.push_back(major);
  out.push_back('\0');
  const size_t n = header.size();
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(n >> 8));
  if (major > 1) out.append(2, '\0');
  return out + header + std::string(data_bytes, '\0');
}

void expect_error(const std::string& bytes, const std::string& substring) {
  try {
    parse_npy(bytes, "bad.npy");
    FAIL() << "expected an error containing: " << substring;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    const std::string message = e.what();
    EXPECT_NE(message.find("bad.npy"), std::string::npos) << message;
    EXPECT_NE(message.find(substring), std::string::npos) << message;
  }
}

const std::string kGood = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";

TEST(Npy, AcceptsWellFormedVersions) {
  EXPECT_EQ(parse_npy(npy_file(kGood, 24), "v1").dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(parse_npy(npy_file(kGood, 24, 2), "v2").dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(parse_npy(npy_file(kGood, 24, 3), "v3").dims(), (ir::Dims{2, 3}));
}

TEST(Npy, RejectsMalformedFiles) {
  expect_error("", "too short");
  expect_error("PK\x03\x04 not numpy at all", "bad magic");
  expect_error(npy_file(kGood, 24, 4), "version 4.0");
  expect_error(npy_file(kGood, 24).substr(0, 30), "runs past the end");
  expect_error(std::string("\x93NUMPY\x02\x00\x01", 9) + "x", "truncated");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False}", 0), "lacks one of the keys");
  expect_error(npy_file("{'descr': '<f4' 'fortran_order': False, 'shape': ()}", 4), "expected '}'");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x)}", 8),
               "non-negative integers");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", 8),
               "non-negative integers");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8),
               "unexpected key");
  expect_error(npy_file("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", 4),
               "duplicate key");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", 8),
               "after the header");
}

TEST(Npy, RejectsUnsupportedLayoutsAndDtypes) {
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24),
               "fortran_order is True");
  expect_error(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8),
               "big-endian");
  expect_error(npy_file("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16),
               "unsupported dtype '|O'");
  expect_error(npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16),
               "unsupported dtype");
}

TEST(Npy, RejectsShapesThatDisagreeWithTheFileSize) {
  expect_error(npy_file(kGood, 23), "holds 23 bytes of data");
  expect_error(npy_file(kGood, 25), "holds 25 bytes of data");
  // 2^40 elements: refused from the file size before anything is allocated.
  expect_error(
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576)}", 16),
      "holds 16 bytes");
  expect_error(
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 16),
      "does not fit in 64 bits");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, "
                        "4294967296, 4294967296)}",
                        16),
               "more elements than fit");
}

TEST(Npy, NormalizesBoolBytes) {
  std::string file = npy_file("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2);
  file[file.size() - 1] = '\x07';
  const ir::Tensor t = parse_npy(file, "b.npy");
  EXPECT_TRUE(t.data<bool>()[1]);
  EXPECT_EQ(static_cast<int>(t.raw()[1]), 1);
}

TEST(Npy, RefusesDtypesWithoutNpyCode) {
  try {
    to_npy_bytes(ir::Tensor(ir::DType::BF16, {1}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("bf16"), std::string::npos) << e.what();
  }
}

TEST(Npy, FileErrorsNameThePath) {
  try {
    read_npy("/nonexistent/x.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.npy: no such"), std::string::npos);
  }
}

}  // namespace
}  // namespace zenith::tools
