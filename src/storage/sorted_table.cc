// The sorted set's skip list with hash chains; see sorted_table.h.
#include "storage/sorted_table.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "common/check.h"
#include "storage/bucket_count.h"
#include "storage/db_table.h"
#include "storage/scan_cursor.h"

namespace redoubt::storage {

// [score][backward][hash link][member length][height] then `height` levels, then the member.
struct SortedTable::Node {
  struct Level {
    Node* forward;
    size_t span;  // elements passed by following `forward`
  };

  double score;
  Node* backward;
  Node* hash_next;
  uint32_t member_len;
  uint8_t height;

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  std::string_view member() const {
    return {reinterpret_cast<const char*>(levels() + height), member_len};
  }
  Node* forward(int i) const { return levels()[i].forward; }
};

namespace {

// Whether n sorts before (score, member): Redis's order, score first, then member bytes.
template <typename N>
bool SortsBefore(const N* n, double score, std::string_view member) {
  return n->score < score || (n->score == score && n->member() < member);
}

}  // namespace

bool LexBound::AdmitsAsMin(std::string_view m) const {
  switch (kind) {
    case kMinusInfinity:
      return true;
    case kPlusInfinity:
      return false;
    case kInclusive:
      return m >= member;
    case kExclusive:
      return m > member;
  }
  return false;
}

bool LexBound::AdmitsAsMax(std::string_view m) const {
  switch (kind) {
    case kMinusInfinity:
      return false;
    case kPlusInfinity:
      return true;
    case kInclusive:
      return m <= member;
    case kExclusive:
      return m < member;
  }
  return false;
}

std::string_view SortedTable::Iterator::member() const {
  return node_->member();
}

double SortedTable::Iterator::score() const {
  return node_->score;
}

void SortedTable::Iterator::Next() {
  node_ = node_->forward(0);
}

void SortedTable::Iterator::Prev() {
  node_ = node_->backward;
}

SortedTable::SortedTable() : head_(NewNode({}, 0, kMaxLevel)) {
  for (int i = 0; i < kMaxLevel; ++i) {
    head_->levels()[i] = {nullptr, 0};
  }
}

SortedTable::SortedTable(const SortedTable& other) : SortedTable() {
  for (Iterator it = other.First(); it.valid(); it.Next()) {
    Set(it.member(), it.score());
  }
}

SortedTable::~SortedTable() {
  Node* n = head_->forward(0);
  while (n != nullptr) {
    Node* next = n->forward(0);
    std::free(n);
    n = next;
  }
  std::free(head_);
  std::free(buckets_);
}

SortedTable::Node* SortedTable::NewNode(std::string_view member, double score, int height) {
  REDOUBT_CHECK(member.size() <= UINT32_MAX);
  const size_t bytes = sizeof(Node) + sizeof(Node::Level) * height + member.size();
  auto* n = static_cast<Node*>(std::malloc(bytes));
  if (n == nullptr) {
    throw std::bad_alloc();
  }
  n->score = score;
  n->backward = nullptr;
  n->hash_next = nullptr;
  n->member_len = static_cast<uint32_t>(member.size());
  n->height = static_cast<uint8_t>(height);
  if (!member.empty()) {  // an empty view may have a null data()
    std::memcpy(reinterpret_cast<char*>(n->levels() + height), member.data(), member.size());
  }
  allocated_ += malloc_usable_size(n);
  return n;
}

void SortedTable::FreeNode(Node* node) {
  allocated_ -= malloc_usable_size(node);
  std::free(node);
}

int SortedTable::RandomHeight() {
  // Each level with probability 1/4 of the one below, as Redis's zslRandomLevel.
  int height = 1;
  while (height < kMaxLevel && (level_rng_() & 0xFFFF) < 0xFFFF / 4) {
    ++height;
  }
  return height;
}

SortedTable::Node** SortedTable::Locate(std::string_view member, uint64_t hash) const {
  if (capacity_ == 0) {
    return nullptr;
  }
  for (Node** link = &buckets_[hash & (capacity_ - 1)]; *link != nullptr;
       link = &(*link)->hash_next) {
    if ((*link)->member() == member) {
      return link;
    }
  }
  return nullptr;
}

void SortedTable::LinkHash(Node* node, uint64_t hash) {
  Node*& head = buckets_[hash & (capacity_ - 1)];
  node->hash_next = head;
  head = node;
}

void SortedTable::ResizeBuckets(size_t new_capacity) {
  Node** fresh = nullptr;
  if (new_capacity > 0) {
    fresh = static_cast<Node**>(std::calloc(new_capacity, sizeof(Node*)));
    if (fresh == nullptr) {
      throw std::bad_alloc();
    }
  }
  Node** old = buckets_;
  const size_t old_capacity = capacity_;
  buckets_ = fresh;
  capacity_ = new_capacity;
  for (size_t i = 0; i < old_capacity; ++i) {
    for (Node* n = old[i]; n != nullptr;) {
      Node* next = n->hash_next;
      LinkHash(n, HashKey(n->member()));
      n = next;
    }
  }
  std::free(old);
  allocated_ = allocated_ - old_capacity * sizeof(Node*) + new_capacity * sizeof(Node*);
}

void SortedTable::LinkList(Node* node) {
  Node* update[kMaxLevel] = {};
  size_t rank[kMaxLevel];
  Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->forward(i) != nullptr && SortsBefore(x->forward(i), node->score, node->member())) {
      rank[i] += x->levels()[i].span;
      x = x->forward(i);
    }
    update[i] = x;
  }
  const int height = node->height;
  if (height > level_) {
    for (int i = level_; i < height; ++i) {
      rank[i] = 0;
      update[i] = head_;
      head_->levels()[i].span = size_;  // the list's length before this node
    }
    level_ = height;
  }
  for (int i = 0; i < height; ++i) {
    Node::Level& before = update[i]->levels()[i];
    node->levels()[i].forward = before.forward;
    before.forward = node;
    node->levels()[i].span = before.span - (rank[0] - rank[i]);
    before.span = rank[0] - rank[i] + 1;
  }
  for (int i = height; i < level_; ++i) {
    ++update[i]->levels()[i].span;
  }
  node->backward = update[0] == head_ ? nullptr : update[0];
  if (node->forward(0) != nullptr) {
    node->forward(0)->backward = node;
  } else {
    tail_ = node;
  }
}

