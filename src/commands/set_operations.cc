// Set reads and writes in either encoding; see set_operations.h.
#include "commands/set_operations.h"

#include "common/numbers.h"
#include "storage/packed_list.h"

namespace redoubt::commands {

using storage::Encoding;
using storage::Entry;
using storage::FieldTable;
using storage::PackedList;
using storage::ValueType;

SetReader::SetReader(const Entry& e) {
  if (e.encoding() == Encoding::kHashtable) {
    table_ = &e.table();
  } else {
    packed_ = e.value();
  }
}

size_t SetReader::size() const {
  return table_ != nullptr ? table_->size() : PackedList(packed_).size();
}

bool SetReader::Contains(std::string_view member) const {
  if (table_ != nullptr) {
    return table_->Contains(member);
  }
  // An intset holds canonical integer texts, so comparing the text is comparing the number.
  return PackedList(packed_).FindRecord(member, 1).has_value();
}

void SetReader::ForEach(const std::function<void(std::string_view)>& fn) const {
  if (table_ != nullptr) {
    table_->ForEach([&](std::string_view member, std::string_view) { fn(member); });
    return;
  }
  for (std::string_view member : PackedList(packed_)) {
    fn(member);
  }
}

std::vector<std::string_view> SetReader::Members() const {
  std::vector<std::string_view> members;
  members.reserve(size());
  ForEach([&](std::string_view member) { members.push_back(member); });
  return members;
}

std::string_view SetReader::Random(std::mt19937_64& rng) const {
  if (table_ != nullptr) {
    return table_->Random(rng).first;
  }
  PackedList list(packed_);
  return list.At(rng() % list.size());
}

SetWriter::SetWriter(storage::Keyspace& keyspace, int db, std::string_view key, Entry* e,
                     const RuntimeSettings& settings, std::string_view first)
    : AggregateWriter(keyspace, db, key, e, ValueType::kSet, Encoding::kIntset),
      max_intset_(
          static_cast<size_t>(settings.set_max_intset_entries.load(std::memory_order_relaxed))) {
  if (e == nullptr && !common::ParseInt64(first)) {
    ConvertToTable();  // as Redis's setTypeCreate: only an integer first member makes an intset
  } else if (packed()) {
    members_ = PackedList(packed_).size();
  }
}

size_t SetWriter::size() const {
  return packed() ? members_ : table_->size();
}

size_t SetWriter::PackedPosition(int64_t value, bool* found) const {
  size_t i = 0;
  *found = false;
  for (std::string_view member : PackedList(packed_)) {
    int64_t v = *common::ParseInt64(member);  // an intset holds only integers
    if (v >= value) {
      *found = v == value;
      return i;
    }
    ++i;
  }
  return i;
}

bool SetWriter::Contains(std::string_view member) const {
  if (!packed()) {
    return table_->Contains(member);
  }
  std::optional<int64_t> value = common::ParseInt64(member);
  bool found = false;
  if (value) {
    PackedPosition(*value, &found);
  }
  return found;
}

void SetWriter::ConvertToTable() {
  AggregateWriter::ConvertToTable([this](FieldTable& table) {
    for (std::string_view member : PackedList(packed_)) {
      table.Insert(member, {});
    }
  });
}

bool SetWriter::Add(std::string_view member) {
  std::optional<int64_t> value;
  if (packed()) {
    value = common::ParseInt64(member);
    if (!value) {
      ConvertToTable();
    }
  }
  if (!packed()) {
    return table_->Insert(member, {});
  }
  bool found;
  size_t at = PackedPosition(*value, &found);
  if (found) {
    return false;
  }
  const std::string_view one[] = {member};
  PackedList::Insert(packed_, at, one);
  ++members_;
  if (members_ > max_intset_) {
    ConvertToTable();
  }
  return true;
}

void SetWriter::Reset(const std::vector<std::string>& members) {
  if (!members.empty() && common::ParseInt64(members[0])) {
    // Back to packed: Finish writes the bytes into a new packed entry in place of a table.
    ReleaseTable();
    packed_ = PackedList::Empty();
    members_ = 0;
  } else {
    AggregateWriter::ConvertToTable([](FieldTable&) {});
  }
  for (const std::string& member : members) {
    Add(member);
  }
}

bool SetWriter::Remove(std::string_view member) {
  if (!packed()) {
    return table_->Erase(member);
  }
  std::optional<int64_t> value = common::ParseInt64(member);
  bool found = false;
  size_t at = value ? PackedPosition(*value, &found) : 0;
  if (!found) {
    return false;
  }
  PackedList::Erase(packed_, at, 1);
  --members_;
  return true;
}

}  // namespace redoubt::commands
