// ProfileTotals: sums of profiled plan steps, printed per training step.
#include "train/profile_totals.h"

#include <fmt/format.h>

#include <algorithm>

namespace zenith::train {
namespace {

template <typename Key, typename Total>
std::vector<std::pair<Key, Total>> slowest_first(const std::map<Key, Total>& totals) {
  std::vector<std::pair<Key, Total>> rows(totals.begin(), totals.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  return rows;
}

}  // namespace

void ProfileTotals::add(const std::vector<runtime::StepProfile>& steps) {
  for (const runtime::StepProfile& s : steps) {
    Total& op = by_op_[{s.op, s.device}];
    op.ms += s.ms;
    ++op.count;
    op.implementation = s.implementation;
    Total& node = by_node_[fmt::format("{} ({}, {})", s.node, s.op, s.device)];
    node.ms += s.ms;
    ++node.count;
    node.implementation = s.implementation;
  }
  ++steps_;
}

void ProfileTotals::print(std::ostream& out, size_t top) const {
  if (steps_ == 0) return;
  const auto per_step = static_cast<double>(steps_);
  double total = 0;
  for (const auto& [key, t] : by_op_) total += t.ms;
  out << fmt::format("profile over {} steps: {:.1f} ms per step in plan steps\n", steps_,
                     total / per_step);
  out << fmt::format("{:<28} {:<6} {:>10} {:>7} {:>6}  {}\n", "op", "device", "ms/step", "share",
                     "nodes", "kernels (last)");
  for (const auto& [key, t] : slowest_first(by_op_))
    out << fmt::format("{:<28} {:<6} {:>10.2f} {:>6.1f}% {:>6}  {}\n", key.first, key.second,
                       t.ms / per_step, 100 * t.ms / total, t.count / steps_, t.implementation);
  out << fmt::format("the {} slowest nodes:\n", top);
  const auto nodes = slowest_first(by_node_);
  for (size_t i = 0; i < nodes.size() && i < top; ++i)
    out << fmt::format("  {:>8.2f} ms {:>5.1f}%  {}  {}\n", nodes[i].second.ms / per_step,
                       100 * nodes[i].second.ms / total, nodes[i].first,
                       nodes[i].second.implementation);
}

}  // namespace zenith::train
