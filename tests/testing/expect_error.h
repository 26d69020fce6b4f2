// expect_error: a test helper for code that must fail with a given kind and message.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "zenith/error.h"

namespace zenith::testing {

// Runs `f`, expecting an Error of `kind` whose message contains `text`.
template <typename F>
void expect_error(F f, Error::Kind kind, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

}  // namespace zenith::testing
