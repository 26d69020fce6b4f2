// zenith::Error: the one exception type thrown across Zenith's API.
#pragma once

#include <stdexcept>
#include <string>

#include "zenith/export.h"

namespace zenith {

// Every failure Zenith reports is an Error. The message names the file, node, op and value
// concerned, what was found and what was expected.
class ZENITH_API Error : public std::runtime_error {
 public:
  enum class Kind {
    InvalidModel,       // the model file or graph is malformed
    InvalidArgument,    // the caller passed a bad value (input shape, dtype, option)
    Unsupported,        // valid, but Zenith does not implement it (op, version, dtype)
    ResourceExhausted,  // out of memory, or a full queue: may succeed later or with less
    Unavailable,        // a peer is gone (a rank of a distributed run, a collective failed)
    Internal,           // a bug in Zenith
  };

  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

inline const char* to_string(Error::Kind kind) {
  switch (kind) {
    case Error::Kind::InvalidModel:
      return "InvalidModel";
    case Error::Kind::InvalidArgument:
      return "InvalidArgument";
    case Error::Kind::Unsupported:
      return "Unsupported";
    case Error::Kind::ResourceExhausted:
      return "ResourceExhausted";
    case Error::Kind::Unavailable:
      return "Unavailable";
    case Error::Kind::Internal:
      return "Internal";
  }
  return "Unknown";
}

}  // namespace zenith
