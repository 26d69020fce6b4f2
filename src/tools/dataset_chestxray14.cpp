// ChestX-ray14 (NIH): images and Data_Entry_2017.csv, whose "Finding Labels" column lists each
// image's findings separated by '|', or "No Finding".
#include <algorithm>
#include <fstream>

#include "ir/errors.h"
#include "tools/csv.h"
#include "tools/dataset_formats.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

// The order of share/labels/chestxray14.txt and of CheXNet's outputs.
const std::vector<std::string> kFindings = {
    "Atelectasis", "Cardiomegaly", "Effusion",           "Infiltration",  "Mass",
    "Nodule",      "Pneumonia",    "Pneumothorax",       "Consolidation", "Edema",
    "Emphysema",   "Fibrosis",     "Pleural_Thickening", "Hernia"};
constexpr const char* kNoFinding = "No Finding";

size_t column(const std::vector<std::string>& header, const std::string& name,
              const std::string& where) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end())
    throw_invalid_argument("{}: the header has no \"{}\" column; its columns are \"{}\"", where,
                           name, fmt::join(header, "\", \""));
  return static_cast<size_t>(it - header.begin());
}

std::vector<int> parse_findings(const std::string& text, const std::string& where) {
  std::vector<int> findings;
  if (text == kNoFinding) return findings;
  size_t at = 0;
  while (true) {
    const size_t end = std::min(text.find('|', at), text.size());
    const std::string finding = text.substr(at, end - at);
    const auto it = std::find(kFindings.begin(), kFindings.end(), finding);
    if (it == kFindings.end())
      throw_invalid_argument("{}: unknown finding \"{}\"; ChestX-ray14's are {} and \"{}\" alone",
                             where, finding, fmt::join(kFindings, ", "), kNoFinding);
    findings.push_back(static_cast<int>(it - kFindings.begin()));
    if (end == text.size()) break;
    at = end + 1;
  }
  std::sort(findings.begin(), findings.end());
  findings.erase(std::unique(findings.begin(), findings.end()), findings.end());
  return findings;
}

// NIH's archives unpack into images/, so look there too.
fs::path find_image(const fs::path& dir, const std::string& file, const std::string& where) {
  std::error_code ec;
  if (file.empty()) throw_invalid_argument("{}: the \"Image Index\" field is empty", where);
  for (const fs::path& candidate : {dir / file, dir / "images" / file})
    if (fs::is_regular_file(candidate, ec)) return candidate;
  throw_invalid_argument("{}: image {} is in neither {} nor {}", where, file, dir.string(),
                         (dir / "images").string());
}

std::vector<LabelledImage> read_entries(const fs::path& dir, size_t limit) {
  const fs::path csv = dir / "Data_Entry_2017.csv";
  std::ifstream in(csv);
  std::string line;
  if (!in || !std::getline(in, line))
    throw_invalid_argument("{}: cannot read the header line", csv.string());
  if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte order mark
  const std::vector<std::string> header = split_csv_line(line, csv.string() + ":1");
  const size_t image_column = column(header, "Image Index", csv.string() + ":1");
  const size_t labels_column = column(header, "Finding Labels", csv.string() + ":1");
  std::vector<LabelledImage> samples;
  for (size_t number = 2; (limit == 0 || samples.size() < limit) && std::getline(in, line);
       ++number) {
    if (line.empty() || line == "\r") continue;
    const std::string where = fmt::format("{}:{}", csv.string(), number);
    const std::vector<std::string> fields = split_csv_line(line, where);
    if (fields.size() <= std::max(image_column, labels_column))
      throw_invalid_argument(
          "{}: {} fields, but the \"Image Index\" and \"Finding Labels\" columns need {}", where,
          fields.size(), std::max(image_column, labels_column) + 1);
    const std::vector<int> findings = parse_findings(fields[labels_column], where);
    samples.push_back({find_image(dir, fields[image_column], where), findings});
  }
  if (in.bad()) throw_invalid_argument("{}: read error", csv.string());
  if (samples.empty()) throw_invalid_argument("{}: no samples", csv.string());
  return samples;
}

}  // namespace

std::unique_ptr<Dataset> open_chestxray14(const fs::path& dir, size_t limit) {
  return make_image_folder("ChestX-ray14 " + dir.string(), kFindings, true,
                           read_entries(dir, limit));
}

}  // namespace zenith::tools
