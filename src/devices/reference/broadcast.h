// Numpy-style broadcasting for REF kernels: maps an output element to an input element.
#pragma once

#include "ir/shape.h"

namespace zenith::ref {

// For an input of dims `in` broadcast to `out`, offset(i) is the input element that output
// element i (row-major) reads. REQUIRES: `in` broadcasts to `out` (see ir::broadcast_dims).
class BroadcastIndexer {
 public:
  BroadcastIndexer(const ir::Dims& in, const ir::Dims& out) : out_(out), strides_(out.size(), 0) {
    const ir::Dims in_strides = ir::strides_of(in);
    const size_t lead = out.size() - in.size();
    for (size_t i = 0; i < in.size(); ++i)
      strides_[lead + i] = in[i] == 1 ? 0 : in_strides[i];
  }

  int64_t offset(int64_t linear) const {
    int64_t result = 0;
    for (int64_t axis = static_cast<int64_t>(out_.size()) - 1; axis >= 0; --axis) {
      const int64_t extent = out_[static_cast<size_t>(axis)];
      result += (linear % extent) * strides_[static_cast<size_t>(axis)];
      linear /= extent;
    }
    return result;
  }

 private:
  ir::Dims out_;
  ir::Dims strides_;
};

}  // namespace zenith::ref
