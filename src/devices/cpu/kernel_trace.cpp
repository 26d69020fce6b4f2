// The per-thread kernel trace behind the step profile.
#include "devices/cpu/kernel_trace.h"

namespace zenith::cpu {
namespace {

thread_local KernelTrace* current = nullptr;

}  // namespace

KernelTrace::KernelTrace() : outer_(current) { current = this; }

KernelTrace::~KernelTrace() { current = outer_; }

std::string KernelTrace::take() {
  std::string out;
  out.swap(kernels_);
  return out;
}

void note_kernel(std::string_view name) {
  if (!current) return;
  if (!current->kernels_.empty()) current->kernels_ += " + ";
  current->kernels_ += name;
}

void execute(const dnnl::primitive& primitive, dnnl::stream& stream,
             const std::unordered_map<int, dnnl::memory>& args) {
  primitive.execute(stream, args);
  if (!current) return;
  const char* impl = nullptr;
  if (dnnl_primitive_desc_query(primitive.get_primitive_desc(), dnnl_query_impl_info_str, 0, &impl) ==
          dnnl_success &&
      impl)
    note_kernel(impl);
}

void reorder(const dnnl::memory& from, const dnnl::memory& to, dnnl::stream& stream) {
  execute(dnnl::reorder(from, to), stream, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

}  // namespace zenith::cpu
