// Entry allocation; see entry.h.
#include "storage/entry.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/check.h"
#include "common/numbers.h"
#include "storage/field_table.h"
#include "storage/list_value.h"
#include "storage/sorted_table.h"
#include "storage/stream_value.h"

namespace redoubt::storage {

Entry* Entry::Create(std::string_view key, std::string_view value, bool has_expire,
                     size_t value_capacity) {
  if (value_capacity < value.size()) {
    value_capacity = value.size();
  }
  if (value_capacity >= kLargeValueBytes) {
    return CreateLarge(key, common::SharedBytes::Copy(value, value_capacity), has_expire);
  }
  uint8_t flags = (has_expire ? kFlagExpireSlot : 0) |
                  (key.size() > kMaxSmallKey ? kFlagWideKey : 0) |
                  (value_capacity > kMaxSmallValue ? kFlagWideValue : 0);
  size_t bytes = DataOffset(flags) + key.size() + value_capacity;
  void* mem = std::malloc(bytes);
  if (mem == nullptr) {
    throw std::bad_alloc();
  }
  Entry* e = new (mem) Entry();
  e->flags_ = flags;
  if (has_expire) {
    e->ExpireSlot()->at_ms = kNoExpire;
    e->ExpireSlot()->volatile_index = 0;
    e->ExpireSlot()->unused = 0;
  }
  if (flags & kFlagWideKey) {
    uint32_t len = static_cast<uint32_t>(key.size());
    std::memcpy(e->LengthArea(), &len, sizeof(len));
  } else {
    e->key_len_small_ = static_cast<uint8_t>(key.size());
  }
  e->set_value_len(value.size());
  if (!key.empty()) {
    std::memcpy(e->KeyData(), key.data(), key.size());
  }
  if (!value.empty()) {
    std::memcpy(e->mutable_value(), value.data(), value.size());
  }
  return e;
}

size_t Entry::key_len() const {
  if (!(flags_ & kFlagWideKey)) {
    return key_len_small_;
  }
  uint32_t len;
  std::memcpy(&len, LengthArea(), sizeof(len));
  return len;
}

size_t Entry::value_len() const {
  if (!(flags_ & kFlagWideValue)) {
    return value_len_small_;
  }
  uint32_t len;
  std::memcpy(&len, LengthArea() + ((flags_ & kFlagWideKey) ? 4 : 0), sizeof(len));
  return len;
}

void Entry::set_value_len(size_t len) {
  if (flags_ & kFlagLargeValue) {
    mutable_value();  // unshares it first
    LargePointer()->set_size(len);
    return;
  }
  if (!(flags_ & kFlagWideValue)) {
    REDOUBT_DCHECK(len <= kMaxSmallValue);
    value_len_small_ = static_cast<uint16_t>(len);
    return;
  }
  uint32_t v = static_cast<uint32_t>(len);
  std::memcpy(LengthArea() + ((flags_ & kFlagWideKey) ? 4 : 0), &v, sizeof(v));
}

namespace {

template <typename T>
std::string_view PointerBytes(const T* const& pointer) {
  return {reinterpret_cast<const char*>(&pointer), sizeof(pointer)};
}

}  // namespace

Entry* Entry::CreateLarge(std::string_view key, common::SharedBytes* block, bool has_expire) {
  // The pointer's 8 bytes are stored as a small value, then the flag says what they are.
  const common::SharedBytes* pointer = block;
  Entry* e = Create(key, PointerBytes(pointer), has_expire, sizeof(pointer));
  e->flags_ |= kFlagLargeValue;
  e->set_encoding(Encoding::kRaw);
  return e;
}

Entry* Entry::CreateAdopting(std::string_view key, common::SharedBytesRef block, bool has_expire) {
  return CreateLarge(key, block.Detach(), has_expire);
}

common::SharedBytes* Entry::LargePointer() const {
  common::SharedBytes* block;
  std::memcpy(&block, KeyData() + key_len(), sizeof(block));
  return block;
}

void Entry::SetLargePointer(common::SharedBytes* block) {
  std::memcpy(KeyData() + key_len(), &block, sizeof(block));
}

char* Entry::mutable_value() {
  if (!(flags_ & kFlagLargeValue)) {
    return KeyData() + key_len();
  }
  common::SharedBytes* block = LargePointer();
  if (!block->unique()) {
    // A reply still holds it and must see the bytes it was given: write into a copy.
    common::SharedBytes* copy = common::SharedBytes::Copy(block->view(), block->capacity());
    block->Release();
    SetLargePointer(copy);
    block = copy;
  }
  return block->data();
}

common::SharedBytesRef Entry::ShareLargeValue() const {
  if (!(flags_ & kFlagLargeValue)) {
    return {};
  }
  common::SharedBytes* block = LargePointer();
  block->AddRef();
  return common::SharedBytesRef(block);
}

Entry* Entry::CreateList(std::string_view key, bool has_expire) {
  const ListValue* list = new ListValue();
  Entry* e = Create(key, PointerBytes(list), has_expire);
  e->set_type(ValueType::kList);
  e->set_encoding(Encoding::kQuicklist);
  return e;
}

Entry* Entry::CreatePacked(std::string_view key, ValueType type, std::string_view packed,
                           bool has_expire, size_t value_capacity, Encoding encoding) {
  REDOUBT_DCHECK(type == ValueType::kHash || type == ValueType::kSet || type == ValueType::kZset);
  REDOUBT_DCHECK(encoding == Encoding::kListpack || encoding == Encoding::kIntset);
  Entry* e = Create(key, packed, has_expire, value_capacity);
  e->set_type(type);
  e->set_encoding(encoding);
  return e;
}

Entry* Entry::CreateTable(std::string_view key, ValueType type, FieldTable* table,
                          bool has_expire) {
  REDOUBT_DCHECK(type == ValueType::kHash || type == ValueType::kSet);
  const FieldTable* pointer = table;
  Entry* e = Create(key, PointerBytes(pointer), has_expire);
  e->set_type(type);
  e->set_encoding(Encoding::kHashtable);
  return e;
}

Entry* Entry::CreateSortedTable(std::string_view key, SortedTable* table, bool has_expire) {
  const SortedTable* pointer = table;
  Entry* e = Create(key, PointerBytes(pointer), has_expire);
  e->set_type(ValueType::kZset);
  e->set_encoding(Encoding::kSkiplist);
  return e;
}

Entry* Entry::CreateStream(std::string_view key, StreamValue* stream, bool has_expire) {
  const StreamValue* pointer = stream;
  Entry* e = Create(key, PointerBytes(pointer), has_expire);
  e->set_type(ValueType::kStream);
  e->set_encoding(Encoding::kStream);
  return e;
}

StreamValue* Entry::StreamPointer() const {
  REDOUBT_DCHECK(encoding() == Encoding::kStream);
  StreamValue* stream;
  std::memcpy(&stream, KeyData() + key_len(), sizeof(stream));
  return stream;
}

SortedTable* Entry::SortedTablePointer() const {
  REDOUBT_DCHECK(encoding() == Encoding::kSkiplist);
  SortedTable* table;
  std::memcpy(&table, KeyData() + key_len(), sizeof(table));
  return table;
}

FieldTable* Entry::TablePointer() const {
  REDOUBT_DCHECK(encoding() == Encoding::kHashtable);
  FieldTable* table;
  std::memcpy(&table, KeyData() + key_len(), sizeof(table));
  return table;
}

ListValue* Entry::ListPointer() const {
  REDOUBT_DCHECK(type() == ValueType::kList);
  ListValue* list;
  std::memcpy(&list, KeyData() + key_len(), sizeof(list));
  return list;
}

Entry* Entry::CloneWith(const Entry& from, std::string_view key, bool has_expire,
                        size_t value_capacity) {
  Entry* e;
  if (from.type() == ValueType::kList) {
    const ListValue* copy = new ListValue(from.list());
    e = Create(key, PointerBytes(copy), has_expire);
  } else if (from.encoding() == Encoding::kHashtable) {
    const FieldTable* copy = new FieldTable(from.table());
    e = Create(key, PointerBytes(copy), has_expire);
  } else if (from.encoding() == Encoding::kSkiplist) {
    const SortedTable* copy = new SortedTable(from.sorted_table());
    e = Create(key, PointerBytes(copy), has_expire);
  } else if (from.encoding() == Encoding::kStream) {
    const StreamValue* copy = new StreamValue(from.stream());
    e = Create(key, PointerBytes(copy), has_expire);
  } else {
    e = Create(key, from.value(), has_expire, value_capacity);
  }
  e->kind_ = from.kind_;
  e->set_access(from.access());
  if (has_expire) {
    e->set_expire_ms(from.expire_ms());
  }
  return e;
}

Entry* Entry::Relocate(Entry* from, std::string_view key, bool has_expire, size_t value_capacity) {
  if (from->has_large_value() && value_capacity <= from->value_capacity()) {
    // The block moves with its reference, as a list's pointer does: no copy of the value.
    Entry* e = CreateLarge(key, from->LargePointer(), has_expire);
    e->kind_ = from->kind_;
    e->set_access(from->access());
    if (has_expire) {
      e->set_expire_ms(from->expire_ms());
    }
    from->flags_ &= static_cast<uint8_t>(~kFlagLargeValue);
    from->set_value_len(0);
    return e;
  }
  if (!from->owns_object()) {
    return CloneWith(*from, key, has_expire, value_capacity);
  }
  // The value bytes are the list's or table's pointer: copying them moves ownership.
  Entry* e = Create(key, from->value(), has_expire);
  e->kind_ = from->kind_;
  e->set_access(from->access());
  if (has_expire) {
    e->set_expire_ms(from->expire_ms());
  }
  from->set_type(ValueType::kString);
  from->set_encoding(Encoding::kRaw);
  from->set_value_len(0);
  return e;
}

void Entry::ReleaseValue() {
  if (type() == ValueType::kList) {
    delete ListPointer();
  } else if (encoding() == Encoding::kHashtable) {
    delete TablePointer();
  } else if (encoding() == Encoding::kSkiplist) {
    delete SortedTablePointer();
  } else if (encoding() == Encoding::kStream) {
    delete StreamPointer();
  } else if (has_large_value()) {
    LargePointer()->Release();
  }
}

void Entry::Destroy(Entry* entry) {
  entry->ReleaseValue();
  entry->~Entry();
  std::free(entry);
}

size_t Entry::value_capacity() const {
  if (flags_ & kFlagLargeValue) {
    return LargePointer()->capacity();
  }
  size_t capacity = malloc_usable_size(const_cast<Entry*>(this)) - DataOffset(flags_) - key_len();
  // A value whose length is kept in 16 bits cannot grow past it in place.
  return (flags_ & kFlagWideValue) ? capacity : std::min(capacity, kMaxSmallValue);
}

size_t Entry::AllocatedBytes() const {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(this));
  if (type() == ValueType::kList) {
    bytes += ListPointer()->AllocatedBytes();
  } else if (encoding() == Encoding::kHashtable) {
    bytes += TablePointer()->AllocatedBytes();
  } else if (encoding() == Encoding::kSkiplist) {
    bytes += SortedTablePointer()->AllocatedBytes();
  } else if (encoding() == Encoding::kStream) {
    bytes += sizeof(StreamValue) + StreamPointer()->AllocatedBytes();
  } else if (has_large_value()) {
    bytes += LargePointer()->AllocatedBytes();
  }
  return bytes;
}

Encoding EncodingForNewString(std::string_view value) {
  if (value.size() <= 20 && common::ParseInt64(value).has_value()) {
    return Encoding::kInt;
  }
  return value.size() <= 44 ? Encoding::kEmbStr : Encoding::kRaw;
}

}  // namespace redoubt::storage
