// A hash's fields in either encoding, for the hash commands and for whatever later changes a
// hash without a client (replication, RESTORE): HashReader reads one, HashWriter changes one and
// keeps Redis's encoding rules.
//
// Encodings (storage/entry.h): a small hash packs field, value, field, value, … into its entry
// (listpack: insertion order, O(n) lookups); it becomes a FieldTable (hashtable) once it has
// more than hash-max-listpack-entries fields or a field or value longer than
// hash-max-listpack-value bytes, and never goes back, as in Redis.
//
// Thread: under the key's shard lock (the dispatcher's), like every keyspace access.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "commands/aggregate_writer.h"
#include "commands/runtime_settings.h"
#include "storage/entry.h"
#include "storage/field_table.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

class HashReader {
 public:
  // Requires: e is a hash.
  explicit HashReader(const storage::Entry& e) : entry_(e) {}

  size_t size() const;
  std::optional<std::string_view> Get(std::string_view field) const;
  // fn(field, value) for every field: insertion order while packed, table order after.
  void ForEach(const std::function<void(std::string_view, std::string_view)>& fn) const;

 private:
  const storage::Entry& entry_;
};

class HashWriter : public AggregateWriter {
 public:
  // The hash at key; e is its entry, or nullptr when the key does not exist yet (Finish then
  // creates it if a field was set). Requires: e is null or a hash.
  HashWriter(storage::Keyspace& keyspace, int db, std::string_view key, storage::Entry* e,
             const RuntimeSettings& settings);

  size_t size() const;
  // Valid until the next change.
  std::optional<std::string_view> Get(std::string_view field) const;
  // Sets field to value; true when the field is new.
  bool Set(std::string_view field, std::string_view value);
  // True when the field was there.
  bool Delete(std::string_view field);
  // Writes the changes to the keyspace (AggregateWriter::Finish).
  void Finish() { AggregateWriter::Finish(size()); }

 private:
  void ConvertToTable();

  const size_t max_entries_;
  const size_t max_value_;
  size_t fields_ = 0;  // while packed
};

}  // namespace redoubt::commands
