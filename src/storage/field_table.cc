// The chained field table; see field_table.h.
#include "storage/field_table.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/check.h"
#include "storage/bucket_count.h"
#include "storage/db_table.h"
#include "storage/scan_cursor.h"

namespace redoubt::storage {

// A field and its value in one block: [next][field length][value length][field][value].
struct FieldTable::Node {
  Node* next;
  uint32_t field_len;
  uint32_t value_len;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view field() const { return {data(), field_len}; }
  std::string_view value() const { return {data() + field_len, value_len}; }
  // Bytes the value may grow to in this block.
  size_t value_room() const {
    return malloc_usable_size(const_cast<Node*>(this)) - sizeof(Node) - field_len;
  }
};

namespace {

uint64_t HashField(std::string_view field) {
  return HashKey(field);
}

}  // namespace

FieldTable::FieldTable(const FieldTable& other) {
  if (other.capacity_ > 0) {
    Resize(other.capacity_);
  }
  other.ForEach([this](std::string_view field, std::string_view value) {
    Link(NewNode(field, value), HashField(field));
    ++size_;
  });
}

FieldTable::~FieldTable() {
  for (size_t i = 0; i < capacity_; ++i) {
    Node* n = buckets_[i];
    while (n != nullptr) {
      Node* next = n->next;
      std::free(n);
      n = next;
    }
  }
  std::free(buckets_);
}

FieldTable::Node* FieldTable::NewNode(std::string_view field, std::string_view value) {
  REDOUBT_CHECK(field.size() <= UINT32_MAX && value.size() <= UINT32_MAX);
  auto* n = static_cast<Node*>(std::malloc(sizeof(Node) + field.size() + value.size()));
  if (n == nullptr) {
    throw std::bad_alloc();
  }
  n->next = nullptr;
  n->field_len = static_cast<uint32_t>(field.size());
  n->value_len = static_cast<uint32_t>(value.size());
  // Empty views may have a null data(), which memcpy must not get even for 0 bytes.
  if (!field.empty()) {
    std::memcpy(n->data(), field.data(), field.size());
  }
  if (!value.empty()) {
    std::memcpy(n->data() + field.size(), value.data(), value.size());
  }
  allocated_ += malloc_usable_size(n);
  return n;
}

void FieldTable::FreeNode(Node* node) {
  allocated_ -= malloc_usable_size(node);
  std::free(node);
}

FieldTable::Node** FieldTable::Locate(std::string_view field, uint64_t hash) const {
  if (capacity_ == 0) {
    return nullptr;
  }
  for (Node** link = &buckets_[hash & (capacity_ - 1)]; *link != nullptr; link = &(*link)->next) {
    if ((*link)->field() == field) {
      return link;
    }
  }
  return nullptr;
}

std::optional<std::string_view> FieldTable::Find(std::string_view field) const {
  Node** link = Locate(field, HashField(field));
  if (link == nullptr) {
    return std::nullopt;
  }
  return (*link)->value();
}

void FieldTable::Link(Node* node, uint64_t hash) {
  Node*& head = buckets_[hash & (capacity_ - 1)];
  node->next = head;
  head = node;
  size_t chain = 0;
  for (const Node* n = head; n != nullptr; n = n->next) {
    ++chain;
  }
  max_chain_ = std::max(max_chain_, chain);
}

bool FieldTable::Insert(std::string_view field, std::string_view value) {
  uint64_t hash = HashField(field);
  if (Locate(field, hash) != nullptr) {
    return false;
  }
  if (size_t buckets = BucketsBeforeInsert(size_, capacity_); buckets != capacity_) {
    Resize(buckets);
  }
  Link(NewNode(field, value), hash);
  ++size_;
  return true;
}

bool FieldTable::Set(std::string_view field, std::string_view value) {
  uint64_t hash = HashField(field);
  Node** link = Locate(field, hash);
  if (link == nullptr) {
    return Insert(field, value);
  }
  Node* old = *link;
  if (value.size() <= old->value_room()) {
    // In place: HINCRBY and same-size updates allocate nothing. memmove: value may view the
    // old value's own bytes.
    if (!value.empty()) {
      std::memmove(old->data() + old->field_len, value.data(), value.size());
    }
    old->value_len = static_cast<uint32_t>(value.size());
    return false;
  }
  Node* fresh = NewNode(field, value);
  fresh->next = old->next;
  *link = fresh;
  FreeNode(old);
  return false;
}

bool FieldTable::Erase(std::string_view field) {
  Node** link = Locate(field, HashField(field));
  if (link == nullptr) {
    return false;
  }
  Node* n = *link;
  *link = n->next;
  FreeNode(n);
  --size_;
  if (size_t buckets = BucketsAfterErase(size_, capacity_); buckets != capacity_) {
    Resize(buckets);
  }
  return true;
}

void FieldTable::Resize(size_t new_capacity) {
  Node** fresh = nullptr;
  if (new_capacity > 0) {
    fresh = static_cast<Node**>(std::calloc(new_capacity, sizeof(Node*)));
    if (fresh == nullptr) {
      throw std::bad_alloc();
    }
  }
  Node** old = buckets_;
  size_t old_capacity = capacity_;
  buckets_ = fresh;
  capacity_ = new_capacity;
  max_chain_ = 0;
  for (size_t i = 0; i < old_capacity; ++i) {
    Node* n = old[i];
    while (n != nullptr) {
      Node* next = n->next;
      REDOUBT_CHECK(new_capacity > 0);
      Link(n, HashField(n->field()));
      n = next;
    }
  }
  std::free(old);
  allocated_ = allocated_ - old_capacity * sizeof(Node*) + new_capacity * sizeof(Node*);
}

void FieldTable::ForEach(const std::function<void(std::string_view, std::string_view)>& fn) const {
  for (size_t i = 0; i < capacity_; ++i) {
    for (const Node* n = buckets_[i]; n != nullptr; n = n->next) {
      fn(n->field(), n->value());
    }
  }
}

uint64_t FieldTable::Scan(uint64_t cursor,
                          const std::function<void(std::string_view, std::string_view)>& fn) const {
  if (size_ == 0) {
    return 0;
  }
  const uint64_t mask = capacity_ - 1;
  for (const Node* n = buckets_[cursor & mask]; n != nullptr; n = n->next) {
    fn(n->field(), n->value());
  }
  return NextScanCursor(cursor, mask);
}

std::pair<std::string_view, std::string_view> FieldTable::Random(std::mt19937_64& rng) const {
  REDOUBT_CHECK(size_ > 0);
  // Each (bucket, depth) pair is equally likely and names at most one node, so every node is:
  // picking a bucket and then a node of its chain would favour nodes in short chains. At one
  // node per bucket and chains of a few nodes this takes a few tries.
  while (true) {
    const Node* n = buckets_[rng() & (capacity_ - 1)];
    for (size_t depth = rng() % max_chain_; n != nullptr && depth > 0; --depth) {
      n = n->next;
    }
    if (n != nullptr) {
      return {n->field(), n->value()};
    }
  }
}

}  // namespace redoubt::storage
