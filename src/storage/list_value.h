// The elements of one Redis list, in order: a pure data structure with no keyspace, no RESP and
// no locking. Commands reach it through Entry::list() / Entry::mutable_list().
//
// Representation: std::deque<std::string>, for O(1) push and pop at both ends and O(1) access
// by index, simple to get right. Redis 7.0 uses a quicklist instead: a doubly linked list of
// listpacks (byte arrays of about 8 KB, list-max-listpack-size -2), the middle ones optionally
// LZF-compressed (list-compress-depth). That costs Redis 1-2 bytes of overhead per small element
// where the deque costs 32 (sizeof(std::string)) plus a heap block for elements over 15 bytes.
// The interface speaks in elements and indexes only, never in deque iterators, so a chunked
// encoding can replace the deque later without touching the commands.
//
// Thread: owned by its Entry; used only under that entry's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::storage {

class ListValue {
 public:
  ListValue() = default;
  // A deep copy (COPY must not share elements with its source).
  ListValue(const ListValue& other);
  ListValue& operator=(const ListValue&) = delete;

  size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }

  void PushFront(std::string_view element);
  void PushBack(std::string_view element);
  // Requires: !empty(). The string_views of front()/back() are valid until the list changes.
  std::string_view front() const { return elements_.front(); }
  std::string_view back() const { return elements_.back(); }
  void PopFront();
  void PopBack();
  // Removes and returns the first / last element without copying its bytes. Requires: !empty().
  std::string TakeFront();
  std::string TakeBack();

  // The element at `index` (negative counts from the end, -1 is the last), or nullopt when out
  // of range. Valid until the list changes.
  std::optional<std::string_view> At(int64_t index) const;
  // Replaces the element at `index` (negative as for At). False when out of range.
  bool Set(int64_t index, std::string_view element);
  // Inserts element before position i (i == size() appends). Requires: i <= size().
  void Insert(size_t i, std::string_view element);
  // Removes up to |count| elements equal to `element`: from the head when count > 0, from the
  // tail when count < 0, all when 0 (LREM). Returns how many.
  size_t Remove(std::string_view element, int64_t count);
  // Keeps only positions first..last (LTRIM). Requires: first <= last < size().
  void Trim(size_t first, size_t last);
  // Removes every element.
  void Clear();
  // Requires: i < size().
  std::string_view operator[](size_t i) const { return elements_[i]; }

  // Approximate heap bytes owned by this list (the object, element headers and element bytes),
  // kept up to date by every change: memory accounting and MEMORY USAGE read it per command.
  size_t AllocatedBytes() const { return sizeof(ListValue) + element_bytes_; }

 private:
  static size_t ElementBytes(const std::string& s);

  std::deque<std::string> elements_;
  size_t element_bytes_ = 0;
};

}  // namespace redoubt::storage
