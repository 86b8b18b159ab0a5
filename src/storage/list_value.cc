// The list data structure; see list_value.h.
#include "storage/list_value.h"

#include <cstdint>
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

void ListValue::Insert(size_t i, std::string_view element) {
  element_bytes_ +=
      ElementBytes(*elements_.emplace(elements_.begin() + static_cast<ptrdiff_t>(i), element));
}

size_t ListValue::Remove(std::string_view element, int64_t count) {
  const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? -count : count);
  size_t removed = 0;
  if (count >= 0) {
    for (auto it = elements_.begin(); it != elements_.end() && removed < limit;) {
      if (*it == element) {
        element_bytes_ -= ElementBytes(*it);
        it = elements_.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }
  for (size_t i = elements_.size(); i > 0 && removed < limit; --i) {
    if (elements_[i - 1] == element) {
      element_bytes_ -= ElementBytes(elements_[i - 1]);
      elements_.erase(elements_.begin() + static_cast<ptrdiff_t>(i - 1));
      ++removed;
    }
  }
  return removed;
}

void ListValue::Trim(size_t first, size_t last) {
  while (elements_.size() > last + 1) {
    PopBack();
  }
  for (size_t i = 0; i < first; ++i) {
    PopFront();
  }
}

void ListValue::Clear() {
  elements_.clear();
  element_bytes_ = 0;
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
