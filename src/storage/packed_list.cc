// The packed string sequence; see packed_list.h.
#include "storage/packed_list.h"

#include <cstring>

#include "common/check.h"
#include "storage/varint.h"

namespace redoubt::storage {

PackedList::PackedList(std::string_view bytes) : bytes_(bytes) {
  const char* p = bytes_.data();
  count_ = ReadVarint(p);
  header_ = static_cast<size_t>(p - bytes_.data());
}

void PackedList::Iterator::Load() {
  if (left_ == 0) {
    return;
  }
  const char* p = at_;
  uint64_t len = ReadVarint(p);
  current_ = std::string_view(p, len);
}

PackedList::Iterator& PackedList::Iterator::operator++() {
  at_ = current_.data() + current_.size();
  --left_;
  Load();
  return *this;
}

PackedList::Iterator PackedList::begin() const {
  return Iterator(bytes_.data() + header_, count_);
}

std::optional<size_t> PackedList::FindRecord(std::string_view key, size_t stride) const {
  size_t i = 0;
  for (Iterator it = begin(); it != end(); ++it, ++i) {
    if (i % stride == 0 && *it == key) {
      return i / stride;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> PackedList::FindPairValue(std::string_view key) const {
  for (Iterator it = begin(); it != end(); ++it) {
    bool match = *it == key;
    ++it;  // the value; a well-formed pair list has one
    if (match) {
      return *it;
    }
  }
  return std::nullopt;
}

std::string_view PackedList::At(size_t i) const {
  REDOUBT_CHECK(i < count_);
  Iterator it = begin();
  for (size_t k = 0; k < i; ++k) {
    ++it;
  }
  return *it;
}

size_t PackedList::OffsetOf(size_t i) const {
  Iterator it = begin();
  for (size_t k = 0; k < i; ++k) {
    ++it;
  }
  return i == count_ ? bytes_.size() : static_cast<size_t>(it.position() - bytes_.data());
}

void PackedList::SetCount(std::string& buffer, size_t count) {
  PackedList list(buffer);
  std::string header;
  AppendVarint(header, count);
  buffer.replace(0, list.header_, header);
}

void PackedList::Append(std::string& buffer, std::span<const std::string_view> strings) {
  size_t count = PackedList(buffer).size();
  for (std::string_view s : strings) {
    AppendLengthPrefixed(buffer, s);
  }
  SetCount(buffer, count + strings.size());
}

void PackedList::Insert(std::string& buffer, size_t i, std::span<const std::string_view> strings) {
  PackedList list(buffer);
  REDOUBT_CHECK(i <= list.size());
  size_t at = list.OffsetOf(i);
  size_t count = list.size();
  std::string encoded;
  for (std::string_view s : strings) {
    AppendLengthPrefixed(encoded, s);
  }
  buffer.insert(at, encoded);
  SetCount(buffer, count + strings.size());
}

void PackedList::Replace(std::string& buffer, size_t i, std::string_view s) {
  PackedList list(buffer);
  REDOUBT_CHECK(i < list.size());
  size_t from = list.OffsetOf(i);
  size_t to = list.OffsetOf(i + 1);
  std::string encoded;
  AppendLengthPrefixed(encoded, s);
  buffer.replace(from, to - from, encoded);
}

void PackedList::Erase(std::string& buffer, size_t i, size_t n) {
  PackedList list(buffer);
  REDOUBT_CHECK(i + n <= list.size());
  size_t from = list.OffsetOf(i);
  size_t to = list.OffsetOf(i + n);
  size_t count = list.size();
  buffer.erase(from, to - from);
  SetCount(buffer, count - n);
}

}  // namespace redoubt::storage
