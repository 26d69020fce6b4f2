// CSV field splitting.
#include "tools/csv.h"

#include "ir/errors.h"

namespace zenith::tools {

std::vector<std::string> split_csv_line(std::string_view line, const std::string& where) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields(1);
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i++];
    if (c == ',') {
      fields.emplace_back();
    } else if (c == '"' && fields.back().empty()) {
      while (true) {
        if (i >= line.size())
          throw_invalid_argument("{}: a quoted field has no closing quote", where);
        if (line[i] == '"' && (i + 1 >= line.size() || line[i + 1] != '"')) break;
        if (line[i] == '"') ++i;  // "" stands for one quote
        fields.back() += line[i++];
      }
      ++i;
      if (i < line.size() && line[i] != ',')
        throw_invalid_argument("{}: text after the closing quote of field {}", where,
                               fields.size());
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace zenith::tools
