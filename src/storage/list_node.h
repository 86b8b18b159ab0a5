// One node of a list (storage::ListValue): a heap block holding a run of the list's elements
// packed end to end, what Redis's quicklist keeps in a quicklistNode and its listpack.
//
// Layout: a 24-byte header (capacity, begin, end) and `capacity` data bytes. The elements occupy
// data[begin, end); the free bytes lie on either side of them, so that a push at either end of
// the list writes into room that is already there, and a pop only moves begin or end. Each
// element is [length][bytes][length reversed]: the length as a LEB128 varint (storage/varint.h)
// before the bytes, and the same varint bytes in reverse order after them, so the node can be
// walked from either end (a listpack entry carries a back-length for the same reason). A
// 12-byte element costs 14 bytes, as in a listpack; an element under 128 bytes costs 2 bytes
// more than its length.
//
// The header's offsets are 64-bit because one element may be as long as proto-max-bulk-len
// allows (up to 4 GiB); capacity + sizeof(ListNode) is the block's usable size, so the node's
// memory is known without asking the allocator. Which node grows, moves its elements or
// splits is ListValue's policy; this file holds the format and the mechanisms.
//
// Thread: owned by one ListValue; used only under its entry's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "storage/varint.h"

namespace redoubt::storage {

enum class ListEnd : uint8_t { kFront, kBack };

struct ListNode {
  size_t capacity;  // data bytes after the header
  size_t begin;     // offset of the first element's encoding
  size_t end;       // offset just past the last element's encoding

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  size_t used() const { return end - begin; }
  // Free bytes before the first element (kFront) or after the last (kBack).
  size_t room(ListEnd side) const { return side == ListEnd::kFront ? begin : capacity - end; }
  // Heap bytes of the block.
  size_t AllocatedBytes() const { return sizeof(ListNode) + capacity; }

  // An empty node of at least `capacity` data bytes (the allocator's size class may give more),
  // all its room at `side`.
  static ListNode* Allocate(size_t capacity, ListEnd side);
  static void Free(ListNode* node);
  // A copy of `node` in a new block of at least `capacity` data bytes (>= used() + n), with room
  // for n more bytes at `side`; frees `node`. See Place for where the elements go.
  static ListNode* Reshape(ListNode* node, size_t capacity, ListEnd side, size_t n);
  // Moves the elements within the block so that there is room for n more bytes at `side`.
  // Requires: used() + n <= capacity.
  void Place(ListEnd side, size_t n);
  // Makes the bytes [offset, offset + remove) of the data a gap of `insert` bytes, moving the
  // elements before or after it, whichever are fewer bytes and have the room, and returns where
  // the gap starts. Requires: offset..offset + remove within [begin, end], and when inserting
  // more than removing, room(kFront) or room(kBack) of at least the difference.
  char* Splice(size_t offset, size_t remove, size_t insert);
};

// ---- The element encoding ----

// Bytes an element of `length` bytes takes in a node.
inline size_t EncodedSize(size_t length) {
  return length + 2 * (length < 0x80 ? 1 : VarintSize(length));
}

// Writes `element` encoded at `out` (EncodedSize bytes) and returns the byte after it.
inline char* EncodeElement(char* out, std::string_view element) {
  const size_t length = element.size();
  if (length < 0x80) [[likely]] {
    out[0] = static_cast<char>(length);
    if (length > 0) {
      std::memcpy(out + 1, element.data(), length);
    }
    out[length + 1] = static_cast<char>(length);
    return out + length + 2;
  }
  out = WriteVarint(out, length);
  if (length > 0) {  // an empty view may have a null data(), which memcpy must not get
    std::memcpy(out, element.data(), length);
    out += length;
  }
  // The length's varint bytes again, last byte first: read backwards from the element's end,
  // they are a varint like any other.
  const size_t varint = VarintSize(length);
  char* p = out + varint - 1;
  uint64_t v = length;
  while (v >= 0x80) {
    *p-- = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p = static_cast<char>(v);
  return out + varint;
}

// The element whose encoding starts at `at`.
inline std::string_view ElementAt(const char* at) {
  // Elements under 128 bytes are the common case; a walk is a chain of these reads.
  const auto first = static_cast<uint8_t>(*at);
  if (first < 0x80) [[likely]] {
    return {at + 1, first};
  }
  const uint64_t length = ReadVarint(at);
  return {at, length};
}

// The element whose encoding ends just before `end`.
inline std::string_view ElementBefore(const char* end) {
  const char* p = end - 1;
  uint64_t length = 0;
  int shift = 0;
  while (true) {
    auto byte = static_cast<uint8_t>(*p);
    length |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      break;
    }
    shift += 7;
    --p;
  }
  return {p - length, length};
}

// Where the encoding of `element` (a view returned by ElementAt or ElementBefore) starts and
// ends in its node.
inline const char* EncodingStart(std::string_view element) {
  return element.data() - (element.size() < 0x80 ? 1 : VarintSize(element.size()));
}
inline const char* EncodingEnd(std::string_view element) {
  return element.data() + element.size() + (element.size() < 0x80 ? 1 : VarintSize(element.size()));
}

}  // namespace redoubt::storage
