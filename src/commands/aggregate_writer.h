// What HashWriter and SetWriter share: a change to a hash or set held either packed in its
// entry (a PackedList, copied here and written back) or as a FieldTable (changed in place, or
// built here by a conversion), and the one way of writing the result back to the keyspace.
//
// Thread: under the key's shard lock, like every keyspace access.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "storage/entry.h"
#include "storage/field_table.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

class AggregateWriter {
 public:
  AggregateWriter(const AggregateWriter&) = delete;
  AggregateWriter& operator=(const AggregateWriter&) = delete;

 protected:
  // e: the key's entry (of `type`), or nullptr for a key that does not exist yet. A packed
  // value is written back with `packed_encoding` (kListpack, kIntset).
  AggregateWriter(storage::Keyspace& keyspace, int db, std::string_view key, storage::Entry* e,
                  storage::ValueType type, storage::Encoding packed_encoding);
  ~AggregateWriter() = default;

  bool packed() const { return table_ == nullptr; }
  // Moves to a new table; fill(table) adds the packed elements to it.
  void ConvertToTable(const std::function<void(storage::FieldTable&)>& fill);
  // Drops the table (the entry's stays untouched until Finish): the caller refills packed_.
  void ReleaseTable();
  // Writes the packed bytes back into the entry (a bigger one if they outgrew it), a table
  // converted here in place of the packed entry (or as the new key), or the table's change in
  // bytes, or packed bytes in place of a released table; deletes a key left with `size` 0. The
  // entry is invalid afterwards.
  void Finish(size_t size);

  storage::Keyspace& keyspace_;
  const int db_;
  const std::string_view key_;
  storage::Entry* entry_;
  std::string packed_;  // a copy of the packed value, while packed()
  storage::FieldTable* table_ = nullptr;

 private:
  const storage::ValueType type_;
  const storage::Encoding packed_encoding_;
  std::unique_ptr<storage::FieldTable> owned_;
  size_t table_bytes_before_ = 0;
};

}  // namespace redoubt::commands
