// StringNormalizer (opset 10): removes stopwords and changes case of a [C] or [1, C] string
// tensor. Case mapping is ASCII-only, which leaves multi-byte UTF-8 sequences intact.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

void string_normalizer(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const std::string action = ctx.attr<std::string>("case_change_action", "NONE");
  const bool case_sensitive = ctx.attr<int64_t>("is_case_sensitive", 0) != 0;
  const std::string locale = ctx.attr<std::string>("locale", "");
  const auto stopwords = ctx.attr<std::vector<std::string>>("stopwords", {});
  if (action != "NONE" && action != "LOWER" && action != "UPPER")
    throw_invalid_model("attribute case_change_action is '{}', expected NONE, LOWER or UPPER",
                        action);
  // Other locales (Turkish dotted i, German sharp s) map case differently than ASCII does.
  if (!locale.empty() && locale != "C" && locale != "POSIX" && locale.rfind("en", 0) != 0)
    throw_unsupported("attribute locale '{}' is not supported; use en_US (or leave it empty)",
                      locale);
  if (x.dtype() != ir::DType::String)
    throw_invalid_argument("input 0 has dtype {}, expected string", ir::dtype_name(x.dtype()));
  const bool row = x.rank() == 2;
  if (x.rank() != 1 && !(row && x.dims()[0] == 1))
    throw_invalid_argument("input 0 has shape {}, expected [C] or [1, C]", ir::to_string(x.dims()));

  std::set<std::string> stop;
  for (const std::string& w : stopwords) stop.insert(case_sensitive ? w : ascii_lower(w));
  std::vector<std::string> kept;
  const std::string* in = x.data<std::string>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (stop.count(case_sensitive ? in[i] : ascii_lower(in[i]))) continue;
    if (action == "LOWER")
      kept.push_back(ascii_lower(in[i]));
    else if (action == "UPPER")
      kept.push_back(ascii_upper(in[i]));
    else
      kept.push_back(in[i]);
  }
  // When every string is a stopword, ONNX outputs one empty string rather than an empty tensor.
  if (kept.empty()) kept.emplace_back();
  const int64_t count = static_cast<int64_t>(kept.size());
  ir::Tensor& y =
      ctx.allocate_output(0, ir::DType::String, row ? ir::Dims{1, count} : ir::Dims{count});
  std::move(kept.begin(), kept.end(), y.data<std::string>());
}

}  // namespace

void register_string_normalizer(KernelRegistry& registry) {
  registry.add("StringNormalizer", &string_normalizer);
}

}  // namespace zenith::ref
