// Pad in constant mode on the CPU device, for every fixed-size dtype: the output is filled with
// the constant, then the input's window (cropped by negative pads) is copied into it. The other
// modes run on REF.
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
  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || in.size() < 2 || !in[1] || !all_fixed_size(in)) return false;
    // A constant_value REF refuses (another dtype, several elements) is reported by REF.
    const CpuValue* value = in.size() > 2 ? in[2] : nullptr;
    return !value || (value->dtype() == in[0]->dtype() && value->plain.defined() &&
                      value->plain.numel() <= 1);
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    const ref::PadWindow w = ref::pad_window(
        x.dims(), int_values(*in[1], "input 'pads'", stream),
        optional_int_values(in.size() > 3 ? in[3] : nullptr, "input 'axes'", stream),
        ref::PadMode::Constant);
    CpuValue y = allocate_plain(x.dtype(), w.out);
    const size_t elem = ir::dtype_size(x.dtype());
    std::byte* dst = y.plain.raw();
    note_kernel("zenith:pad");

    uint64_t fill = 0;  // the constant's bytes; zero when absent
    if (in.size() > 2 && in[2] && in[2]->plain.numel() == 1)
      std::memcpy(&fill, in[2]->plain.raw(), elem);
    fill_elements(dst, elem, w.out, &fill);

    // The part of the input that lands in the output, and where.
    const ir::Dims in_strides = ir::strides_of(x.dims()), out_strides = ir::strides_of(w.out);
    ir::Dims window(x.dims().size());
    int64_t src_at = 0, dst_at = 0;
    for (size_t a = 0; a < window.size(); ++a) {
      const int64_t skip = std::max<int64_t>(0, -w.begin[a]),
                    lead = std::max<int64_t>(0, w.begin[a]);
      window[a] = std::max<int64_t>(0, std::min(x.dims()[a] - skip, w.out[a] - lead));
      src_at += skip * in_strides[a];
      dst_at += lead * out_strides[a];
    }
    copy_strided(x.raw() + static_cast<size_t>(src_at) * elem,
                 dst + static_cast<size_t>(dst_at) * elem, elem,
                 {window, {out_strides, in_strides}});
    return {std::move(y)};
  }
};

}  // namespace

std::string supports_pad(const ir::Graph& graph, const ir::Node& node) {
  const std::string mode = node.attr<std::string>("mode", "constant");
  if (mode != "constant")
    return fmt::format("mode '{}': the CPU device pads in constant mode only", mode);
  return require_fixed_size(graph, node, 1);
}

std::unique_ptr<CpuOp> build_pad(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<PadOp>();
}

}  // namespace zenith::cpu
