// Splitting one line of a CSV file (RFC 4180 quoting, no line breaks inside fields).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zenith::tools {

// The fields of `line`: separated by commas; a field in double quotes may hold commas and ""
// for a quote. A trailing '\r' (CRLF files) is dropped. Throws InvalidArgument starting with
// `where` (e.g. "file.csv:3") for an unterminated quote or text after a closing quote.
std::vector<std::string> split_csv_line(std::string_view line, const std::string& where);

}  // namespace zenith::tools
