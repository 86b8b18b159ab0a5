// A sequence of byte strings packed into one buffer: the small encoding of hashes (field, value,
// field, value, …), sets (members) and sorted sets (member, score, …), which Redis 7.0 keeps in
// a listpack and OBJECT ENCODING reports as "listpack" (or "intset").
//
// Format: a varint count of strings, then each string as a varint length and its bytes
// (LEB128: 7 bits per byte, high bit set while more follow). A 10-byte field costs 11 bytes
// where a listpack entry costs 12 (encoding byte, data, back-length byte). There is no
// back-length: the buffer is read forwards only, and small encodings are converted to a table
// well before a forward scan costs more than a hash lookup (hash-max-listpack-entries 128).
//
// Records of `stride` strings (2 for a hash) are found by their first string. Every change
// rewrites the buffer from the changed string on, as a listpack insert moves its tail: O(size),
// which the conversion thresholds keep small. The bytes live wherever the owner keeps them (a
// std::string here and in tests; the key's own entry block for a hash, so that a small hash is
// one allocation).
//
// Thread: a value; the owner's lock covers it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace redoubt::storage {

class PackedList {
 public:
  // Reads `bytes`. Requires: a buffer built by this class (Empty, Append, …).
  explicit PackedList(std::string_view bytes);

  // The buffer of an empty list.
  static std::string Empty() { return std::string(1, '\0'); }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view bytes() const { return bytes_; }

  // Forward iteration over the strings, in order.
  class Iterator {
   public:
    Iterator(const char* at, size_t left) : at_(at), left_(left) { Load(); }
    std::string_view operator*() const { return current_; }
    Iterator& operator++();
    bool operator!=(const Iterator& other) const { return left_ != other.left_; }
    // Offset of the current string's length prefix within the buffer.
    const char* position() const { return at_; }

   private:
    void Load();
    const char* at_;
    size_t left_;  // strings from this one to the end
    std::string_view current_;
  };
  Iterator begin() const;
  Iterator end() const { return Iterator(nullptr, 0); }

  // The index of the first record (strings stride*k .. stride*k+stride-1) whose first string
  // equals `key`, or nullopt.
  std::optional<size_t> FindRecord(std::string_view key, size_t stride) const;
  // The string after the first string equal to `key` at an even index (a field's value), in
  // one pass; nullopt when there is none.
  std::optional<std::string_view> FindPairValue(std::string_view key) const;
  // The string at index i. O(i). Requires: i < size().
  std::string_view At(size_t i) const;

  // ---- Changes: each rewrites `buffer` (which holds such a list) in place. ----
  // Appends strings at the end.
  static void Append(std::string& buffer, std::span<const std::string_view> strings);
  // Inserts strings before index i (i == size appends).
  static void Insert(std::string& buffer, size_t i, std::span<const std::string_view> strings);
  // Replaces the string at index i. Requires: i < size.
  static void Replace(std::string& buffer, size_t i, std::string_view s);
  // Removes n strings from index i. Requires: i + n <= size.
  static void Erase(std::string& buffer, size_t i, size_t n);

 private:
  // Where string i starts (its length prefix), as an offset in bytes_. i may be size().
  size_t OffsetOf(size_t i) const;
  static void SetCount(std::string& buffer, size_t count);

  std::string_view bytes_;
  size_t count_;
  size_t header_;  // bytes of the count prefix
};

}  // namespace redoubt::storage
