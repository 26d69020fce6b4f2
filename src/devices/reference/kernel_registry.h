// KernelRegistry: (domain, op_type) -> REF kernel. Filled once from kernels/*.cpp, each of which
// defines `void register_<file stem>(KernelRegistry&)`; CMake generates the list of those
// functions from the file names, so adding a kernel is adding one file.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "devices/reference/kernel_context.h"

namespace zenith::ref {

class KernelRegistry {
 public:
  // Throws Internal if the op already has a kernel.
  void add(std::string op_type, KernelFn fn) { add("", std::move(op_type), fn); }
  void add(std::string domain, std::string op_type, KernelFn fn);

  KernelFn find(const std::string& domain, const std::string& op_type) const;
  std::vector<std::pair<std::string, std::string>> ops() const;  // (domain, op_type), sorted

 private:
  std::map<std::pair<std::string, std::string>, KernelFn> kernels_;
};

// Every REF kernel. Built on first use; thread-safe.
const KernelRegistry& reference_kernels();

}  // namespace zenith::ref
