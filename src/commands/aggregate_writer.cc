// The shared half of the hash and set writers; see aggregate_writer.h.
#include "commands/aggregate_writer.h"

#include <cstring>

#include "storage/packed_list.h"

namespace redoubt::commands {

using storage::Encoding;
using storage::Entry;
using storage::FieldTable;

AggregateWriter::AggregateWriter(storage::Keyspace& keyspace, int db, std::string_view key,
                                 Entry* e, storage::ValueType type,
                                 storage::Encoding packed_encoding)
    : keyspace_(keyspace),
      db_(db),
      key_(key),
      entry_(e),
      type_(type),
      packed_encoding_(packed_encoding) {
  if (e == nullptr) {
    packed_ = storage::PackedList::Empty();
  } else if (e->encoding() == Encoding::kHashtable) {
    table_ = &e->mutable_table();
    table_bytes_before_ = table_->AllocatedBytes();
  } else {
    packed_ = std::string(e->value());
  }
}

void AggregateWriter::ConvertToTable(const std::function<void(FieldTable&)>& fill) {
  owned_ = std::make_unique<FieldTable>();
  fill(*owned_);
  table_ = owned_.get();
  packed_.clear();
}

void AggregateWriter::ReleaseTable() {
  owned_.reset();
  table_ = nullptr;
}

void AggregateWriter::Finish(size_t size) {
  if (size == 0) {
    if (entry_ != nullptr) {
      keyspace_.Delete(db_, key_);
    }
    return;
  }
  if (owned_ != nullptr) {
    FieldTable* table = owned_.release();
    if (entry_ == nullptr) {
      keyspace_.Insert(db_, key_, Entry::CreateTable(key_, type_, table, false));
    } else {
      keyspace_.Rebuild(db_, key_, [&](const Entry&, bool has_expire) {
        return Entry::CreateTable(key_, type_, table, has_expire);
      });
    }
    return;
  }
  if (!packed()) {
    keyspace_.AdjustUsedBytes(key_, static_cast<int64_t>(table_->AllocatedBytes()) -
                                        static_cast<int64_t>(table_bytes_before_));
    return;
  }
  if (entry_ == nullptr) {
    keyspace_.Insert(db_, key_,
                     Entry::CreatePacked(key_, type_, packed_, false, 0, packed_encoding_));
  } else if (entry_->encoding() != Encoding::kHashtable &&
             packed_.size() <= entry_->value_capacity()) {
    std::memcpy(entry_->mutable_value(), packed_.data(), packed_.size());
    entry_->set_value_len(packed_.size());
  } else {
    // Room to grow by half again, so that an aggregate filled one element at a time is not
    // copied into a new block on every command (as APPEND grows a string).
    size_t capacity = packed_.size() + packed_.size() / 2;
    keyspace_.Rebuild(db_, key_, [&](const Entry&, bool has_expire) {
      return Entry::CreatePacked(key_, type_, packed_, has_expire, capacity, packed_encoding_);
    });
  }
}

}  // namespace redoubt::commands
