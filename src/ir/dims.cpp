// Dims: growing onto the heap past kInline values, and the moves that keep the inline ones.
#include "ir/dims.h"

#include <cstring>
#include <new>
#include <stdexcept>

namespace zenith::ir {

void Dims::reserve(size_t n) {
  if (n <= capacity_) return;
  auto* grown = new int64_t[n];
  std::copy(begin(), end(), grown);
  release();
  data_ = grown;
  capacity_ = static_cast<uint32_t>(n);
}

const int64_t& Dims::at(size_t i) const {
  if (i >= size_) throw std::out_of_range("Dims::at: index past the end");
  return data_[i];
}

void Dims::resize(size_t n, int64_t value) {
  reserve(n);
  if (n > size_) std::fill(data_ + size_, data_ + n, value);
  size_ = static_cast<uint32_t>(n);
}

void Dims::open_gap(size_t at, size_t n) {
  if (size_ + n > capacity_) reserve(std::max<size_t>(size_ + n, size_t{capacity_} * 2));
  std::copy_backward(data_ + at, data_ + size_, data_ + size_ + n);
  size_ += static_cast<uint32_t>(n);
}

Dims::iterator Dims::insert(const_iterator pos, size_t n, int64_t value) {
  const auto at = static_cast<size_t>(pos - data_);
  open_gap(at, n);
  std::fill(data_ + at, data_ + at + n, value);
  return data_ + at;
}

Dims::iterator Dims::erase(const_iterator first, const_iterator last) {
  const auto at = static_cast<size_t>(first - data_);
  const auto n = static_cast<size_t>(last - first);
  std::copy(data_ + at + n, data_ + size_, data_ + at);
  size_ -= static_cast<uint32_t>(n);
  return data_ + at;
}

void Dims::take(Dims& other) noexcept {
  size_ = other.size_;
  if (other.data_ == other.inline_) {
    data_ = inline_;
    capacity_ = kInline;
    std::memcpy(inline_, other.inline_, size_ * sizeof(int64_t));
  } else {
    data_ = other.data_;
    capacity_ = other.capacity_;
    other.data_ = other.inline_;
    other.capacity_ = kInline;
  }
  other.size_ = 0;
}

void Dims::release() noexcept {
  if (data_ != inline_) delete[] data_;
  data_ = inline_;
  capacity_ = kInline;
}

}  // namespace zenith::ir
