// The REF kernel registry, filled from the generated kernel list.
#include "devices/reference/kernel_registry.h"

#include "ir/errors.h"

namespace zenith::ref {

#define ZENITH_KERNEL(stem) void register_##stem(KernelRegistry&);
#include "reference_kernel_list.inc"
#undef ZENITH_KERNEL

void KernelRegistry::add(std::string domain, std::string op_type, KernelFn fn) {
  auto key = std::make_pair(std::move(domain), std::move(op_type));
  if (kernels_.count(key))
    throw make_error(Error::Kind::Internal, "REF kernel for {}:{} registered twice", key.first,
                     key.second);
  kernels_.emplace(std::move(key), fn);
}

KernelFn KernelRegistry::find(const std::string& domain, const std::string& op_type) const {
  auto it = kernels_.find({domain, op_type});
  return it == kernels_.end() ? nullptr : it->second;
}

std::vector<std::pair<std::string, std::string>> KernelRegistry::ops() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, fn] : kernels_) out.push_back(key);
  return out;
}

const KernelRegistry& reference_kernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
#define ZENITH_KERNEL(stem) register_##stem(r);
#include "reference_kernel_list.inc"
#undef ZENITH_KERNEL
    return r;
  }();
  return registry;
}

}  // namespace zenith::ref
