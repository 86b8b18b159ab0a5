// One key and its value in a single heap block: the compact representation of the keyspace.
//
// Layout: [header 16 B][expire 16 B, only when the key has a TTL][key length 4 B, only for keys
// over 255 bytes][value length 4 B, only for values that may exceed 64 KiB][key][value][spare].
// The header packs the chain link, a 24-bit LRU/LFU field (as Redis's robj.lru), type and
// encoding, flags and short lengths, so a 16-byte key with a 64-byte value is one 96-byte
// jemalloc block, where Redis spends a dictEntry, a robj and two sds strings (bench/RESULTS.md).
// The spare bytes (the allocator's size class minus what is used) let APPEND and SETRANGE
// grow a value in place.
//
// A list keeps its elements in an owned ListValue; the entry's value bytes hold only the pointer
// to it, so key, TTL and access state stay in the one block for every type. Destroy frees the
// ListValue and CloneWith deep-copies it. A hash or a set is either small, its fields or
// members packed into the value bytes themselves (encoding kListpack: a PackedList, so a small
// hash is this one block), or large, the value bytes holding the pointer to an owned FieldTable
// (encoding kHashtable), freed and copied as a list is. A sorted set is likewise packed
// (kListpack) or holds an owned SortedTable (kSkiplist). A stream always holds an owned
// StreamValue (encoding kStream).
//
// A string of kLargeValueBytes or more lives likewise in its own common::SharedBytes block, so
// that a GET reply can write it from there while its socket drains, and SET can keep the block a
// large argument was read into: neither copies the value. The entry holds one reference; a
// writer that finds the block shared (a reply still being written) copies it first, so readers
// never see it change.
//
// Thread: an Entry belongs to one keyspace shard and is touched only under that shard's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/shared_bytes.h"

namespace redoubt::storage {

class FieldTable;
class ListValue;
class SortedTable;
class StreamValue;

enum class ValueType : uint8_t { kString, kList, kHash, kSet, kZset, kStream };

// As OBJECT ENCODING reports it. Lists are always kQuicklist: Redis 7.0 reports "quicklist" for
// every list, however small. Hashes and sets are kListpack (packed in the entry) or kHashtable
// (a FieldTable); sorted sets kListpack or kSkiplist (a SortedTable).
enum class Encoding : uint8_t {
  kRaw,
  kEmbStr,
  kInt,
  kQuicklist,
  kListpack,
  kHashtable,
  kIntset,
  kSkiplist,
  kStream
};

inline constexpr int64_t kNoExpire = -1;
// Strings of this size or more live in their own SharedBytes block (Redis's PROTO_MBULK_BIG_ARG:
// the size from which it reads an argument into its own buffer and keeps it as the value).
inline constexpr size_t kLargeValueBytes = 32 * 1024;

class Entry {
 public:
  // Allocates an entry with room for `value_capacity` value bytes (at least value.size()).
  static Entry* Create(std::string_view key, std::string_view value, bool has_expire,
                       size_t value_capacity = 0);
  // Allocates an entry holding a new empty list (type kList, encoding kQuicklist).
  static Entry* CreateList(std::string_view key, bool has_expire);
  // Allocates a hash, set or sorted set entry in a small encoding (kListpack, or kIntset for a
  // set of integers): `packed` (a PackedList's bytes) is its value, with room for
  // value_capacity bytes.
  static Entry* CreatePacked(std::string_view key, ValueType type, std::string_view packed,
                             bool has_expire, size_t value_capacity = 0,
                             Encoding encoding = Encoding::kListpack);
  // Allocates a hash or set entry in the large encoding, taking ownership of `table`.
  static Entry* CreateTable(std::string_view key, ValueType type, FieldTable* table,
                            bool has_expire);
  // Allocates a sorted set entry in the large encoding (kSkiplist), taking ownership of `table`.
  static Entry* CreateSortedTable(std::string_view key, SortedTable* table, bool has_expire);
  // Allocates a stream entry, taking ownership of `stream`.
  static Entry* CreateStream(std::string_view key, StreamValue* stream, bool has_expire);
  // Copies `from` under a new key (RENAME, COPY, MOVE) or with more room for the value. A list is
  // deep-copied, so the clone is independent of `from`. value_capacity is ignored for lists.
  static Entry* CloneWith(const Entry& from, std::string_view key, bool has_expire,
                          size_t value_capacity);
  // As CloneWith, but a list is handed over instead of copied, in O(1), for callers that destroy
  // `from` next (RENAME, MOVE, adding an expire slot). `from` is left an empty string whose
  // AllocatedBytes() no longer counts the list.
  static Entry* Relocate(Entry* from, std::string_view key, bool has_expire, size_t value_capacity);
  // A string entry whose value is `block` (its size()), taken over without copying.
  // Requires: block holds at least kLargeValueBytes.
  static Entry* CreateAdopting(std::string_view key, common::SharedBytesRef block, bool has_expire);
  static void Destroy(Entry* entry);

  std::string_view key() const { return {KeyData(), key_len()}; }
  std::string_view value() const {
    if (flags_ & kFlagLargeValue) {
      return LargePointer()->view();
    }
    return {KeyData() + key_len(), value_len()};
  }
  // For writing the value in place. A large value still shared with a reply is copied first.
  char* mutable_value();
  // Bytes the value may grow to without reallocating.
  size_t value_capacity() const;
  // Requires: len <= value_capacity().
  void set_value_len(size_t len);
  // Another reference to a large value's block (for a reply to write it from), or none.
  common::SharedBytesRef ShareLargeValue() const;
  bool has_large_value() const { return flags_ & kFlagLargeValue; }

