// Add / Sub / Mul / Div with numpy broadcasting on oneDNN, with fused activations. The output
// takes the full-size operand's layout, so residual and scaling steps stay blocked. Integer
// operands take our loop (integer_binary.h), one value per channel our other loop
// (channel_broadcast.h), and broadcasts oneDNN would run with its reference kernel a strided
// loop (broadcast_map.h).
#include <array>

#include "devices/cpu/ops/broadcast_map.h"
#include "devices/cpu/ops/channel_broadcast.h"
#include "devices/cpu/ops/integer_binary.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct BinaryEntry {
  dnnl::binary primitive;
  // oneDNN chose its reference kernel, which visits one element at a time (2.6 does for an
  // operand broadcast along inner axes, like Swin's [1, W, 1, N, N] window mask).
  bool reference = false;
};

// The post-ops of a step our loop computed, as in-place eltwise primitives in turn.
struct PostOpsEntry {
  std::vector<dnnl::eltwise_forward> primitives;
};

// How a step computes for some operand layouts, decided once per layouts (a run reads it).
struct BinaryRoute {
  enum class Kind { PerChannel, PerImage, SameDims, Broadcast };
  Kind kind = Kind::Broadcast;
  bool swap = false;         // the full-size operand is the node's second
  ChannelLayout layout;      // PerChannel: the full operand's
  bool per_image = false;    // PerChannel: the other operand has values per image
  memory::desc image;        // PerImage: one image of the full operand, in its layout
  memory::desc other_plain;  // PerImage, Broadcast: the other's plain bytes, rank of full
};

// `full` as one image ([1, ...] in its layout) when its images lie one after another, else
// nullopt.
std::optional<memory::desc> image_desc(const memory::desc& full) {
  if (full.data.format_kind != dnnl_blocked || full.data.offset0 != 0 || full.data.ndims < 2)
    return std::nullopt;
  memory::desc image = full;
  image.data.dims[0] = image.data.padded_dims[0] = 1;
  const auto images = static_cast<size_t>(full.dims()[0]);
  if (image.get_size() * images != full.get_size() ||
      static_cast<size_t>(image.data.format_desc.blocking.strides[0]) * sizeof(float) !=
          image.get_size())
    return std::nullopt;
  return image;
}

// True if `other`, left-padded with 1s, is one image of `full`: [1, rest of full's dims].
bool is_one_image(const ir::Dims& full, ir::Dims other) {
  if (other.size() > full.size()) return false;
  other.insert(other.begin(), full.size() - other.size(), 1);
  return other[0] == 1 && std::equal(other.begin() + 1, other.end(), full.begin() + 1);
}

