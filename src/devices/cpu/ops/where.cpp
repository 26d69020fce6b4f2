// Where on the CPU device, for every fixed-size dtype: condition ? X : Y with all three
// broadcast together, elements selected as unsigned integers of their size.
#include <type_traits>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"

namespace zenith::cpu {
namespace {

class WhereOp : public CpuOp {
 public:
  bool accepts(const std::vector<const CpuValue*>& in) const override {
    // A non-bool condition or X and Y of different dtypes: REF reports it.
    return in.size() == 3 && in[0] && in[1] && in[2] && in[0]->dtype() == ir::DType::Bool &&
           in[1]->dtype() == in[2]->dtype() && all_fixed_size(in);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor c = to_plain(*in[0], stream);
    const ir::Tensor x = to_plain(*in[1], stream);
    const ir::Tensor y = to_plain(*in[2], stream);
    const ir::Dims dims = ir::broadcast_dims(c.dims(), ir::broadcast_dims(x.dims(), y.dims()));
    CpuValue out = allocate_plain(x.dtype(), dims);
    const StridedLoop<4> loop{
        dims,
        {ir::strides_of(dims), broadcast_strides(c.dims(), dims), broadcast_strides(x.dims(), dims),
         broadcast_strides(y.dims(), dims)}};
    note_kernel("zenith:where");
    visit_element_size(ir::dtype_size(x.dtype()), [&](auto tag) {
      using T = typename decltype(tag)::type;
      // The condition read as bytes: GCC does not vectorize loads of bool.
      const auto* pc = reinterpret_cast<const uint8_t*>(c.data<bool>());
      const T* px = reinterpret_cast<const T*>(x.raw());
      const T* py = reinterpret_cast<const T*>(y.raw());
      T* po = reinterpret_cast<T*>(out.plain.raw());
      for_each_row(loop, [&](const std::array<int64_t, 4>& at, int64_t n,
                             const std::array<int64_t, 4>& inner) {
        const uint8_t* rc = pc + at[1];
        const T* rx = px + at[2];
        const T* ry = py + at[3];
        T* ro = po + at[0];
        // Both values are loaded before the choice, so the loop has no conditional loads and
        // vectorizes as a blend; the usual stride patterns get compile-time strides.
        auto select = [&](auto sc, auto sx, auto sy) {
          for (int64_t i = 0; i < n; ++i) {
            const T a = rx[i * sx], b = ry[i * sy];
            ro[i] = rc[i * sc] ? a : b;
          }
        };
        using One = std::integral_constant<int64_t, 1>;
        using Zero = std::integral_constant<int64_t, 0>;
        if (inner[1] == 1 && inner[2] == 1 && inner[3] == 1)
          select(One{}, One{}, One{});
        else if (inner[1] == 1 && inner[2] == 1 && inner[3] == 0)  // a masked fill
          select(One{}, One{}, Zero{});
        else if (inner[1] == 1 && inner[2] == 0 && inner[3] == 1)
          select(One{}, Zero{}, One{});
        else
          select(inner[1], inner[2], inner[3]);
      });
    });
    return {std::move(out)};
  }
};

}  // namespace

std::string supports_where(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_where(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<WhereOp>();
}

}  // namespace zenith::cpu
