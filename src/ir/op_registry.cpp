// The op registry, built from op_list.inc.
#include "ir/op_registry.h"

#include <algorithm>
#include <array>

namespace zenith::ir {
namespace {

constexpr std::array kOps = {
#define ZENITH_OP(domain, op_type, version) OpSchema{domain, op_type, version},
#include "ir/op_list.inc"
#undef ZENITH_OP
};

bool less(const OpSchema& a, const OpSchema& b) {
  return a.domain != b.domain ? a.domain < b.domain : a.op_type < b.op_type;
}

}  // namespace

const OpSchema* find_op(std::string_view domain, std::string_view op_type) {
  const OpSchema key{domain, op_type, 0};
  auto it = std::lower_bound(kOps.begin(), kOps.end(), key, less);
  if (it == kOps.end() || it->domain != domain || it->op_type != op_type) return nullptr;
  return &*it;
}

std::span<const OpSchema> all_ops() { return kOps; }

}  // namespace zenith::ir
