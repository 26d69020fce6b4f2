// Einsum: any number of operands, explicit or implicit output, repeated labels (diagonals) and
// broadcast ellipsis dims; evaluated as one sum over the full label space.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <type_traits>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

// Ellipsis dims get labels kEllipsis + i (i counts the broadcast ellipsis dims from the left),
// above every letter.
constexpr int kEllipsis = 256;
// More label combinations than this would keep the REF device busy for minutes.
constexpr int64_t kMaxIterations = int64_t{1} << 32;

struct Term {
  std::vector<int> labels;  // letters as chars; -1 marks the ellipsis before expansion
};

Term parse_term(const std::string& text, const std::string& equation) {
  Term term;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '.') {
      if (text.compare(i, 3, "...") != 0 ||
          std::count(term.labels.begin(), term.labels.end(), -1) != 0)
        throw_invalid_model("equation '{}': '.' must form a single '...' per term", equation);
      term.labels.push_back(-1);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(ch))) {
      term.labels.push_back(ch);
    } else {
      throw_invalid_model("equation '{}' has unexpected character '{}'", equation, ch);
    }
  }
  return term;
}

void einsum(KernelContext& ctx) {
  const std::string raw = ctx.attr<std::string>("equation");
  std::string eq;
  for (char ch : raw)
    if (ch != ' ') eq.push_back(ch);
  const size_t arrow = eq.find("->");
  std::vector<Term> terms;
  for (size_t start = 0, lhs_end = std::min(arrow, eq.size());;) {
    const size_t comma = std::min(eq.find(',', start), lhs_end);
    terms.push_back(parse_term(eq.substr(start, comma - start), raw));
    if (comma >= lhs_end) break;
    start = comma + 1;
  }
  if (terms.size() != ctx.num_inputs())
    throw_invalid_model("equation '{}' has {} operands but the node has {} inputs", raw,
                        terms.size(), ctx.num_inputs());

  // Expand ellipses (right-aligned, numpy broadcasting) and collect each label's size.
  size_t ellipsis_rank = 0;
  for (size_t t = 0; t < terms.size(); ++t) {
    const int64_t letters =
        std::count_if(terms[t].labels.begin(), terms[t].labels.end(), [](int l) { return l >= 0; });
    const bool has_ellipsis = letters != static_cast<int64_t>(terms[t].labels.size());
    const int64_t rank = ctx.input(t).rank();
    if (rank < letters || (!has_ellipsis && rank != letters))
      throw_invalid_argument("input {} has rank {} but its term has {} labels{}", t, rank, letters,
                             has_ellipsis ? " and an ellipsis" : "");
    if (has_ellipsis) ellipsis_rank = std::max(ellipsis_rank, static_cast<size_t>(rank - letters));
  }
  std::map<int, int64_t> size_of;
  std::map<int, int> count_of;
  for (size_t t = 0; t < terms.size(); ++t) {
    const ir::Tensor& x = ctx.input(t);
    require_same_dtype(x, fmt::format("input {}", t), ctx.input(0), "input 0");
    std::vector<int> expanded;
    const size_t dims_in_ellipsis = static_cast<size_t>(x.rank()) + 1 - terms[t].labels.size();
    for (int l : terms[t].labels) {
      if (l >= 0) {
        expanded.push_back(l);
        continue;
      }
      for (size_t i = 0; i < dims_in_ellipsis; ++i)
        expanded.push_back(kEllipsis + static_cast<int>(ellipsis_rank - dims_in_ellipsis + i));
    }
    terms[t].labels = expanded;
    for (size_t axis = 0; axis < expanded.size(); ++axis) {
      const int l = expanded[axis];
      const int64_t d = x.dims()[axis];
      ++count_of[l];
      auto [it, fresh] = size_of.emplace(l, d);
      if (!fresh && it->second != d) {
        if (l >= kEllipsis && (d == 1 || it->second == 1)) {
          it->second = std::max(it->second, d);
        } else {
          throw_invalid_argument("label '{}' has size {} in input {} but {} elsewhere",
                                 l >= kEllipsis ? std::string("...") : std::string(1, char(l)), d,
                                 t, it->second);
        }
      }
    }
  }

  std::vector<int> out_labels;
  if (arrow != std::string::npos) {
    Term out = parse_term(eq.substr(arrow + 2), raw);
    for (int l : out.labels) {
      if (l < 0) {
        for (size_t i = 0; i < ellipsis_rank; ++i)
          out_labels.push_back(kEllipsis + static_cast<int>(i));
      } else if (!size_of.count(l) || std::count(out_labels.begin(), out_labels.end(), l) != 0) {
        throw_invalid_model("equation '{}': output label '{}' is repeated or not in any input", raw,
                            char(l));
      } else {
        out_labels.push_back(l);
      }
    }
  } else {
    // Implicit output: the ellipsis dims, then the letters used once, alphabetically.
    for (size_t i = 0; i < ellipsis_rank; ++i)
      out_labels.push_back(kEllipsis + static_cast<int>(i));
    for (const auto& [l, n] : count_of)
      if (l < kEllipsis && n == 1) out_labels.push_back(l);
  }

  // All labels, output ones first; strides of each operand and of the output per label.
  std::vector<int> labels = out_labels;
  for (const auto& [l, n] : size_of)
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
  ir::Dims label_dims, out_dims;
  for (int l : labels) label_dims.push_back(size_of[l]);
  for (int l : out_labels) out_dims.push_back(size_of[l]);
  const int64_t total = ir::checked_numel(label_dims, "einsum label space");
  if (total > kMaxIterations)
    throw_unsupported(
        "einsum '{}' spans {} label combinations, more than the REF device's "
        "limit of {}",
        raw, total, kMaxIterations);
  std::vector<ir::Dims> strides(terms.size() + 1, ir::Dims(labels.size(), 0));
  auto add_strides = [&](ir::Dims& s, const std::vector<int>& term_labels, const ir::Dims& dims) {
    const ir::Dims own = ir::strides_of(dims);
    for (size_t axis = 0; axis < term_labels.size(); ++axis) {
      const size_t pos =
          std::find(labels.begin(), labels.end(), term_labels[axis]) - labels.begin();
      if (dims[axis] != 1 || size_of[term_labels[axis]] == 1) s[pos] += own[axis];
    }
  };
  for (size_t t = 0; t < terms.size(); ++t)
    add_strides(strides[t], terms[t].labels, ctx.input(t).dims());
  add_strides(strides.back(), out_labels, out_dims);

  ir::Tensor& y = ctx.allocate_output(0, ctx.input(0).dtype(), out_dims);
  ir::visit_numeric(y.dtype(), "Einsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
    std::vector<std::vector<Acc>> inputs;
    for (size_t t = 0; t < terms.size(); ++t) inputs.push_back(load_as<Acc>(ctx.input(t), "input"));
    std::vector<Acc> out(static_cast<size_t>(y.numel()), Acc(0));
    ir::Dims index(labels.size(), 0);
    for (int64_t i = 0; i < total; ++i) {
      Acc product = Acc(1);
      for (size_t t = 0; t < inputs.size(); ++t) {
        int64_t offset = 0;
        for (size_t l = 0; l < labels.size(); ++l) offset += index[l] * strides[t][l];
        product *= inputs[t][static_cast<size_t>(offset)];
      }
      int64_t offset = 0;
      for (size_t l = 0; l < labels.size(); ++l) offset += index[l] * strides.back()[l];
      out[static_cast<size_t>(offset)] += product;
      for (size_t l = labels.size(); l-- > 0;) {
        if (++index[l] < label_dims[l]) break;
        index[l] = 0;
      }
    }
    store_as(out.data(), y);
  });
}

}  // namespace

void register_einsum(KernelRegistry& registry) { registry.add("Einsum", &einsum); }

}  // namespace zenith::ref
