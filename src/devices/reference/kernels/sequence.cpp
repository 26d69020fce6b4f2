// SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt, SequenceErase, SequenceLength:
// building and indexing sequences of tensors.
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// The position held by input `i` (a single int32/int64), normalized against a sequence of
// `size` items; `size` itself is valid only where `allow_end` (inserting at the back).
int64_t position_of(const KernelContext& ctx, size_t i, int64_t size, bool allow_end) {
  const ir::Tensor& p = ctx.input(i);
  if (p.numel() != 1 || (p.dtype() != ir::DType::I32 && p.dtype() != ir::DType::I64))
    throw_invalid_argument(
        "input 'position' must hold a single int32 or int64, got {} tensor "
        "of shape {}",
        ir::dtype_name(p.dtype()), ir::to_string(p.dims()));
  const int64_t position = p.as_int64(0);
  const int64_t last = allow_end ? size : size - 1;
  if (position < -size || position > last)
    throw_invalid_argument(
        "input 'position' is {}, expected {} to {} for a sequence of {} "
        "tensors",
        position, -size, last, size);
  return position < 0 ? position + size : position;
}

// Throws unless `t` may join `seq` (same dtype as its items).
void check_item_dtype(const ir::TensorSequence& seq, const ir::Tensor& t, std::string_view what) {
  if (seq.elem_dtype != ir::DType::Undefined && t.dtype() != seq.elem_dtype)
    throw_invalid_argument("{} has dtype {}, the sequence holds {}", what,
                           ir::dtype_name(t.dtype()), ir::dtype_name(seq.elem_dtype));
}

void sequence_empty(KernelContext& ctx) {
  ir::TensorSequence seq;
  seq.elem_dtype = ir::dtype_from_onnx_code(ctx.attr<int64_t>("dtype", 1), "attribute 'dtype'");
  ctx.set_output(0, std::move(seq));
}

void sequence_construct(KernelContext& ctx) {
  if (ctx.num_inputs() == 0) throw_invalid_model("SequenceConstruct needs at least one input");
  ir::TensorSequence seq;
  seq.elem_dtype = ctx.input(0).dtype();
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Tensor& t = ctx.input(i);
    check_item_dtype(seq, t, fmt::format("input {}", i));
    seq.items.push_back(t);
  }
  ctx.set_output(0, std::move(seq));
}

void sequence_insert(KernelContext& ctx) {
  ir::TensorSequence seq = ctx.input_value(0).sequence("input 'input_sequence'");
  const ir::Tensor& t = ctx.input(1);
  check_item_dtype(seq, t, "input 'tensor'");
  const int64_t size = static_cast<int64_t>(seq.items.size());
  const int64_t position = ctx.has_input(2) ? position_of(ctx, 2, size, true) : size;
  seq.elem_dtype = t.dtype();
  seq.items.insert(seq.items.begin() + position, t);
  ctx.set_output(0, std::move(seq));
}

void sequence_at(KernelContext& ctx) {
  const ir::TensorSequence& seq = ctx.input_value(0).sequence("input 'input_sequence'");
  const int64_t size = static_cast<int64_t>(seq.items.size());
  ctx.set_output(0, seq.items[static_cast<size_t>(position_of(ctx, 1, size, false))]);
}

void sequence_erase(KernelContext& ctx) {
  ir::TensorSequence seq = ctx.input_value(0).sequence("input 'input_sequence'");
  const int64_t size = static_cast<int64_t>(seq.items.size());
  if (size == 0) throw_invalid_argument("cannot erase from an empty sequence");
  const int64_t position = ctx.has_input(1) ? position_of(ctx, 1, size, false) : size - 1;
  seq.items.erase(seq.items.begin() + position);
  ctx.set_output(0, std::move(seq));
}

void sequence_length(KernelContext& ctx) {
  const ir::TensorSequence& seq = ctx.input_value(0).sequence("input 'input_sequence'");
  ctx.set_output(0, ir::Tensor::scalar<int64_t>(static_cast<int64_t>(seq.items.size())));
}

}  // namespace

void register_sequence(KernelRegistry& registry) {
  registry.add("SequenceEmpty", &sequence_empty);
  registry.add("SequenceConstruct", &sequence_construct);
  registry.add("SequenceInsert", &sequence_insert);
  registry.add("SequenceAt", &sequence_at);
  registry.add("SequenceErase", &sequence_erase);
  registry.add("SequenceLength", &sequence_length);
}

}  // namespace zenith::ref
