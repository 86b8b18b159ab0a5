// Entry allocation; see entry.h.
#include "storage/entry.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "common/check.h"
#include "common/numbers.h"
#include "storage/list_value.h"

namespace redoubt::storage {

Entry* Entry::Create(std::string_view key, std::string_view value, bool has_expire,
                     size_t value_capacity) {
  if (value_capacity < value.size()) {
    value_capacity = value.size();
  }
  size_t bytes = HeaderSize(has_expire) + key.size() + value_capacity;
  void* mem = std::malloc(bytes);
  if (mem == nullptr) {
    throw std::bad_alloc();
  }
  Entry* e = new (mem) Entry();
  e->flags_ = has_expire ? kFlagExpireSlot : 0;
  e->key_len_ = static_cast<uint32_t>(key.size());
  e->value_len_ = static_cast<uint32_t>(value.size());
  if (has_expire) {
    e->ExpireSlot()->at_ms = kNoExpire;
    e->ExpireSlot()->volatile_index = 0;
    e->ExpireSlot()->unused = 0;
  }
  if (!key.empty()) {
    std::memcpy(e->KeyData(), key.data(), key.size());
  }
  if (!value.empty()) {
    std::memcpy(e->mutable_value(), value.data(), value.size());
  }
  return e;
}

namespace {

std::string_view PointerBytes(const ListValue* const& list) {
  return {reinterpret_cast<const char*>(&list), sizeof(list)};
}

}  // namespace

Entry* Entry::CreateList(std::string_view key, bool has_expire) {
  const ListValue* list = new ListValue();
  Entry* e = Create(key, PointerBytes(list), has_expire);
  e->type_ = ValueType::kList;
  e->encoding_ = Encoding::kQuicklist;
  return e;
}

ListValue* Entry::ListPointer() const {
  REDOUBT_DCHECK(type_ == ValueType::kList);
  ListValue* list;
  std::memcpy(&list, KeyData() + key_len_, sizeof(list));
  return list;
}

Entry* Entry::CloneWith(const Entry& from, std::string_view key, bool has_expire,
                        size_t value_capacity) {
  Entry* e;
  if (from.type_ == ValueType::kList) {
    const ListValue* copy = new ListValue(from.list());
    e = Create(key, PointerBytes(copy), has_expire);
  } else {
    e = Create(key, from.value(), has_expire, value_capacity);
  }
  e->type_ = from.type_;
  e->encoding_ = from.encoding_;
  e->access_ = from.access_;
  if (has_expire) {
    e->set_expire_ms(from.expire_ms());
  }
  return e;
}

Entry* Entry::Relocate(Entry* from, std::string_view key, bool has_expire, size_t value_capacity) {
  if (from->type_ != ValueType::kList) {
    return CloneWith(*from, key, has_expire, value_capacity);
  }
  // The value bytes are the list's pointer: copying them moves ownership.
  Entry* e = Create(key, from->value(), has_expire);
  e->type_ = from->type_;
  e->encoding_ = from->encoding_;
  e->access_ = from->access_;
  if (has_expire) {
    e->set_expire_ms(from->expire_ms());
  }
  from->type_ = ValueType::kString;
  from->encoding_ = Encoding::kRaw;
  from->value_len_ = 0;
  return e;
}

void Entry::Destroy(Entry* entry) {
  if (entry->type_ == ValueType::kList) {
    delete entry->ListPointer();
  }
  entry->~Entry();
  std::free(entry);
}

size_t Entry::value_capacity() const {
  return malloc_usable_size(const_cast<Entry*>(this)) - HeaderSize(has_expire_slot()) - key_len_;
}

size_t Entry::AllocatedBytes() const {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(this));
  if (type_ == ValueType::kList) {
    bytes += ListPointer()->AllocatedBytes();
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