  // Requires: type() == ValueType::kList.
  const ListValue& list() const { return *ListPointer(); }
  ListValue& mutable_list() { return *ListPointer(); }
  // Requires: a hash or set in encoding kHashtable.
  const FieldTable& table() const { return *TablePointer(); }
  FieldTable& mutable_table() { return *TablePointer(); }
  // Requires: a sorted set in encoding kSkiplist.
  const SortedTable& sorted_table() const { return *SortedTablePointer(); }
  SortedTable& mutable_sorted_table() { return *SortedTablePointer(); }
  // Requires: type() == ValueType::kStream.
  const StreamValue& stream() const { return *StreamPointer(); }
  StreamValue& mutable_stream() { return *StreamPointer(); }
  // Whether the value bytes hold a pointer to an object this entry owns (a list, a table).
  bool owns_object() const {
    return type() == ValueType::kList || encoding() == Encoding::kHashtable ||
           encoding() == Encoding::kSkiplist || encoding() == Encoding::kStream;
  }

  ValueType type() const { return static_cast<ValueType>(kind_ & 0x0F); }
  Encoding encoding() const { return static_cast<Encoding>(kind_ >> 4); }
  void set_encoding(Encoding e) {
    kind_ = static_cast<uint8_t>((kind_ & 0x0F) | (static_cast<uint8_t>(e) << 4));
  }

  bool has_expire_slot() const { return flags_ & kFlagExpireSlot; }
  // Absolute Unix ms, or kNoExpire.
  int64_t expire_ms() const { return has_expire_slot() ? ExpireSlot()->at_ms : kNoExpire; }
  // Requires: has_expire_slot().
  void set_expire_ms(int64_t at_ms) { ExpireSlot()->at_ms = at_ms; }
  uint32_t volatile_index() const { return ExpireSlot()->volatile_index; }
  void set_volatile_index(uint32_t i) { ExpireSlot()->volatile_index = i; }

  // LRU clock (seconds, 24 bits, wrapping) or LFU state (16-bit minutes, 8-bit counter),
  // depending on maxmemory-policy, as Redis's 24-bit robj.lru.
  uint32_t access() const {
    return access_[0] | (uint32_t{access_[1]} << 8) | (uint32_t{access_[2]} << 16);
  }
  void set_access(uint32_t a) {
    access_[0] = static_cast<uint8_t>(a);
    access_[1] = static_cast<uint8_t>(a >> 8);
    access_[2] = static_cast<uint8_t>(a >> 16);
  }

  // Bytes this entry occupies in the allocator, with the container a list owns (approximate).
  size_t AllocatedBytes() const;

  // Chain link of the hash table bucket this entry sits in.
  Entry* next = nullptr;

 private:
  struct Expire {
    int64_t at_ms;
    uint32_t volatile_index;  // position in the table's list of keys with a TTL
    uint32_t unused;
  };
  static constexpr uint8_t kFlagExpireSlot = 1;
  static constexpr uint8_t kFlagWideKey = 2;     // key length stored as 32 bits after the header
  static constexpr uint8_t kFlagWideValue = 4;   // value length stored as 32 bits likewise
  static constexpr uint8_t kFlagLargeValue = 8;  // value bytes hold a SharedBytes pointer
  static constexpr size_t kMaxSmallKey = 0xFF;
  static constexpr size_t kMaxSmallValue = 0xFFFF;

  Entry() = default;
  static size_t DataOffset(uint8_t flags) {
    return sizeof(Entry) + ((flags & kFlagExpireSlot) ? sizeof(Expire) : 0) +
           ((flags & kFlagWideKey) ? 4 : 0) + ((flags & kFlagWideValue) ? 4 : 0);
  }
  void set_type(ValueType t) {
    kind_ = static_cast<uint8_t>((kind_ & 0xF0) | static_cast<uint8_t>(t));
  }
  size_t key_len() const;
  size_t value_len() const;
  // The 32-bit lengths after the expire slot (wide keys and values only).
  char* LengthArea() {
    return reinterpret_cast<char*>(this + 1) + (has_expire_slot() ? sizeof(Expire) : 0);
  }
  const char* LengthArea() const { return const_cast<Entry*>(this)->LengthArea(); }
  Expire* ExpireSlot() { return reinterpret_cast<Expire*>(this + 1); }
  const Expire* ExpireSlot() const { return reinterpret_cast<const Expire*>(this + 1); }
  char* KeyData() { return reinterpret_cast<char*>(this) + DataOffset(flags_); }
  const char* KeyData() const { return reinterpret_cast<const char*>(this) + DataOffset(flags_); }
  // The list's pointer lives unaligned in the value bytes, hence the memcpy.
  ListValue* ListPointer() const;
  FieldTable* TablePointer() const;
  SortedTable* SortedTablePointer() const;
  StreamValue* StreamPointer() const;
  // Frees the owned object (a list, a table) or releases the large block.
  void ReleaseValue();
  // Likewise for a large string's block.
  common::SharedBytes* LargePointer() const;
  void SetLargePointer(common::SharedBytes* block);
  // An entry whose value bytes are `block`'s pointer (adopting the caller's reference).
  static Entry* CreateLarge(std::string_view key, common::SharedBytes* block, bool has_expire);

  uint8_t access_[3] = {0, 0, 0};
  uint8_t kind_ = 0;  // low nibble ValueType, high nibble Encoding
  uint8_t flags_ = 0;
  uint8_t key_len_small_ = 0;     // unless kFlagWideKey
  uint16_t value_len_small_ = 0;  // unless kFlagWideValue
};

static_assert(sizeof(Entry) == 16, "Entry header must stay compact");

// Redis's choice of encoding for a string written by SET: "int" for a canonical int64 of at
// most 20 characters, "embstr" up to 44 bytes, "raw" beyond.
Encoding EncodingForNewString(std::string_view value);

}  // namespace redoubt::storage
