// Dtype checks and messages shared by the REF elementwise kernels.
#include "devices/reference/elementwise_util.h"

#include <vector>

namespace zenith::ref {
namespace {

unsigned dtype_class(ir::DType dtype) {
  if (dtype == ir::DType::Undefined) return 0;
  return ir::visit_dtype(dtype,
                         [](auto tag) { return dtype_class_of<typename decltype(tag)::type>(); });
}

std::string describe_classes(unsigned classes) {
  static constexpr std::pair<unsigned, std::string_view> kNames[] = {
      {kFloat, "floating point"},
      {kSignedInt, "signed integer"},
      {kUnsignedInt, "unsigned integer"},
      {kBool, "bool"},
      {kString, "string"}};
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames)
    if (classes & bit) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string input_name(const KernelContext& ctx, size_t i) {
  const auto& inputs = ctx.node().inputs;
  return fmt::format("input {} ('{}')", i, i < inputs.size() ? inputs[i] : "");
}

void check_dtype_class(const ir::Tensor& t, std::string_view what, unsigned classes) {
  if ((dtype_class(t.dtype()) & classes) == 0)
    throw_invalid_argument("{} has dtype {}; this op accepts {} types", what,
                           ir::dtype_name(t.dtype()), describe_classes(classes));
}

void check_same_dtype(const KernelContext& ctx, size_t i, size_t j) {
  const ir::Tensor& a = ctx.input(i);
  const ir::Tensor& b = ctx.input(j);
  if (a.dtype() != b.dtype())
    throw_invalid_argument("{} has dtype {} but {} has dtype {}; they must match",
                           input_name(ctx, j), ir::dtype_name(b.dtype()), input_name(ctx, i),
                           ir::dtype_name(a.dtype()));
}

}  // namespace zenith::ref
