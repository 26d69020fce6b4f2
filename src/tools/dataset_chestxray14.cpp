// ChestX-ray14 (NIH): images and Data_Entry_2017.csv, whose "Finding Labels" column lists each
// image's findings separated by '|', or "No Finding"; whole, or one part of a patient-wise split.
#include <algorithm>
#include <fstream>

#include "ir/errors.h"
#include "tools/csv.h"
#include "tools/dataset_formats.h"
#include "tools/group_split.h"

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

struct Entry {
  LabelledImage sample;
  std::string patient;  // empty unless asked for
};

// The first `limit` entries (0: all); with `patients`, each entry's "Patient ID" too.
std::vector<Entry> read_entries(const fs::path& dir, size_t limit, bool patients) {
  const fs::path csv = dir / "Data_Entry_2017.csv";
  std::ifstream in(csv);
  std::string line;
  if (!in || !std::getline(in, line))
    throw_invalid_argument("{}: cannot read the header line", csv.string());
  if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte order mark
  const std::vector<std::string> header = split_csv_line(line, csv.string() + ":1");
  const size_t image_column = column(header, "Image Index", csv.string() + ":1");
  const size_t labels_column = column(header, "Finding Labels", csv.string() + ":1");
  const size_t patient_column =
      patients ? column(header, "Patient ID", csv.string() + ":1") : image_column;
  const size_t needed = std::max({image_column, labels_column, patient_column}) + 1;
  std::vector<Entry> entries;
  for (size_t number = 2; (limit == 0 || entries.size() < limit) && std::getline(in, line);
       ++number) {
    if (line.empty() || line == "\r") continue;
    const std::string where = fmt::format("{}:{}", csv.string(), number);
    const std::vector<std::string> fields = split_csv_line(line, where);
    if (fields.size() < needed)
      throw_invalid_argument(
          "{}: {} fields, but the \"Image Index\"{} \"Finding Labels\"{} columns "
          "need {}",
          where, fields.size(), patients ? "," : " and", patients ? " and \"Patient ID\"" : "",
          needed);
    const std::vector<int> findings = parse_findings(fields[labels_column], where);
    if (patients && fields[patient_column].empty())
      throw_invalid_argument("{}: the \"Patient ID\" field is empty", where);
    entries.push_back({{find_image(dir, fields[image_column], where), findings},
                       patients ? fields[patient_column] : std::string()});
  }
  if (in.bad()) throw_invalid_argument("{}: read error", csv.string());
  if (entries.empty()) throw_invalid_argument("{}: no samples", csv.string());
  return entries;
}

std::vector<LabelledImage> samples_of(std::vector<Entry> entries) {
  std::vector<LabelledImage> samples;
  for (Entry& entry : entries) samples.push_back(std::move(entry.sample));
  return samples;
}

}  // namespace

std::unique_ptr<Dataset> open_chestxray14(const fs::path& dir, size_t limit) {
  return make_image_folder("ChestX-ray14 " + dir.string(), kFindings, true,
                           samples_of(read_entries(dir, limit, false)));
}

std::unique_ptr<Dataset> open_chestxray14_split(const fs::path& dir, const std::string& part,
                                                uint64_t seed, size_t limit) {
  const std::vector<std::string> parts = {"train", "val", "test"};
  const auto wanted = std::find(parts.begin(), parts.end(), part);
  if (wanted == parts.end())
    throw_invalid_argument("chestxray14:{}:{}: unknown part '{}'; expected train, val or test",
                           dir.string(), part, part);
  std::vector<Entry> entries = read_entries(dir, 0, true);
  std::vector<std::string> patients;
  for (const Entry& entry : entries) patients.push_back(entry.patient);
  // CheXNet's 70 / 10 / 20 by patients.
  const std::vector<size_t> part_of = group_split(patients, {0.7, 0.1, 0.2}, seed);
  std::vector<LabelledImage> samples;
  for (size_t i = 0; i < entries.size() && (limit == 0 || samples.size() < limit); ++i)
    if (part_of[i] == static_cast<size_t>(wanted - parts.begin()))
      samples.push_back(std::move(entries[i].sample));
  if (samples.empty())
    throw_invalid_argument("{}: the {} part of the split with seed {} is empty (too few patients)",
                           (dir / "Data_Entry_2017.csv").string(), part, seed);
  return make_image_folder(
      fmt::format("ChestX-ray14 {} ({} split, seed {})", dir.string(), part, seed), kFindings, true,
      std::move(samples));
}

}  // namespace zenith::tools
