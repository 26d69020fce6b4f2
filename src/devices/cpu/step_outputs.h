// StepOutputs: the values a CPU step returns. Most steps return one, held in place, so that
// returning it allocates nothing; a step with more (Split, LSTM) puts the rest on the heap.
#pragma once

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

  void push_back(CpuValue value) {
    if (size_ == 0)
      first_ = std::move(value);
    else
      rest_.push_back(std::move(value));
    ++size_;
  }
  size_t size() const { return size_; }
  void resize(size_t n) {
    rest_.resize(n > 0 ? n - 1 : 0);
    if (n == 0) first_ = CpuValue();
    size_ = n;
  }
  CpuValue& operator[](size_t i) { return i == 0 ? first_ : rest_[i - 1]; }
  const CpuValue& operator[](size_t i) const { return i == 0 ? first_ : rest_[i - 1]; }
  CpuValue& back() { return (*this)[size_ - 1]; }

 private:
  CpuValue first_;
  std::vector<CpuValue> rest_;
  size_t size_ = 0;
};

}  // namespace zenith::cpu
