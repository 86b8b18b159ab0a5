// Hash reads and writes in either encoding; see hash_operations.h.
#include "commands/hash_operations.h"

#include <vector>

#include "storage/packed_list.h"

namespace redoubt::commands {

using storage::Encoding;
using storage::Entry;
using storage::FieldTable;
using storage::PackedList;
using storage::ValueType;

size_t HashReader::size() const {
  if (entry_.encoding() == Encoding::kHashtable) {
    return entry_.table().size();
  }
  return PackedList(entry_.value()).size() / 2;
}

std::optional<std::string_view> HashReader::Get(std::string_view field) const {
  if (entry_.encoding() == Encoding::kHashtable) {
    return entry_.table().Find(field);
  }
  return PackedList(entry_.value()).FindPairValue(field);
}

void HashReader::ForEach(const std::function<void(std::string_view, std::string_view)>& fn) const {
  if (entry_.encoding() == Encoding::kHashtable) {
    entry_.table().ForEach(fn);
    return;
  }
  PackedList list(entry_.value());
  for (auto it = list.begin(); it != list.end(); ++it) {
    std::string_view field = *it;
    ++it;
    fn(field, *it);
  }
}

HashWriter::HashWriter(storage::Keyspace& keyspace, int db, std::string_view key, Entry* e,
                       const RuntimeSettings& settings)
    : AggregateWriter(keyspace, db, key, e, ValueType::kHash, Encoding::kListpack),
      max_entries_(
          static_cast<size_t>(settings.hash_max_listpack_entries.load(std::memory_order_relaxed))),
      max_value_(
          static_cast<size_t>(settings.hash_max_listpack_value.load(std::memory_order_relaxed))) {
  if (packed()) {
    fields_ = PackedList(packed_).size() / 2;
  }
}

size_t HashWriter::size() const {
  return packed() ? fields_ : table_->size();
}

std::optional<std::string_view> HashWriter::Get(std::string_view field) const {
  if (!packed()) {
    return table_->Find(field);
  }
  return PackedList(packed_).FindPairValue(field);
}

void HashWriter::ConvertToTable() {
  AggregateWriter::ConvertToTable([this](FieldTable& table) {
    PackedList list(packed_);
    for (auto it = list.begin(); it != list.end(); ++it) {
      std::string_view field = *it;
      ++it;
      table.Set(field, *it);
    }
  });
}

bool HashWriter::Set(std::string_view field, std::string_view value) {
  if (packed() && (field.size() > max_value_ || value.size() > max_value_)) {
    ConvertToTable();
  }
  if (!packed()) {
    return table_->Set(field, value);
  }
  std::optional<size_t> record = PackedList(packed_).FindRecord(field, 2);
  if (record) {
    PackedList::Replace(packed_, *record * 2 + 1, value);
    return false;
  }
  const std::string_view pair[] = {field, value};
  PackedList::Append(packed_, pair);
  ++fields_;
  if (fields_ > max_entries_) {
    ConvertToTable();
  }
  return true;
}

bool HashWriter::Delete(std::string_view field) {
  if (!packed()) {
    return table_->Erase(field);
  }
  std::optional<size_t> record = PackedList(packed_).FindRecord(field, 2);
  if (!record) {
    return false;
  }
  PackedList::Erase(packed_, *record * 2, 2);
  --fields_;
  return true;
}

}  // namespace redoubt::commands
