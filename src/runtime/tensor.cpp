// The public Tensor, and its bridge to the IR's.
#include "ir/errors.h"
#include "runtime/tensor_bridge.h"

namespace zenith {
namespace {

struct TypeRow {
  ElementType type;
  ir::DType dtype;
};
constexpr TypeRow kTypes[] = {
    {ElementType::f32, ir::DType::F32},      {ElementType::f64, ir::DType::F64},
    {ElementType::f16, ir::DType::F16},      {ElementType::bf16, ir::DType::BF16},
    {ElementType::i8, ir::DType::I8},        {ElementType::u8, ir::DType::U8},
    {ElementType::i16, ir::DType::I16},      {ElementType::u16, ir::DType::U16},
    {ElementType::i32, ir::DType::I32},      {ElementType::u32, ir::DType::U32},
    {ElementType::i64, ir::DType::I64},      {ElementType::u64, ir::DType::U64},
    {ElementType::boolean, ir::DType::Bool},
};

}  // namespace

namespace runtime {

ir::DType to_dtype(ElementType type) {
  for (const TypeRow& row : kTypes)
    if (row.type == type) return row.dtype;
  throw_invalid_argument("element type {} is not one of zenith::ElementType's",
                         static_cast<int>(type));
}

std::optional<ElementType> to_element_type(ir::DType dtype) {
  for (const TypeRow& row : kTypes)
    if (row.dtype == dtype) return row.type;
  return std::nullopt;
}

}  // namespace runtime

size_t element_size(ElementType type) { return ir::dtype_size(runtime::to_dtype(type)); }

const char* to_string(ElementType type) {
  // dtype_name's views point at string literals.
  return type == ElementType::boolean ? "bool" : ir::dtype_name(runtime::to_dtype(type)).data();
}

Tensor::Tensor(ElementType type, Shape shape) {
  auto storage = std::make_shared<const ir::Tensor>(runtime::to_dtype(type), shape);
  *this = Tensor(type, std::move(shape), const_cast<std::byte*>(storage->raw()), storage);
}

Tensor::Tensor(ElementType type, Shape shape, void* data)
    : Tensor(type, std::move(shape), data, nullptr) {
  if (!data && size_ > 0)
    throw_invalid_argument("Tensor: null data for shape {}", ir::to_string(shape_));
}

Tensor::Tensor(ElementType type, Shape shape, void* data, std::shared_ptr<const void> owner)
    : type_(type), shape_(std::move(shape)), data_(data), owner_(std::move(owner)) {
  size_ = static_cast<size_t>(ir::checked_numel(shape_, "Tensor shape"));
  runtime::to_dtype(type_);  // rejects values outside the enum
}

void Tensor::check_type(ElementType requested) const {
  if (requested != type_)
    throw_invalid_argument("Tensor::data<T>: the tensor holds {}, T is {}", to_string(type_),
                           to_string(requested));
}

ir::Tensor TensorAccess::to_ir(const Tensor& t) {
  return ir::Tensor::view(runtime::to_dtype(t.type_), t.shape_, t.data_, t.owner_);
}

Tensor TensorAccess::from_ir(const ir::Tensor& t, std::string_view what) {
  Tensor out;
  assign(out, t, what);
  return out;
}

void TensorAccess::assign(Tensor& out, const ir::Tensor& t, std::string_view what) {
  const std::optional<ElementType> type = runtime::to_element_type(t.dtype());
  if (!type)
    throw_unsupported("{} has dtype {}, which the API has no ElementType for", what,
                      ir::dtype_name(t.dtype()));
  out.type_ = *type;
  out.shape_.assign(t.dims().begin(), t.dims().end());
  out.size_ = static_cast<size_t>(t.numel());
  out.data_ = const_cast<std::byte*>(t.raw());
  // The storage's own owner: an undefined one (no storage) keeps nothing.
  out.owner_ = t.owner();
}

void TensorAccess::release(Tensor& t) {
  t.data_ = nullptr;
  t.size_ = 0;
  t.owner_.reset();
}

}  // namespace zenith
