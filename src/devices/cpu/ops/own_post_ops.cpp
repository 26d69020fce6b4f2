// own_post_ops: oneDNN's post-op list in the form the own convolution kernels apply.
#include "devices/cpu/ops/own_post_ops.h"

namespace zenith::cpu {

std::optional<std::vector<OwnPostOp>> own_post_ops(const std::vector<PostOp>& ops) {
  std::vector<OwnPostOp> out;
  for (const PostOp& op : ops) {
    using K = OwnPostOp::Kind;
    const dnnl::algorithm alg = op.eltwise.alg;
    if (op.kind == PostOp::Kind::Sum && op.dtype == ir::DType::Undefined)
      out.push_back({K::Sum, op.scale});
    else if (op.kind == PostOp::Kind::Eltwise && alg == dnnl::algorithm::eltwise_relu)
      out.push_back({K::Relu, op.eltwise.alpha});
    else if (op.kind == PostOp::Kind::Eltwise &&
             (alg == dnnl::algorithm::eltwise_clip || alg == dnnl::algorithm::eltwise_clip_v2))
      out.push_back({K::Clip, op.eltwise.alpha, op.eltwise.beta});
    else if (op.kind == PostOp::Kind::Eltwise && alg == dnnl::algorithm::eltwise_swish)
      out.push_back({K::Swish, op.eltwise.alpha});
    else if (op.kind == PostOp::Kind::Eltwise && alg == dnnl::algorithm::eltwise_logistic)
      out.push_back({K::Sigmoid});
    else
      return std::nullopt;
  }
  return out;
}

}  // namespace zenith::cpu
