// The list data structure; see list_value.h.
#include "storage/list_value.h"

#include <utility>

namespace redoubt::storage {
namespace {

// Bytes a std::string holds inline (libstdc++: 15); longer strings own a heap block.
const size_t kInlineCapacity = std::string().capacity();

// Positions from the end become positions from the start; nullopt when outside [0, len).
std::optional<size_t> ResolveIndex(int64_t index, size_t len) {
  int64_t n = static_cast<int64_t>(len);
  if (index < 0) {
    index += n;
  }
  if (index < 0 || index >= n) {
    return std::nullopt;
  }
  return static_cast<size_t>(index);
}

}  // namespace

ListValue::ListValue(const ListValue& other) : elements_(other.elements_) {
  // Recounted: a copied string's capacity fits its size, not the source's capacity.
  for (const std::string& s : elements_) {
    element_bytes_ += ElementBytes(s);
  }
}

size_t ListValue::ElementBytes(const std::string& s) {
  // The deque stores the std::string itself; a long one adds its buffer (capacity + NUL).
  return sizeof(std::string) + (s.capacity() > kInlineCapacity ? s.capacity() + 1 : 0);
}

void ListValue::PushFront(std::string_view element) {
  element_bytes_ += ElementBytes(elements_.emplace_front(element));
}

void ListValue::PushBack(std::string_view element) {
  element_bytes_ += ElementBytes(elements_.emplace_back(element));
}

void ListValue::PopFront() {
  element_bytes_ -= ElementBytes(elements_.front());
  elements_.pop_front();
}

void ListValue::PopBack() {
  element_bytes_ -= ElementBytes(elements_.back());
  elements_.pop_back();
}

std::string ListValue::TakeFront() {
  element_bytes_ -= ElementBytes(elements_.front());
  std::string out = std::move(elements_.front());
  elements_.pop_front();
  return out;
}

std::string ListValue::TakeBack() {
  element_bytes_ -= ElementBytes(elements_.back());
  std::string out = std::move(elements_.back());
  elements_.pop_back();
  return out;
}

std::optional<std::string_view> ListValue::At(int64_t index) const {
  std::optional<size_t> i = ResolveIndex(index, elements_.size());
  if (!i) {
    return std::nullopt;
  }
  return std::string_view(elements_[*i]);
}

bool ListValue::Set(int64_t index, std::string_view element) {
  std::optional<size_t> i = ResolveIndex(index, elements_.size());
  if (!i) {
    return false;
  }
  std::string& slot = elements_[*i];
  element_bytes_ -= ElementBytes(slot);
  slot.assign(element);
  if (slot.size() < slot.capacity() / 2) {
    // assign() keeps the old buffer: a 1 MB element set to "x" must give its memory back.
    slot.shrink_to_fit();
  }
  element_bytes_ += ElementBytes(slot);
  return true;
}

}  // namespace redoubt::storage
