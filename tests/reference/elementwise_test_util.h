// Test helpers for the REF elementwise kernels: read an output as a vector, capture an error.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/value.h"
#include "zenith/error.h"

namespace zenith::testing {

template <typename T>
std::vector<T> values_of(const ir::Value& value) {
  const ir::Tensor& t = value.tensor();
  const T* data = t.data<T>();
  return std::vector<T>(data, data + t.numel());
}

// Runs f, expects it to throw an Error of `kind`, and returns the message ("" if none).
template <typename F>
std::string error_message(F&& f, Error::Kind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an Error of kind " << to_string(kind);
  return "";
}

}  // namespace zenith::testing
