// Checked access to the .zir JSON header, and the one encoding both directions share.
#include "ir/zir_json.h"

#include <cmath>
#include <limits>

namespace zenith::ir::zir {

JsonField JsonField::member(std::string_view key) const {
  if (!value_->is_object()) fail_type("an object");
  auto it = value_->find(key);
  if (it == value_->end()) fail("the field '{}' is missing", key);
  return JsonField(*it, path_ + "." + std::string(key), file_);
}

std::vector<JsonField> JsonField::items() const {
  if (!value_->is_array()) fail_type("an array");
  std::vector<JsonField> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i)
    out.emplace_back((*value_)[i], fmt::format("{}[{}]", path_, i), file_);
  return out;
}

std::vector<std::pair<std::string, JsonField>> JsonField::members() const {
  if (!value_->is_object()) fail_type("an object");
  std::vector<std::pair<std::string, JsonField>> out;
  out.reserve(value_->size());
  for (const auto& [key, value] : value_->items())
    out.emplace_back(key, JsonField(value, fmt::format("{}['{}']", path_, key), file_));
  return out;
}

int64_t JsonField::as_int() const {
  // The parser keeps non-negative integers as unsigned, so one above INT64_MAX is legal JSON.
  if (value_->is_number_unsigned() &&
      value_->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    fail("{} does not fit in a signed 64-bit integer", value_->get<uint64_t>());
  if (!value_->is_number_integer()) fail_type("an integer");
  return value_->get<int64_t>();
}

uint64_t JsonField::as_uint() const {
  if (value_->is_number_integer() && !value_->is_number_unsigned())
    fail("{} is negative", value_->get<int64_t>());
  if (!value_->is_number_unsigned()) fail_type("a non-negative integer");
  return value_->get<uint64_t>();
}

float JsonField::as_float() const {
  if (value_->is_string()) {
    const std::string& s = value_->get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<float>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<float>::infinity();
    if (s == "-inf") return -std::numeric_limits<float>::infinity();
    fail("'{}' is not a float (expected a number, \"nan\", \"inf\" or \"-inf\")", s);
  }
  if (!value_->is_number()) fail_type("a number");
  const double d = value_->get<double>();
  // Converting a double outside float's range is undefined behaviour; the writer never makes one.
  if (std::fabs(d) > std::numeric_limits<float>::max()) fail("{} is out of float range", d);
  return static_cast<float>(d);
}

std::string JsonField::as_string() const {
  if (!value_->is_string()) fail_type("a string");
  return value_->get<std::string>();
}

std::vector<std::string> JsonField::as_strings() const {
  std::vector<std::string> out;
  for (const JsonField& item : items()) out.push_back(item.as_string());
  return out;
}

void JsonField::fail_type(std::string_view expected) const {
  fail("expected {}, found {}", expected, value_->type_name());
}

nlohmann::json float_to_json(float value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

}  // namespace zenith::ir::zir