void SortedTable::UnlinkList(Node* node) {
  Node* update[kMaxLevel] = {};
  Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && SortsBefore(x->forward(i), node->score, node->member())) {
      x = x->forward(i);
    }
    update[i] = x;
  }
  REDOUBT_CHECK(update[0]->forward(0) == node);
  for (int i = 0; i < level_; ++i) {
    Node::Level& before = update[i]->levels()[i];
    if (before.forward == node) {
      before.span += node->levels()[i].span - 1;
      before.forward = node->forward(i);
    } else {
      --before.span;
    }
  }
  if (node->forward(0) != nullptr) {
    node->forward(0)->backward = node->backward;
  } else {
    tail_ = node->backward;
  }
  while (level_ > 1 && head_->forward(level_ - 1) == nullptr) {
    --level_;
  }
}

std::optional<double> SortedTable::Score(std::string_view member) const {
  Node** link = Locate(member, HashKey(member));
  if (link == nullptr) {
    return std::nullopt;
  }
  return (*link)->score;
}

bool SortedTable::Set(std::string_view member, double score) {
  const uint64_t hash = HashKey(member);
  if (Node** link = Locate(member, hash); link != nullptr) {
    Node* node = *link;
    if (node->score == score) {
      return false;
    }
    // Moved in place when its neighbours still bracket it, as Redis's zslUpdateScore; otherwise
    // relinked with the same node (its height is independent of its score).
    const Node* prev = node->backward;
    const Node* next = node->forward(0);
    if ((prev == nullptr || SortsBefore(prev, score, node->member())) &&
        (next == nullptr || !SortsBefore(next, score, node->member()))) {
      node->score = score;
      return false;
    }
    UnlinkList(node);
    --size_;
    node->score = score;
    LinkList(node);
    ++size_;
    return false;
  }
  if (size_t buckets = BucketsBeforeInsert(size_, capacity_); buckets != capacity_) {
    ResizeBuckets(buckets);
  }
  Node* node = NewNode(member, score, RandomHeight());
  LinkList(node);
  LinkHash(node, hash);
  ++size_;
  return true;
}

