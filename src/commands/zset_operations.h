// A sorted set's elements in either encoding, for the sorted-set commands (and later GEO, which
// stores its points in sorted sets): ZsetReader reads one by rank, score or member; ZsetWriter
// changes one and keeps Redis 7.0's encoding rules.
//
// Encodings, as OBJECT ENCODING names them: a small sorted set packs its (member, score) pairs
// in ascending order into its entry (listpack: a PackedList whose score records are the
// double's 8 bytes), until it has more than zset-max-listpack-entries members or a member
// longer than zset-max-listpack-value bytes; then it is a storage::SortedTable (skiplist). A
// sorted set changed in place never converts back; one built whole (the STORE commands) is
// encoded by its content.
//
// Order: ascending score, then member bytes, in both encodings; ranks are 0-based.
//
// Thread: under the key's shard lock (the dispatcher's), like every keyspace access.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/runtime_settings.h"
#include "storage/entry.h"
#include "storage/keyspace.h"
#include "storage/sorted_table.h"

namespace redoubt::commands {

struct ZsetElement {
  std::string_view member;
  double score;
};

class ZsetReader {
 public:
  // Requires: e is a sorted set.
  explicit ZsetReader(const storage::Entry& e);
  explicit ZsetReader(const storage::SortedTable& table) : table_(&table) {}
  // Packed elements, in ascending order.
  explicit ZsetReader(std::vector<ZsetElement> elements) : packed_(std::move(elements)) {}

  size_t size() const { return table_ != nullptr ? table_->size() : packed_.size(); }
  std::optional<double> Score(std::string_view member) const;
  std::optional<size_t> Rank(std::string_view member) const;
  // Requires: rank < size().
  ZsetElement At(size_t rank) const;
  // fn for the ranks first..last (inclusive; first <= last < size()), ascending, or from last
  // down to first when reverse.
  void ForEachInRanks(size_t first, size_t last, bool reverse,
                      const std::function<void(const ZsetElement&)>& fn) const;
  void ForEach(const std::function<void(const ZsetElement&)>& fn) const;
  // The rank of the first element a minimum admits (size() when none) and of the last one a
  // maximum admits (nullopt when none).
  size_t FirstRankFrom(const storage::ScoreBound& min) const;
  std::optional<size_t> LastRankUpTo(const storage::ScoreBound& max) const;
  size_t FirstRankFrom(const storage::LexBound& min) const;
  std::optional<size_t> LastRankUpTo(const storage::LexBound& max) const;

 private:
  const storage::SortedTable* table_ = nullptr;
  std::vector<ZsetElement> packed_;
};

class ZsetWriter {
 public:
  // The sorted set at key; e is its entry, or nullptr when the key does not exist yet. A new
  // one is created as Redis's zsetTypeCreate does from its size hints: a skip list from the
  // start when it will hold more than zset-max-listpack-entries members (size_hint) or one
  // longer than zset-max-listpack-value (length_hint). It matters beyond speed: a score that
  // passes through a listpack loses the sign of -0.
  ZsetWriter(storage::Keyspace& keyspace, int db, std::string_view key, storage::Entry* e,
             const RuntimeSettings& settings, size_t size_hint = 0, size_t length_hint = 0);
  ZsetWriter(const ZsetWriter&) = delete;
  ZsetWriter& operator=(const ZsetWriter&) = delete;

  size_t size() const { return table_ != nullptr ? table_->size() : elements_.size(); }
  std::optional<double> Score(std::string_view member) const;
  // Adds member or moves it to score. True when it is new. Requires: score is not NaN.
  bool Set(std::string_view member, double score);
  // True when the member was there.
  bool Erase(std::string_view member);
  // Removes the elements of ranks first..last (inclusive, first <= last < size()).
  void EraseRanks(size_t first, size_t last);
  // Reads the set as it is now; valid until the next change.
  ZsetReader reader() const;
  // Writes the changes to the keyspace: the packed bytes into the entry (a bigger one if they
  // outgrew it), a table converted here in place of the packed entry, or the table's change in
  // bytes; deletes a key left empty. The entry is invalid afterwards.
  void Finish();

 private:
  void ConvertToTable();

  storage::Keyspace& keyspace_;
  const int db_;
  const std::string_view key_;
  storage::Entry* entry_;
  const size_t max_entries_;
  const size_t max_value_;
  // While packed: the elements, ascending, and whether they changed (Finish leaves the entry
  // as it is when not: redis-benchmark's ZADD re-adds one member with its score).
  std::vector<std::pair<std::string, double>> elements_;
  bool packed_changed_ = false;
  storage::SortedTable* table_ = nullptr;
  std::unique_ptr<storage::SortedTable> owned_;  // a table converted here
  size_t table_bytes_before_ = 0;
};

}  // namespace redoubt::commands
