// One key and its value in a single heap block: the compact representation of the keyspace.
//
// Layout: [Entry header 24 B][expire 16 B, only when the key has a TTL][key][value][spare].
// A key with a 16-byte name and a 64-byte value takes one 112-byte jemalloc block, where
// Redis spends a dictEntry, a robj and two sds strings (bench/RESULTS.md has the figures).
// The spare bytes (the allocator's size class minus what is used) let APPEND and SETRANGE
// grow a value in place.
//
// A list keeps its elements in an owned ListValue; the entry's value bytes hold only the pointer
// to it, so key, TTL and access state stay in the one block for every type. Destroy frees the
// ListValue and CloneWith deep-copies it.
//
// Thread: an Entry belongs to one keyspace shard and is touched only under that shard's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace redoubt::storage {

class ListValue;

enum class ValueType : uint8_t { kString, kList };

// As OBJECT ENCODING reports it. Lists are always kQuicklist: Redis 7.0 reports "quicklist" for
// every list, however small.
enum class Encoding : uint8_t { kRaw, kEmbStr, kInt, kQuicklist };

inline constexpr int64_t kNoExpire = -1;

class Entry {
 public:
  // Allocates an entry with room for `value_capacity` value bytes (at least value.size()).
  static Entry* Create(std::string_view key, std::string_view value, bool has_expire,
                       size_t value_capacity = 0);
  // Allocates an entry holding a new empty list (type kList, encoding kQuicklist).
  static Entry* CreateList(std::string_view key, bool has_expire);
  // Copies `from` under a new key (RENAME, COPY, MOVE) or with more room for the value. A list is
  // deep-copied, so the clone is independent of `from`. value_capacity is ignored for lists.
  static Entry* CloneWith(const Entry& from, std::string_view key, bool has_expire,
                          size_t value_capacity);
  // As CloneWith, but a list is handed over instead of copied, in O(1), for callers that destroy
  // `from` next (RENAME, MOVE, adding an expire slot). `from` is left an empty string whose
  // AllocatedBytes() no longer counts the list.
  static Entry* Relocate(Entry* from, std::string_view key, bool has_expire, size_t value_capacity);
  static void Destroy(Entry* entry);

  std::string_view key() const { return {KeyData(), key_len_}; }
  std::string_view value() const { return {KeyData() + key_len_, value_len_}; }
  char* mutable_value() { return KeyData() + key_len_; }
  // Bytes the value may grow to without reallocating.
  size_t value_capacity() const;
  // Requires: len <= value_capacity().
  void set_value_len(size_t len) { value_len_ = static_cast<uint32_t>(len); }

  // Requires: type() == ValueType::kList.
  const ListValue& list() const { return *ListPointer(); }
  ListValue& mutable_list() { return *ListPointer(); }

  ValueType type() const { return type_; }
  Encoding encoding() const { return encoding_; }
  void set_encoding(Encoding e) { encoding_ = e; }

  bool has_expire_slot() const { return flags_ & kFlagExpireSlot; }
  // Absolute Unix ms, or kNoExpire.
  int64_t expire_ms() const { return has_expire_slot() ? ExpireSlot()->at_ms : kNoExpire; }
  // Requires: has_expire_slot().
  void set_expire_ms(int64_t at_ms) { ExpireSlot()->at_ms = at_ms; }
  uint32_t volatile_index() const { return ExpireSlot()->volatile_index; }
  void set_volatile_index(uint32_t i) { ExpireSlot()->volatile_index = i; }

  // LRU clock (seconds) or LFU state, depending on maxmemory-policy, as Redis's robj.lru.
  uint32_t access() const { return access_; }
  void set_access(uint32_t a) { access_ = a; }

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

  Entry() = default;
  static size_t HeaderSize(bool has_expire) {
    return sizeof(Entry) + (has_expire ? sizeof(Expire) : 0);
  }
  Expire* ExpireSlot() { return reinterpret_cast<Expire*>(this + 1); }
  const Expire* ExpireSlot() const { return reinterpret_cast<const Expire*>(this + 1); }
  char* KeyData() { return reinterpret_cast<char*>(this) + HeaderSize(has_expire_slot()); }
  const char* KeyData() const {
    return reinterpret_cast<const char*>(this) + HeaderSize(has_expire_slot());
  }

  // The list's pointer lives unaligned in the value bytes, hence the memcpy.
  ListValue* ListPointer() const;

  uint32_t access_ = 0;
  ValueType type_ = ValueType::kString;
  Encoding encoding_ = Encoding::kRaw;
  uint8_t flags_ = 0;
  uint8_t unused_ = 0;
  uint32_t key_len_ = 0;
  uint32_t value_len_ = 0;
};

static_assert(sizeof(Entry) == 24, "Entry header must stay compact");

// Redis's choice of encoding for a string written by SET: "int" for a canonical int64 of at
// most 20 characters, "embstr" up to 44 bytes, "raw" beyond.
Encoding EncodingForNewString(std::string_view value);

}  // namespace redoubt::storage
