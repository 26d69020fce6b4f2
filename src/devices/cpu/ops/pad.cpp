// Pad on the CPU device, for every fixed-size dtype. Constant mode fills the output with the
// constant, then copies the input's window (cropped by negative pads) into it; edge, reflect
// and wrap map each output coordinate of an axis to the input coordinate REF's fold gives, so
// an output row is a gather from the input row its outer coordinates select.
#include <algorithm>
#include <cstring>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class PadOp : public CpuOp {
 public:
  explicit PadOp(ref::PadMode mode) : mode_(mode) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || in.size() < 2 || !in[1] || !all_fixed_size(in)) return false;
    // A constant_value REF refuses (another dtype, several elements) is reported by REF.
    const CpuValue* value = in.size() > 2 ? in[2] : nullptr;
    return !value || (value->dtype() == in[0]->dtype() && value->plain.defined() &&
                      value->plain.numel() <= 1);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    const ref::PadWindow w = ref::pad_window(
        x.dims(), int_values(*in[1], "input 'pads'", stream),
        optional_int_values(in.size() > 3 ? in[3] : nullptr, "input 'axes'", stream), mode_);
    CpuValue y = allocate_plain(x.dtype(), w.out);
    note_kernel("zenith:pad");
    if (mode_ != ref::PadMode::Constant) {
      fold(x, w, y.plain);
      return {std::move(y)};
    }
    const size_t elem = ir::dtype_size(x.dtype());
    std::byte* dst = y.plain.raw();
    uint64_t fill = 0;  // the constant's bytes; zero when absent
    if (in.size() > 2 && in[2] && in[2]->plain.numel() == 1)
      std::memcpy(&fill, in[2]->plain.raw(), elem);
    fill_elements(dst, elem, w.out, &fill);

    // The part of the input that lands in the output, and where.
    const ir::Dims in_strides = ir::strides_of(x.dims()), out_strides = ir::strides_of(w.out);
    ir::Dims window(x.dims().size());
    int64_t src_at = 0, dst_at = 0;
    for (size_t a = 0; a < window.size(); ++a) {
      const int64_t skip = std::max<int64_t>(0, -w.begin[a]);
      const int64_t lead = std::max<int64_t>(0, w.begin[a]);
      window[a] = std::max<int64_t>(0, std::min(x.dims()[a] - skip, w.out[a] - lead));
      src_at += skip * in_strides[a];
      dst_at += lead * out_strides[a];
    }
    copy_strided(x.raw() + static_cast<size_t>(src_at) * elem,
                 dst + static_cast<size_t>(dst_at) * elem, elem,
                 {window, {out_strides, in_strides}});
    return {std::move(y)};
  }

 private:
  // Edge, reflect or wrap padding of `x` into `y`.
  void fold(const ir::Tensor& x, const ref::PadWindow& w, ir::Tensor& y) const {
    const size_t rank = w.out.size();
    if (rank == 0) {  // a scalar: nothing to pad
      std::memcpy(y.raw(), x.raw(), ir::dtype_size(x.dtype()));
      return;
    }
    if (y.numel() == 0) return;
    const ir::Dims in_strides = ir::strides_of(x.dims());
    // Per axis, the input offset each output coordinate reads.
    std::vector<std::vector<int64_t>> from(rank);
    for (size_t a = 0; a < rank; ++a)
      for (int64_t c = 0; c < w.out[a]; ++c) {
        int64_t s = c - w.begin[a];
        if (s < 0 || s >= x.dims()[a]) s = ref::pad_fold(s, x.dims()[a], mode_);
        from[a].push_back(s * in_strides[a]);
      }
    const int64_t n = w.out.back();
    const int64_t rows = y.numel() / n;
    visit_element_size(ir::dtype_size(x.dtype()), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = reinterpret_cast<const T*>(x.raw());
      T* out = reinterpret_cast<T*>(y.raw());
      const int64_t* last = from.back().data();
      parallel_for(rows, y.numel() >= kParallelElements, [&](int64_t r) {
        const T* src = in;
        for (int64_t rest = r, a = static_cast<int64_t>(rank) - 2; a >= 0; --a) {
          const auto axis = static_cast<size_t>(a);
          src += from[axis][static_cast<size_t>(rest % w.out[axis])];
          rest /= w.out[axis];
        }
        T* dst = out + r * n;
        for (int64_t j = 0; j < n; ++j) dst[j] = src[last[j]];
      });
    });
  }

  ref::PadMode mode_;
};

}  // namespace

std::string supports_pad(const ir::Graph& graph, const ir::Node& node) {
  try {
    ref::pad_mode(node);
  } catch (const Error& e) {
    return e.what();  // REF reports it when the node runs
  }
  return require_fixed_size(graph, node, 1);
}

std::unique_ptr<CpuOp> build_pad(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<PadOp>(ref::pad_mode(*spec.node));
}

}  // namespace zenith::cpu
