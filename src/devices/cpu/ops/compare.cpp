// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual) and logic (And, Or, Xor, Not)
// on the CPU device: bool results from f32, i64, i32 or bool operands with numpy broadcasting,
// the masks transformers build for attention and detection heads for their boxes. oneDNN has
// no bool type; these are loops of our own.
#include "devices/cpu/ops/broadcast_map.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"

namespace zenith::cpu {
namespace {

enum class Fn { Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or, Xor, Not };

Fn fn_of(const std::string& op) {
  if (op == "Equal") return Fn::Equal;
  if (op == "Less") return Fn::Less;
  if (op == "Greater") return Fn::Greater;
  if (op == "LessOrEqual") return Fn::LessOrEqual;
  if (op == "GreaterOrEqual") return Fn::GreaterOrEqual;
  if (op == "And") return Fn::And;
  if (op == "Or") return Fn::Or;
  if (op == "Xor") return Fn::Xor;
  return Fn::Not;
}

bool is_logic(Fn fn) { return fn == Fn::And || fn == Fn::Or || fn == Fn::Xor || fn == Fn::Not; }

// The operand dtypes each op takes here (as REF: Equal also compares bools; logic is on bools).
bool takes(Fn fn, ir::DType dtype) {
  if (is_logic(fn)) return dtype == ir::DType::Bool;
  return dtype == ir::DType::F32 || dtype == ir::DType::I64 || dtype == ir::DType::I32 ||
         (fn == Fn::Equal && dtype == ir::DType::Bool);
}

// Bools as the bytes they are stored in (0 or 1): GCC does not vectorize loads and stores of
// bool.
uint8_t* bytes_of(ir::Tensor& t) { return reinterpret_cast<uint8_t*>(t.data<bool>()); }
const uint8_t* bytes_of(const ir::Tensor& t) {
  return reinterpret_cast<const uint8_t*>(t.data<bool>());
}

template <typename T>
void compare(Fn fn, const ir::Tensor& a, const ir::Tensor& b, uint8_t* out, const ir::Dims& dims) {
  const auto* pa = reinterpret_cast<const T*>(a.raw());
  const auto* pb = reinterpret_cast<const T*>(b.raw());
  auto map = [&](auto f) { map_broadcast(pa, a.dims(), pb, b.dims(), out, dims, f); };
  switch (fn) {
    case Fn::Equal:
      return map([](T x, T y) { return x == y; });
    case Fn::Less:
      return map([](T x, T y) { return x < y; });
    case Fn::Greater:
      return map([](T x, T y) { return x > y; });
    case Fn::LessOrEqual:
      return map([](T x, T y) { return x <= y; });
    case Fn::GreaterOrEqual:
      return map([](T x, T y) { return x >= y; });
    case Fn::And:
      return map([](T x, T y) { return x && y; });
    case Fn::Or:
      return map([](T x, T y) { return x || y; });
    case Fn::Xor:
      return map([](T x, T y) { return x != y; });
    case Fn::Not:
      break;
  }
}

class CompareOp : public CpuOp {
 public:
  explicit CompareOp(const ir::Node& node) : fn_(fn_of(node.op_type)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    const size_t arity = fn_ == Fn::Not ? 1 : 2;
    if (in.size() != arity) return false;
    for (const CpuValue* v : in)
      if (!v || !takes(fn_, v->dtype()) || v->dtype() != in[0]->dtype()) return false;
    return true;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor a = to_plain(*in[0], stream);
    note_kernel("zenith:compare");
    if (fn_ == Fn::Not) {
      CpuValue y = allocate_plain(ir::DType::Bool, a.dims());
      const uint8_t* x = bytes_of(a);
      uint8_t* out = bytes_of(y.plain);
      const StridedLoop<1> all{a.dims(), {ir::strides_of(a.dims())}};
      for_each_row(all,
                   [&](const std::array<int64_t, 1>& at, int64_t n, const std::array<int64_t, 1>&) {
                     const uint8_t* from = x + at[0];  // locals: byte stores may alias `at`
                     uint8_t* to = out + at[0];
                     for (int64_t i = 0; i < n; ++i) to[i] = from[i] ^ 1;
                   });
      return {std::move(y)};
    }
    const ir::Tensor b = to_plain(*in[1], stream);
    const ir::Dims dims = ir::broadcast_dims(a.dims(), b.dims());
    CpuValue y = allocate_plain(ir::DType::Bool, dims);
    uint8_t* out = bytes_of(y.plain);
    switch (a.dtype()) {
      case ir::DType::F32:
        compare<float>(fn_, a, b, out, dims);
        break;
      case ir::DType::I64:
        compare<int64_t>(fn_, a, b, out, dims);
        break;
      case ir::DType::I32:
        compare<int32_t>(fn_, a, b, out, dims);
        break;
      default:
        compare<uint8_t>(fn_, a, b, out, dims);
        break;
    }
    return {std::move(y)};
  }

 private:
  Fn fn_;
};

}  // namespace

std::string supports_compare(const ir::Graph& graph, const ir::Node& node) {
  const Fn fn = fn_of(node.op_type);
  for (const std::string& name : node.inputs) {
    const ir::DType dtype = name.empty() ? ir::DType::Undefined : declared_dtype(graph, name);
    if (dtype != ir::DType::Undefined && !takes(fn, dtype))
      return fmt::format("input '{}' is {}; the CPU device runs {} on {} only", name,
                         ir::dtype_name(dtype), node.op_type,
                         is_logic(fn)      ? "bool"
                         : fn == Fn::Equal ? "f32, i64, i32 or bool"
                                           : "f32, i64 or i32");
  }
  return "";
}

std::unique_ptr<CpuOp> build_compare(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<CompareOp>(*spec.node);
}

}  // namespace zenith::cpu
