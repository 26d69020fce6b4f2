// Typed, checked access to the JSON header of a .zir file: every wrong type, missing field or
// out-of-range number becomes an InvalidModel error naming the file and the field's path.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/errors.h"

namespace zenith::ir::zir {

// A JSON value and where it sits ("header.graph.nodes[3].op_type"). Refers to the value and
// the file name: both must outlive it.
class JsonField {
 public:
  JsonField(const nlohmann::json& value, std::string path, std::string_view file)
      : value_(&value), path_(std::move(path)), file_(file) {}

  const std::string& path() const { return path_; }
  bool is_null() const { return value_->is_null(); }
  bool is_string() const { return value_->is_string(); }

  JsonField member(std::string_view key) const;                    // required
  std::vector<JsonField> items() const;                            // of an array
  std::vector<std::pair<std::string, JsonField>> members() const;  // of an object

  int64_t as_int() const;
  uint64_t as_uint() const;
  float as_float() const;  // a number, or "nan", "inf", "-inf"
  std::string as_string() const;
  std::vector<std::string> as_strings() const;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    throw_invalid_model("{}: {}: {}", file_, path_,
                        fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  [[noreturn]] void fail_type(std::string_view expected) const;

  const nlohmann::json* value_;
  std::string path_;
  std::string_view file_;
};

// The JSON form of a float attribute value: a number, or a string for what JSON lacks.
nlohmann::json float_to_json(float value);

}  // namespace zenith::ir::zir
