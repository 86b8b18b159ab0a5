// A reference-counted block of bytes, for large string values: the keyspace holds one per value
// of kLargeValueBytes or more, a GET reply can hold a reference while its socket drains (so the
// value is written from where it lives, not copied into the connection's output buffer), and a
// request's large argument is read into one that SET then keeps (so the value is not copied
// out of the input buffer). Redis shares its sds strings the same way with argv.
//
// Thread: the count is atomic, so references may be taken and dropped on any thread. The bytes
// are immutable while more than one reference exists: a writer checks unique() (under the
// keyspace shard lock that guards every way of taking a new reference) and copies otherwise.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace redoubt::common {

class SharedBytes {
 public:
  // A block with room for `capacity` bytes, size 0, one reference (the caller's).
  static SharedBytes* Allocate(size_t capacity);
  // A new block (one reference) holding `bytes`, with room for `capacity` (at least their size).
  static SharedBytes* Copy(std::string_view bytes, size_t capacity);

  void AddRef() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Frees the block with the last reference. acq_rel: a writer that saw unique() must see every
  // other holder's reads finished.
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      Free();
    }
  }
  bool unique() const { return refs_.load(std::memory_order_acquire) == 1; }

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), size_}; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Requires: unique() (or not yet shared), n <= capacity().
  void set_size(size_t n) { size_ = n; }
  // Bytes of the allocation, for memory accounting.
  size_t AllocatedBytes() const;

 private:
  SharedBytes() = default;
  void Free();

  std::atomic<uint32_t> refs_{1};  // then 4 bytes of padding
  size_t size_ = 0;
  size_t capacity_ = 0;
};

static_assert(sizeof(SharedBytes) == 24);

// Owns one reference to a SharedBytes (or none). Movable; Copy() takes another reference.
class SharedBytesRef {
 public:
  SharedBytesRef() = default;
  // Adopts the reference the caller holds.
  explicit SharedBytesRef(SharedBytes* adopted) : bytes_(adopted) {}
  SharedBytesRef(SharedBytesRef&& other) noexcept : bytes_(std::exchange(other.bytes_, nullptr)) {}
  SharedBytesRef& operator=(SharedBytesRef&& other) noexcept {
    if (this != &other) {
      Reset();
      bytes_ = std::exchange(other.bytes_, nullptr);
    }
    return *this;
  }
  SharedBytesRef(const SharedBytesRef&) = delete;
  SharedBytesRef& operator=(const SharedBytesRef&) = delete;
  ~SharedBytesRef() { Reset(); }

  SharedBytesRef Copy() const {
    if (bytes_ != nullptr) {
      bytes_->AddRef();
    }
    return SharedBytesRef(bytes_);
  }
  void Reset() {
    if (bytes_ != nullptr) {
      std::exchange(bytes_, nullptr)->Release();
    }
  }
  // Gives up ownership without releasing (the receiver adopts the reference).
  SharedBytes* Detach() { return std::exchange(bytes_, nullptr); }

  SharedBytes* get() const { return bytes_; }
  SharedBytes* operator->() const { return bytes_; }
  explicit operator bool() const { return bytes_ != nullptr; }

 private:
  SharedBytes* bytes_ = nullptr;
};

}  // namespace redoubt::common
