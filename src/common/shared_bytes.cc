// Reference-counted byte blocks; see shared_bytes.h.
#include "common/shared_bytes.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace redoubt::common {

SharedBytes* SharedBytes::Allocate(size_t capacity) {
  void* mem = std::malloc(sizeof(SharedBytes) + capacity);
  if (mem == nullptr) {
    throw std::bad_alloc();
  }
  auto* block = new (mem) SharedBytes();
  block->capacity_ = capacity;
  return block;
}

SharedBytes* SharedBytes::Copy(std::string_view bytes, size_t capacity) {
  SharedBytes* block = Allocate(capacity < bytes.size() ? bytes.size() : capacity);
  if (!bytes.empty()) {
    std::memcpy(block->data(), bytes.data(), bytes.size());
  }
  block->size_ = bytes.size();
  return block;
}

size_t SharedBytes::AllocatedBytes() const {
  return malloc_usable_size(const_cast<SharedBytes*>(this));
}

void SharedBytes::Free() {
  this->~SharedBytes();
  std::free(this);
}

}  // namespace redoubt::common