bool SortedTable::Erase(std::string_view member) {
  Node** link = Locate(member, HashKey(member));
  if (link == nullptr) {
    return false;
  }
  Node* node = *link;
  *link = node->hash_next;
  UnlinkList(node);
  FreeNode(node);
  --size_;
  if (size_t buckets = BucketsAfterErase(size_, capacity_); buckets != capacity_) {
    ResizeBuckets(buckets);
  }
  return true;
}

size_t SortedTable::RankOf(const Iterator& it) const {
  REDOUBT_CHECK(it.valid());
  const Node* target = it.node_;
  size_t rank = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (
        x->forward(i) != nullptr &&
        (x->forward(i) == target || SortsBefore(x->forward(i), target->score, target->member()))) {
      rank += x->levels()[i].span;
      x = x->forward(i);
    }
    if (x == target) {
      return rank - 1;
    }
  }
  REDOUBT_CHECK(false);
  return 0;
}

std::optional<size_t> SortedTable::Rank(std::string_view member) const {
  Node** link = Locate(member, HashKey(member));
  if (link == nullptr) {
    return std::nullopt;
  }
  return RankOf(Iterator(*link));
}

SortedTable::Iterator SortedTable::AtRank(size_t rank) const {
  if (rank >= size_) {
    return Iterator(nullptr);
  }
  const size_t target = rank + 1;
  size_t traversed = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && traversed + x->levels()[i].span <= target) {
      traversed += x->levels()[i].span;
      x = x->forward(i);
    }
    if (traversed == target) {
      return Iterator(x);
    }
  }
  return Iterator(nullptr);
}

SortedTable::Iterator SortedTable::Last() const {
  return Iterator(tail_);
}

template <typename Pred>
const SortedTable::Node* SortedTable::LastWhere(Pred before) const {
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward(i) != nullptr && before(x->forward(i))) {
      x = x->forward(i);
    }
  }
  return x;
}

SortedTable::Iterator SortedTable::FirstFrom(const ScoreBound& min) const {
  return Iterator(LastWhere([&](const Node* n) { return !min.AdmitsAsMin(n->score); })->forward(0));
}

SortedTable::Iterator SortedTable::LastUpTo(const ScoreBound& max) const {
  const Node* x = LastWhere([&](const Node* n) { return max.AdmitsAsMax(n->score); });
  return Iterator(x == head_ ? nullptr : x);
}

SortedTable::Iterator SortedTable::FirstFrom(const LexBound& min) const {
  return Iterator(
      LastWhere([&](const Node* n) { return !min.AdmitsAsMin(n->member()); })->forward(0));
}

SortedTable::Iterator SortedTable::LastUpTo(const LexBound& max) const {
  const Node* x = LastWhere([&](const Node* n) { return max.AdmitsAsMax(n->member()); });
  return Iterator(x == head_ ? nullptr : x);
}

uint64_t SortedTable::Scan(uint64_t cursor,
                           const std::function<void(std::string_view, double)>& fn) const {
  if (size_ == 0) {
    return 0;
  }
  const uint64_t mask = capacity_ - 1;
  for (const Node* n = buckets_[cursor & mask]; n != nullptr; n = n->hash_next) {
    fn(n->member(), n->score);
  }
  return NextScanCursor(cursor, mask);
}

}  // namespace redoubt::storage
