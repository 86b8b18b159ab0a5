// The large encoding of hashes and sets (Redis's "hashtable"): a chained hash table whose
// nodes each hold one field and its value (empty for a set member) in a single heap block.
//
// Why not absl::flat_hash_map<std::string, std::string>: HSCAN and SSCAN must return every
// element present for the whole scan, which needs the reverse-binary cursor over buckets that
// depend only on the hash and the table size (scan_cursor.h); and a node of one block costs a
// 16-byte header plus the bytes, where two std::strings cost 64 bytes before their own heap
// blocks. With 12-byte fields and values a node is a 48-byte jemalloc block plus an 8-byte
// bucket, against Redis's 24-byte dictEntry (a 32-byte block), two 16-byte sds and the bucket.
//
// The table grows at one node per bucket and shrinks below one per eight, rehashing in one step
// (a million fields move in a few milliseconds); Redis rehashes incrementally.
//
// Thread: owned by its key's value; used only under that key's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

namespace redoubt::storage {

class FieldTable {
 public:
  FieldTable() = default;
  // A deep copy (COPY must not share nodes with its source).
  FieldTable(const FieldTable& other);
  FieldTable& operator=(const FieldTable&) = delete;
  ~FieldTable();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The value of `field`, or nullopt. Valid until the table changes.
  std::optional<std::string_view> Find(std::string_view field) const;
  bool Contains(std::string_view field) const { return Find(field).has_value(); }
  // Sets field to value. True when the field is new.
  bool Set(std::string_view field, std::string_view value);
  // Adds field with value only when absent (HSETNX, SADD). True when added.
  bool Insert(std::string_view field, std::string_view value);
  // Removes field. True when it was there.
  bool Erase(std::string_view field);

  // Calls fn(field, value) for every element, in no particular order. fn must not change the
  // table.
  void ForEach(const std::function<void(std::string_view, std::string_view)>& fn) const;
  // HSCAN/SSCAN: calls fn for the elements of the buckets `cursor` selects and returns the next
  // cursor (0: done).
  uint64_t Scan(uint64_t cursor,
                const std::function<void(std::string_view, std::string_view)>& fn) const;
  // A random element (HRANDFIELD, SRANDMEMBER, SPOP), every element equally likely (Redis's
  // dictGetFairRandomKey is nearly so): a random bucket and a random depth below the longest
  // chain, retried until they name a node. Requires: !empty().
  std::pair<std::string_view, std::string_view> Random(std::mt19937_64& rng) const;

  // Heap bytes owned by the table: buckets and nodes, as the allocator sized them. Kept up to
  // date by every change, for memory accounting and MEMORY USAGE.
  size_t AllocatedBytes() const { return sizeof(FieldTable) + allocated_; }

 private:
  struct Node;
  // The link that points to field's node, or nullptr.
  Node** Locate(std::string_view field, uint64_t hash) const;
  Node* NewNode(std::string_view field, std::string_view value);
  void FreeNode(Node* node);
  void Link(Node* node, uint64_t hash);
  void Resize(size_t new_capacity);

  Node** buckets_ = nullptr;
  size_t capacity_ = 0;  // buckets, 0 or a power of two
  size_t size_ = 0;
  size_t allocated_ = 0;
  // At least the longest chain's length (raised by inserts, recomputed by resizes), for Random.
  size_t max_chain_ = 0;
};

}  // namespace redoubt::storage
