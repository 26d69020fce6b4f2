// The per-thread kernel trace behind the step profile.
#include "devices/cpu/kernel_trace.h"

#include <omp.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "devices/cpu/cpu_value.h"

namespace zenith::cpu {
namespace {

thread_local KernelTrace* current = nullptr;
thread_local int onednn_depth = 0;
thread_local uint64_t onednn_count = 0;

// Marks the calling thread as inside oneDNN for its lifetime.
struct InsideOnednn {
  InsideOnednn() {
    ++onednn_depth;
    ++onednn_count;
  }
  ~InsideOnednn() { --onednn_depth; }
  InsideOnednn(const InsideOnednn&) = delete;
  InsideOnednn& operator=(const InsideOnednn&) = delete;
};

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

bool inside_onednn_execute() { return onednn_depth > 0; }

uint64_t onednn_executes() { return onednn_count; }

dnnl::primitive_attr with_user_scratchpad(dnnl::primitive_attr attr) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory& ExecArgs::operator[](int id) {
  for (size_t i = 0; i < count_; ++i)
    if (at(i).first == id) return at(i).second;
  if (count_ >= kInline) spilled_.emplace_back();
  at(count_) = {id, dnnl::memory()};
  return at(count_++).second;
}

void execute(const dnnl::primitive& primitive, dnnl::stream& stream, const ExecArgs& args) {
  const_dnnl_primitive_desc_t pd = primitive.get_primitive_desc();
  const dnnl_memory_desc_t* scratchpad =
      dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  std::pair<dnnl::memory, std::shared_ptr<void>> scratch;
  if (scratchpad && dnnl_memory_desc_get_size(scratchpad) > 0)
    scratch = allocate_memory(dnnl::memory::desc(*scratchpad));
  // oneDNN's C API: its C++ execute() copies the arguments into a vector first.
  std::array<dnnl_exec_arg_t, ExecArgs::kInline + 1> inline_args;
  std::vector<dnnl_exec_arg_t> many;
  dnnl_exec_arg_t* c_args = inline_args.data();
  if (args.size() >= inline_args.size()) {
    many.resize(args.size() + 1);
    c_args = many.data();
  }
  int n = 0;
  for (size_t i = 0; i < args.size(); ++i)
    if (args.memory(i)) c_args[n++] = {args.id(i), args.memory(i).get()};
  if (scratch.first) c_args[n++] = {DNNL_ARG_SCRATCHPAD, scratch.first.get()};
  dnnl_status_t status;
  {
    const InsideOnednn inside;
    status = dnnl_primitive_execute(primitive.get(), stream.get(), n, c_args);
  }
  dnnl::error::wrap_c_api(status, "could not execute a primitive");
  if (!current) return;
  const char* impl = nullptr;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
    note_kernel(impl);
}

namespace {

// Reorder primitives by their two layouts and the thread count, shared by all runs: creating
// one allocates (and takes microseconds), and runs reorder between the same layouts every time.
class ReorderCache {
 public:
  std::shared_ptr<const dnnl::reorder> get(const dnnl::memory::desc& from,
                                           const dnnl::memory::desc& to) {
    const int threads = omp_get_max_threads();
    const size_t key = hash(from) * 31 + hash(to) * 7 + static_cast<size_t>(threads);
    std::lock_guard<std::mutex> lock(mutex_);
    auto [first, last] = entries_.equal_range(key);
    for (auto it = first; it != last; ++it)
      if (it->second.threads == threads && it->second.from == from && it->second.to == to)
        return it->second.primitive;
    // A bound, for processes that see ever new shapes; a run after the clear builds again.
    if (entries_.size() >= kMaxEntries) entries_.clear();
    auto primitive = std::make_shared<const dnnl::reorder>(
        dnnl::reorder::primitive_desc(engine(), from, engine(), to, with_user_scratchpad()));
    entries_.emplace(key, Entry{threads, from, to, primitive});
    return primitive;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    int threads;
    dnnl::memory::desc from, to;
    std::shared_ptr<const dnnl::reorder> primitive;
  };
  // Of the fields that tell layouts apart; equal descs hash alike.
  static size_t hash(const dnnl::memory::desc& desc) {
    const dnnl_memory_desc_t& md = desc.data;
    size_t h = static_cast<size_t>(md.ndims) * 131 + static_cast<size_t>(md.data_type);
    for (int i = 0; i < md.ndims; ++i) h = h * 1000003 + static_cast<size_t>(md.dims[i]);
    return h * 31 + static_cast<size_t>(md.format_kind);
  }

  std::mutex mutex_;
  std::unordered_multimap<size_t, Entry> entries_;
};

}  // namespace

void reorder(const dnnl::memory& from, const dnnl::memory& to, dnnl::stream& stream) {
  static ReorderCache cache;
  execute(*cache.get(from.get_desc(), to.get_desc()), stream,
          {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

}  // namespace zenith::cpu
