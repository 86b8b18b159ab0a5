// A set's members in either encoding, for the set commands and for whatever later changes a set
// without a client: SetReader reads one, SetWriter changes one and keeps Redis 7.0's rules.
//
// Encodings, as Redis 7.0 has them and OBJECT ENCODING names them: a set whose members are all
// integers (canonical int64 text, as string2ll reads it) packs them in ascending order into its
// entry (intset) until it has more than set-max-intset-entries; any other set is a FieldTable
// with empty values (hashtable). A new set starts as an intset only when its first member is an
// integer; a set never converts back.
//
// Thread: under the key's shard lock (the dispatcher's), like every keyspace access.
#pragma once

#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "commands/aggregate_writer.h"
#include "commands/runtime_settings.h"
#include "storage/entry.h"
#include "storage/field_table.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

class SetReader {
 public:
  // Requires: e is a set.
  explicit SetReader(const storage::Entry& e);
  // A set's packed members, or its table when `table` is not null.
  SetReader(std::string_view packed, const storage::FieldTable* table)
      : packed_(packed), table_(table) {}

  size_t size() const;
  bool Contains(std::string_view member) const;
  // fn(member) for every member: ascending while an intset, table order after.
  void ForEach(const std::function<void(std::string_view)>& fn) const;
  // Every member, in ForEach's order.
  std::vector<std::string_view> Members() const;
  // A random member, each equally likely. Requires: size() > 0.
  std::string_view Random(std::mt19937_64& rng) const;
  // Whether Random costs O(1) (a table) rather than a walk of the packed members.
  bool cheap_random() const { return table_ != nullptr; }

 private:
  std::string_view packed_;
  const storage::FieldTable* table_ = nullptr;
};

class SetWriter : public AggregateWriter {
 public:
  // The set at key; e is its entry, or nullptr when the key does not exist yet, in which case
  // `first` (the first member to be added) decides its encoding.
  SetWriter(storage::Keyspace& keyspace, int db, std::string_view key, storage::Entry* e,
            const RuntimeSettings& settings, std::string_view first = {});

  size_t size() const;
  bool Contains(std::string_view member) const;
  // Reads the set as it is now; valid until the next change.
  SetReader reader() const { return SetReader(packed_, table_); }
  // True when the member is new.
  bool Add(std::string_view member);
  // True when the member was there.
  bool Remove(std::string_view member);
  // Makes the set hold just `members` (distinct), encoded as a new set whose first member is
  // members[0] would be: SPOP's way of keeping the few members it does not pop.
  void Reset(const std::vector<std::string>& members);
  // Writes the changes to the keyspace (AggregateWriter::Finish).
  void Finish() { AggregateWriter::Finish(size()); }

 private:
  void ConvertToTable();
  // Where an integer member is or would go among the ascending packed members.
  size_t PackedPosition(int64_t value, bool* found) const;

  const size_t max_intset_;
  size_t members_ = 0;  // while packed
};

}  // namespace redoubt::commands
