// StepOutputs: the values a CPU step returns. Up to kInline of them (an LSTM's Y, Y_h, Y_c) are
// held in place, so that returning them allocates nothing; a step with more (a wide Split) puts
// the rest on the heap.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "devices/cpu/cpu_value.h"

namespace zenith::cpu {

class StepOutputs {
 public:
  StepOutputs() = default;
  // `return {std::move(y)};` moves: an initializer list would copy (and a copied plain tensor
  // copies its dims).
  template <typename... Values>
  StepOutputs(CpuValue first, Values&&... rest) {
    push_back(std::move(first));
    (push_back(std::forward<Values>(rest)), ...);
  }

  static constexpr size_t kInline = 3;

  void push_back(CpuValue value) {
    if (size_ < kInline)
      inline_[size_] = std::move(value);
    else
      rest_.push_back(std::move(value));
    ++size_;
  }
  size_t size() const { return size_; }
  void resize(size_t n) {
    for (size_t i = n; i < std::min(size_, kInline); ++i) inline_[i] = CpuValue();
    rest_.resize(n > kInline ? n - kInline : 0);
    size_ = n;
  }
  CpuValue& operator[](size_t i) { return i < kInline ? inline_[i] : rest_[i - kInline]; }
  const CpuValue& operator[](size_t i) const {
    return i < kInline ? inline_[i] : rest_[i - kInline];
  }
  CpuValue& back() { return (*this)[size_ - 1]; }

 private:
  std::array<CpuValue, kInline> inline_;
  std::vector<CpuValue> rest_;
  size_t size_ = 0;
};

}  // namespace zenith::cpu