class BinaryOp : public CpuOp {
 public:
  explicit BinaryOp(const StepSpec& spec) : spec_(spec) {
    const std::string& op = spec.node->op_type;
    alg_ = op == "Add"   ? dnnl::algorithm::binary_add
           : op == "Sub" ? dnnl::algorithm::binary_sub
           : op == "Mul" ? dnnl::algorithm::binary_mul
                         : dnnl::algorithm::binary_div;
    commutative_ = op == "Add" || op == "Mul";
  }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (integer_operands(in)) return spec_.post_ops.empty();
    // f32 operands; a scalar (rank 0: no oneDNN memory, `x * 0.5`) broadcasts as [1, ..., 1].
    for (const CpuValue* v : in)
      if (!v || v->dtype() != ir::DType::F32 || (!v->mem && !v->plain.dims().empty())) return false;
    // Layouts already routed were accepted (runs ask before every step).
    if (routes_.contains(route_key(in))) return true;
    const ir::Dims a = in[0]->dims(), b = in[1]->dims();
    if (a.size() < b.size() && !commutative_) return false;
    ir::Dims out;
    try {
      out = ir::broadcast_dims(a, b);
    } catch (const Error&) {
      return false;  // REF reports the mismatch with the node's context
    }
    return !out.empty() && (a == out || (commutative_ && b == out));
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    if (integer_operands(in)) return {integer_binary(alg_, in, stream)};
    const auto route = routes_.get(route_key(in), [&] { return plan(in); });
    const CpuValue& full = *in[route->swap ? 1 : 0];
    const CpuValue& other = *in[route->swap ? 0 : 1];
    ir::Tensor keep;
    memory src1;
    CpuValue same_layout;
    switch (route->kind) {
      case BinaryRoute::Kind::PerChannel:
        return {per_channel(full, other, *route, stream)};
      case BinaryRoute::Kind::PerImage:
        return {per_image(full, other, *route, stream)};
      case BinaryRoute::Kind::SameDims:
        same_layout = to_layout(other, full.desc(), stream);  // oneDNN's fast paths want one layout
        src1 = same_layout.mem;
        break;
      case BinaryRoute::Kind::Broadcast:
        src1 = plain_as(other, route->other_plain, stream, keep);
        break;
    }
    auto entry = binary_for(full.desc(), src1.get_desc());
    if (entry->reference) return {strided(full, other, stream)};
    // Over `full` where nothing reads it after this step (a gradient sum in training, say).
    CpuValue dst = full.donated ? full : allocate(full.desc());
    dst.donated = false;
    execute(entry->primitive, stream,
            {{DNNL_ARG_SRC_0, full.mem}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst.mem}});
    return {std::move(dst)};
  }

 private:
  // The operands' layouts; a scalar has no oneDNN memory, and its empty desc stands for rank 0.
  static std::array<memory::desc, 2> route_key(const std::vector<const CpuValue*>& in) {
    return {in[0]->mem ? in[0]->desc() : memory::desc(),
            in[1]->mem ? in[1]->desc() : memory::desc()};
  }

  BinaryRoute plan(const std::vector<const CpuValue*>& in) const {
    BinaryRoute route;
    route.swap = in[0]->dims() != ir::broadcast_dims(in[0]->dims(), in[1]->dims());
    const CpuValue& full = *in[route.swap ? 1 : 0];
    const CpuValue& other = *in[route.swap ? 0 : 1];
    const ir::Dims full_dims = full.dims();
    ir::Dims other_dims = other.dims();
    if (broadcasts_over_pixels(full_dims, other_dims))
      if (const auto layout = channel_layout(full.desc())) {
        route.kind = BinaryRoute::Kind::PerChannel;
        route.layout = *layout;
        route.per_image = ir::checked_numel(other_dims) != layout->channels;
        return route;
      }
    if (other_dims == full_dims) {
      route.kind = BinaryRoute::Kind::SameDims;
      return route;
    }
    other_dims.insert(other_dims.begin(), full_dims.size() - other_dims.size(), 1);
    route.other_plain = plain_desc(other_dims);
    // oneDNN 2.6 adds a plain [1, C, H, W] to a blocked [N, C, H, W] with its reference kernel:
    // image by image in one layout instead. Not for a plain `full`, where oneDNN broadcasts
    // itself: a row at a time, SSD's [3234, 2] box sizes times [2] took 3234 runs, 19 ms.
    if (is_one_image(full_dims, other_dims) && full.desc() != plain_desc(full_dims))
      if (const auto image = image_desc(full.desc())) {
        route.kind = BinaryRoute::Kind::PerImage;
        route.image = *image;
      }
    return route;
  }

  std::shared_ptr<const BinaryEntry> binary_for(const memory::desc& src0,
                                                const memory::desc& src1) const {
    return cache_.get({src0, src1}, [&] {
      dnnl::primitive_attr attr;
      attr.set_post_ops(make_post_ops(spec_.post_ops));
      const dnnl::binary::desc desc(alg_, src0, src1, src0);
      const dnnl::binary::primitive_desc pd(desc, with_user_scratchpad(attr), engine());
      return BinaryEntry{dnnl::binary(pd), is_reference(pd)};
    });
  }

  // full `op` other in plain layouts, `other` broadcast. When `full` is the node's second
  // operand the op is Add or Mul, which commute.
  CpuValue strided(const CpuValue& full, const CpuValue& other, dnnl::stream& stream) const {
    const ir::Tensor a = to_plain(full, stream), b = to_plain(other, stream);
    CpuValue dst = allocate_plain(ir::DType::F32, full.dims());
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* out = dst.plain.data<float>();
    const auto map = [&](auto f) { map_broadcast(pa, a.dims(), pb, b.dims(), out, full.dims(), f); };
    note_kernel("zenith:broadcast_binary");
    switch (alg_) {
      case dnnl::algorithm::binary_add:
        map([](float x, float z) { return x + z; });
        break;
      case dnnl::algorithm::binary_sub:
        map([](float x, float z) { return x - z; });
        break;
      case dnnl::algorithm::binary_mul:
        map([](float x, float z) { return x * z; });
        break;
      default:
        map([](float x, float z) { return x / z; });
    }
    return with_post_ops(std::move(dst), stream);
  }

  // Runs the step's post-ops on `dst` in place, after a loop of ours computed it.
  CpuValue with_post_ops(CpuValue dst, dnnl::stream& stream) const {
    if (spec_.post_ops.empty()) return dst;
    auto entry = post_ops_cache_.get(
        {dst.desc()}, [&] { return PostOpsEntry{in_place_eltwises(spec_.post_ops, dst.desc())}; });
    run_in_place(entry->primitives, dst.mem, stream);
    return dst;
  }

  CpuValue per_image(const CpuValue& full, const CpuValue& other, const BinaryRoute& route,
                     dnnl::stream& stream) const {
    ir::Tensor keep;
    const auto [operand, buffer] = allocate_memory(route.image);
    reorder(plain_as(other, route.other_plain, stream, keep), operand, stream);
    auto entry = binary_for(route.image, route.image);
    CpuValue dst = allocate(full.desc());
    auto* in = static_cast<std::byte*>(full.mem.get_data_handle());
    auto* out = static_cast<std::byte*>(dst.mem.get_data_handle());
    const size_t bytes = route.image.get_size();
    for (int64_t n = 0; n < full.dim(0); ++n)
      execute(entry->primitive, stream,
              {{DNNL_ARG_SRC_0, run_view(route.image, in + n * bytes)},
               {DNNL_ARG_SRC_1, operand},
               {DNNL_ARG_DST, run_view(route.image, out + n * bytes)}});
    return dst;
  }

  CpuValue per_channel(const CpuValue& full, const CpuValue& other, const BinaryRoute& route,
                       dnnl::stream& stream) const {
    ir::Tensor keep;
    const memory values = plain_view(other, stream, keep);
    CpuValue dst = allocate(full.desc());
    channel_broadcast(alg_, route.layout, static_cast<const float*>(full.mem.get_data_handle()),
                      static_cast<const float*>(values.get_data_handle()), route.per_image,
                      static_cast<float*>(dst.mem.get_data_handle()));
    return with_post_ops(std::move(dst), stream);
  }

  StepSpec spec_;
  dnnl::algorithm alg_;
  bool commutative_;
  PrimitiveCache<BinaryEntry> cache_;
  PrimitiveCache<PostOpsEntry> post_ops_cache_;
  PrimitiveCache<BinaryRoute> routes_;
};

}  // namespace

std::string supports_binary(const ir::Graph& graph, const ir::Node& node) {
  return declared_integer_operands(graph, node) ? "" : require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_binary(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<BinaryOp>(spec);
}

}  // namespace zenith::cpu
