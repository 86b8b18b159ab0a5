// A growable byte buffer with a consumed prefix, for a connection's input: reads append at
// the end, the parser consumes from the front, and the buffer compacts only when the consumed
// part is large, so a pipelined stream is not memmoved on every command.
//
// Thread: confined to the owning connection's I/O thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace redoubt::net {

class IoBuffer {
 public:
  IoBuffer() = default;
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;
  ~IoBuffer() { std::free(data_); }

  std::string_view readable() const { return {data_ + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return capacity_; }
  size_t writable_bytes() const { return capacity_ - end_; }
  char* write_ptr() { return data_ + end_; }

  void Commit(size_t n) { end_ += n; }
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }
  // Makes room for exactly n more bytes at the end when it must grow (a large bulk whose
  // length is known): doubling would allocate, and fault in, up to twice the bulk.
  void ReserveExact(size_t n) {
    if (writable_bytes() >= n) {
      return;
    }
    Compact();
    if (writable_bytes() >= n) {
      return;
    }
    Grow(end_ + n);
  }
  // Makes room for at least n more bytes at the end.
  void Reserve(size_t n) {
    if (writable_bytes() >= n) {
      return;
    }
    Compact();
    if (writable_bytes() >= n) {
      return;
    }
    size_t want = capacity_ == 0 ? 16 * 1024 : capacity_;
    while (want - end_ < n) {
      want *= 2;
    }
    Grow(want);
  }
  // Drops bytes from the end, keeping the first n readable ones.
  void TruncateTo(size_t n) {
    if (n < size()) {
      end_ = begin_ + n;
    }
  }
  // Frees the buffer when it is empty (an idle client holds no input buffer, as in Redis).
  void Release() {
    if (begin_ == end_) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = begin_ = end_ = 0;
    }
  }
  // Shrinks the allocation to `capacity` bytes, or to what it holds if that is more.
  void ShrinkTo(size_t capacity) {
    Compact();
    capacity = std::max(capacity, end_);
    if (capacity < capacity_ && capacity > 0) {
      Grow(capacity);
    }
  }

 private:
  void Compact() {
    if (begin_ > 0) {
      std::memmove(data_, data_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
  }
  void Grow(size_t capacity) {
    char* grown = static_cast<char*>(std::realloc(data_, capacity));
    if (grown == nullptr) {
      throw std::bad_alloc();
    }
    data_ = grown;
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace redoubt::net
