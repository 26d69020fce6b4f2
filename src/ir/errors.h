// Helpers that build zenith::Error with fmt-style messages, and ZENITH_ASSERT.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "zenith/error.h"

namespace zenith {

template <typename... Args>
Error make_error(Error::Kind kind, fmt::format_string<Args...> format, Args&&... args) {
  return Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void throw_invalid_model(fmt::format_string<Args...> format, Args&&... args) {
  throw make_error(Error::Kind::InvalidModel, format, std::forward<Args>(args)...);
}

template <typename... Args>
[[noreturn]] void throw_invalid_argument(fmt::format_string<Args...> format, Args&&... args) {
  throw make_error(Error::Kind::InvalidArgument, format, std::forward<Args>(args)...);
}

template <typename... Args>
[[noreturn]] void throw_unsupported(fmt::format_string<Args...> format, Args&&... args) {
  throw make_error(Error::Kind::Unsupported, format, std::forward<Args>(args)...);
}

// Re-throws `error` with `context` prepended, keeping its kind.
[[noreturn]] inline void rethrow_with_context(const Error& error, const std::string& context) {
  throw Error(error.kind(), context + error.what());
}

}  // namespace zenith

// Guards an internal invariant: throws Kind::Internal with file:line, never aborts.
#define ZENITH_ASSERT(cond)                                                               \
  do {                                                                                    \
    if (!(cond))                                                                          \
      throw ::zenith::Error(::zenith::Error::Kind::Internal,                              \
                            ::fmt::format("internal error at {}:{}: {}", __FILE__, __LINE__, \
                                          #cond));                                        \
  } while (0)
